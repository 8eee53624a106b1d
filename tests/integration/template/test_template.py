"""template.yaml is valid SAM, its state machines are valid ASL, and it runs locally."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub
from cobranca_local.template import Template
from statelint.linter import Linter

ROOT = Path(__file__).resolve().parents[3]
ASL_FILES = sorted(ROOT.glob("infra/statemachines/*.asl.json")) + sorted(
    ROOT.glob("tests/fixtures/**/*.asl.json")
)


def test_cfn_lint_with_serverless_rules_reports_no_errors() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--append-rules",
            "cfn_lint_serverless.rules",
            "--format",
            "parseable",
            "--",
            str(ROOT / "template.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    # cfn-lint's exit status is a bit mask: 2 means errors, 4 warnings, 8 informational.
    errors = [line for line in result.stdout.splitlines() if re.search(r":E[S0-9]", line)]
    assert errors == [], result.stdout
    assert result.returncode & 2 == 0, result.stdout + result.stderr
    assert result.returncode & 1 == 0, result.stderr


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda path: path.name)
def test_every_state_machine_passes_statelint(path: Path) -> None:
    # Substitutions are resolved to ARN-shaped values first, as SAM does before deploying.
    text = re.sub(
        r"\$\{(\w+)\}",
        lambda match: f"arn:aws:lambda:us-east-1:123456789012:function:{match.group(1)}",
        path.read_text(encoding="utf-8"),
    )

    problems = Linter.validate(json.loads(text))

    assert problems == []


def test_every_state_machine_is_declared_with_its_substitutions() -> None:
    template = Template.load(DEFAULT_TEMPLATE)
    machines = template.of_type("AWS::Serverless::StateMachine")

    for logical_id, resource in machines.items():
        properties = resource["Properties"]
        text = (ROOT / properties["DefinitionUri"]).read_text(encoding="utf-8")
        placeholders = set(re.findall(r"\$\{(\w+)\}", text))
        assert placeholders == set(properties["DefinitionSubstitutions"]), logical_id


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub(DEFAULT_TEMPLATE, api_port=0) as running:
        yield running


def test_local_runtime_creates_every_stateful_resource_from_the_template(hub: LocalHub) -> None:
    dynamodb = hub.client("dynamodb")
    table = dynamodb.describe_table(TableName=hub.ref("CobrancaTable"))["Table"]
    backups = dynamodb.describe_continuous_backups(TableName=hub.ref("CobrancaTable"))
    ttl = dynamodb.describe_time_to_live(TableName=hub.ref("CobrancaTable"))

    assert table["TableName"] == "cobranca-local"
    assert sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"]) == [
        "gsi1",
        "gsi2",
        "gsi3",
    ]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    point_in_time = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert point_in_time["PointInTimeRecoveryStatus"] == "ENABLED"
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"

    assert sorted(hub.provisioned["queues"]) == [
        "cobranca-local-async-dlq",
        "cobranca-local-charge",
        "cobranca-local-charge-dlq",
        "cobranca-local-reminder",
        "cobranca-local-reminder-dlq",
        "cobranca-local-writeback-dlq.fifo",
        "cobranca-local-writeback.fifo",
    ]
    writeback = hub.client("sqs").get_queue_attributes(
        QueueUrl=hub.ref("WritebackQueue"), AttributeNames=["FifoQueue", "RedrivePolicy"]
    )["Attributes"]
    assert writeback["FifoQueue"] == "true"
    assert json.loads(writeback["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        "cobranca-local-writeback-dlq.fifo"
    )
    assert hub.provisioned["buckets"] == ["cobranca-local-raw-123456789012"]
    assert sorted(hub.provisioned["secrets"]) == [
        "cobranca/local/operator-token",
        "cobranca/local/portal-signing",
        "cobranca/local/whatsapp",
    ]
    machine = hub.client("stepfunctions").describe_state_machine(
        stateMachineArn=hub.ref("RenegotiationStateMachine")
    )
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == "CheckEligibility"
    assert "${" not in machine["definition"]


def test_functions_get_the_template_environment(hub: LocalHub) -> None:
    environment = hub.functions.environment()

    assert environment["TABLE_NAME"] == "cobranca-local"
    assert environment["CHARGE_QUEUE_URL"] == hub.ref("ChargeQueue")
    assert environment["RENEGOTIATION_STATE_MACHINE_ARN"] == hub.ref("RenegotiationStateMachine")
    assert environment["SECRETS_PREFIX"] == "cobranca/local"


def test_every_function_folder_has_a_thin_app_module() -> None:
    template = Template.load(DEFAULT_TEMPLATE)

    for function in template.functions():
        app = function.code_dir / "app.py"
        assert app.is_file(), f"{function.logical_id}: {app} missing"
        assert len(app.read_text(encoding="utf-8").splitlines()) <= 150, app


def test_alarms_use_no_search_and_every_function_has_an_errors_alarm() -> None:
    from cobranca_local.template import load_yaml

    resources = load_yaml(ROOT / "template.yaml")["Resources"]
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    functions = {
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    watched = set()
    for alarm in alarms:
        # CloudWatch refuses an alarm whose metric math contains SEARCH().
        assert "SEARCH" not in json.dumps(alarm)
        assert len(alarm.get("Metrics", [])) <= 10
        for query in alarm.get("Metrics", []):
            stat = query.get("MetricStat", {}).get("Metric", {})
            if stat.get("MetricName") == "Errors":
                watched |= {d["Value"]["Ref"] for d in stat["Dimensions"]}

    assert len(functions) == 15
    assert watched == functions
