"""The CloudWatch dashboard in template.yaml shows what the code really emits, and all of it.

Emitted names are read from the source with ``ast``: string constants given to an emitting call
(``metrics.add_metric``, ``single_metric``, and the project's thin wrappers), directly or through
a local variable or a module-level name table.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from aws_lambda_powertools.metrics import MetricUnit
from cobranca_local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted(ROOT.glob("layers/cobranca/**/*.py")) + sorted(ROOT.glob("functions/*/app.py"))
EMITTERS = {"add_metric", "single_metric", "_metric", "count", "record_metric", "count_marker"}
METRIC_NAME = re.compile(r'MetricName="([A-Za-z0-9]+)"')
# Units are constants of the same calls; every metric name here starts with a capital.
UNITS = {unit.value for unit in MetricUnit}


def _constants(node: ast.AST) -> set[str]:
    return {
        child.value
        for child in ast.walk(node)
        if isinstance(child, ast.Constant) and isinstance(child.value, str)
    }


def _callee(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else ""


def _assigned(scope: ast.AST) -> dict[str, list[ast.AST]]:
    values: dict[str, list[ast.AST]] = {}
    for node in ast.walk(scope):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                values.setdefault(target.id, []).append(node.value)  # type: ignore[attr-defined]
    return values


def _names_in(source: str) -> set[str]:
    """Metric names one module emits."""
    module = ast.parse(source)
    module_names = _assigned(module)
    found: set[str] = set()
    scopes = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for scope in scopes:
        local_names = _assigned(scope)
        for call in (n for n in ast.walk(scope) if isinstance(n, ast.Call)):
            if _callee(call) not in EMITTERS:
                continue
            arguments = list(call.args) + [keyword.value for keyword in call.keywords]
            for argument in arguments:
                found |= _constants(argument)
                if isinstance(argument, ast.Name):
                    named = local_names.get(argument.id) or module_names.get(argument.id, [])
                    for value in named:
                        found |= _constants(value)
                if isinstance(argument, ast.Subscript) and isinstance(argument.value, ast.Name):
                    for value in module_names.get(argument.value.id, []):
                        if isinstance(value, ast.Dict):
                            found |= {v for v in _constants(value) if v[:1].isupper()}
    # Units, dimension names and labels are constants too: dimensions and labels are lower case.
    return {name for name in found if re.fullmatch(r"[A-Z][A-Za-z0-9]+", name)} - UNITS


def emitted_metric_names() -> set[str]:
    names: set[str] = set()
    for path in SOURCES:
        names |= _names_in(path.read_text(encoding="utf-8"))
    return names


def dashboard() -> dict:
    resource = load_yaml(ROOT / "template.yaml")["Resources"]["OperationsDashboard"]
    body = resource["Properties"]["DashboardBody"]["Fn::Sub"]
    # Substitutions become placeholders; the JSON itself must stand as written.
    return json.loads(re.sub(r"\$\{[^}]+\}", "resolved", body))


def dashboard_metric_names() -> set[str]:
    names = set()
    for widget in dashboard()["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            expression = line[0].get("expression", "") if isinstance(line[0], dict) else ""
            if 'Namespace="Cobranca/resolved"' in expression:
                names |= set(METRIC_NAME.findall(expression))
    return names


def test_the_scanner_reads_direct_variable_and_table_forms() -> None:
    source = """
TABLE = {"a": "FromTable"}
CONSTANT = "ModuleConstant"
def emit(x):
    metrics.add_metric(name=CONSTANT, unit="Count", value=1)
    single_metric(name="SLABreached", unit="Milliseconds", value=1)
    metrics.add_metric(name="DirectName", unit="Count", value=1)
    which = "FirstChoice" if x else "SecondChoice"
    single_metric(name=which, unit="Count", value=1)
    metrics.add_metric(name=TABLE[x], unit="Count", value=1)
    print("NotAMetric")
"""

    assert _names_in(source) == {
        "DirectName",
        "FirstChoice",
        "SecondChoice",
        "FromTable",
        "ModuleConstant",
        "SLABreached",
    }


def test_every_dashboard_metric_is_emitted_somewhere_in_the_code() -> None:
    shown, emitted = dashboard_metric_names(), emitted_metric_names()

    assert len(shown) >= 40
    assert sorted(shown - emitted) == []


def test_every_emitted_metric_is_on_the_dashboard() -> None:
    assert sorted(emitted_metric_names() - dashboard_metric_names()) == []


def test_known_metrics_of_each_area_are_on_the_dashboard() -> None:
    shown = dashboard_metric_names()

    for name in (
        "ErpWebhookEvents",
        "ErpSyncFailures",
        "ChargesIssued",
        "ConfirmationApplied",
        "RetornoRecords",
        "RemindersSent",
        "RemindersConverted",
        "RenegotiationOfferAccepted",
        "AgreementBroken",
        "ReportsServed",
    ):
        assert name in shown


def test_the_dashboard_watches_every_dead_letter_queue_and_the_state_machine() -> None:
    template = load_yaml(ROOT / "template.yaml")["Resources"]
    body = template["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dead_letter_queues = [
        logical_id
        for logical_id, resource in template.items()
        if resource["Type"] == "AWS::SQS::Queue" and logical_id.endswith("DeadLetterQueue")
    ]

    assert len(dead_letter_queues) == 4
    for logical_id in dead_letter_queues:
        assert "${" + logical_id + ".QueueName}" in body
    assert "${RenegotiationStateMachine}" in body
