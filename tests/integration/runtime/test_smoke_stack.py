"""The local runtime proves each wiring on a small stack: API, SQS, schedules, S3, SFN."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cobranca.platform import clock
from cobranca_local.hub import LocalHub

SMOKE = Path(__file__).resolve().parents[2] / "fixtures" / "smoke" / "template.yaml"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub(SMOKE, api_port=0) as running:
        yield running


def _items(hub: LocalHub, pk: str) -> list[dict[str, Any]]:
    response = hub.client("dynamodb").query(
        TableName=hub.ref("SmokeTable"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return response["Items"]


def _wait_for_execution(hub: LocalHub, arn: str, timeout: float = 30) -> dict[str, Any]:
    sfn = hub.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        description = sfn.describe_execution(executionArn=arn)
        if description["status"] != "RUNNING":
            return description
        time.sleep(0.1)
    raise AssertionError(f"execution {arn} still running")


def _wait_for_token(hub: LocalHub, key: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for item in _items(hub, "TOKEN"):
            if item["sk"]["S"] == key:
                return str(item["token"]["S"])
        time.sleep(0.1)
    raise AssertionError(f"no task token parked for {key}")


def _start(hub: LocalHub, **payload: Any) -> str:
    response = hub.client("stepfunctions").start_execution(
        stateMachineArn=hub.state_machines["SmokeStateMachine"],
        name=f"smoke-{payload['key']}",
        input=json.dumps(payload),
    )
    return str(response["executionArn"])


# ---------------------------------------------------------------------- resources


def test_resources_come_from_the_template(hub: LocalHub) -> None:
    table = hub.client("dynamodb").describe_table(TableName=hub.ref("SmokeTable"))["Table"]
    ttl = hub.client("dynamodb").describe_time_to_live(TableName=hub.ref("SmokeTable"))
    queue = hub.client("sqs").get_queue_attributes(
        QueueUrl=hub.ref("WorkQueue"), AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
    )["Attributes"]

    assert table["TableName"] == "cobranca-local-smoke"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert json.loads(queue["RedrivePolicy"])["maxReceiveCount"] == 2
    assert queue["VisibilityTimeout"] == "60"


# ---------------------------------------------------------------------- API


def test_api_route_reaches_the_handler_with_path_parameters(hub: LocalHub) -> None:
    response = httpx.get(f"{hub.url}/smoke/hello/ana%20maria")

    assert response.status_code == 200
    assert response.json() == {"hello": "ana maria", "token": "smoke-token"}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b"{nope", "application/json", 400, "not valid JSON"),
        (b'{"items": []}', "application/json", 422, "items"),
        (json.dumps({"items": ["x" * 3000]}).encode(), "application/json", 413, "limit is 2048"),
        (b"a=1", "application/x-www-form-urlencoded", 415, "not accepted"),
    ],
)
def test_bad_bodies_get_problem_details(
    hub: LocalHub, body: bytes, content_type: str, status: int, detail: str
) -> None:
    response = httpx.post(
        f"{hub.url}/smoke/work", content=body, headers={"Content-Type": content_type}
    )

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert detail in response.json()["detail"]


def test_unknown_path_and_wrong_method(hub: LocalHub) -> None:
    assert httpx.get(f"{hub.url}/nowhere").status_code == 404
    assert httpx.delete(f"{hub.url}/smoke/work").status_code == 405


# ---------------------------------------------------------------------- SQS


def test_sqs_partial_batch_failure_retries_only_the_failed_message(hub: LocalHub) -> None:
    # GIVEN three items, one of which the worker always rejects
    response = httpx.post(f"{hub.url}/smoke/work", json={"items": ["p1", "bad", "p2"]})
    assert response.status_code == 202

    # WHEN the queue drains (the bad one is retried until the redrive policy parks it)
    hub.drain()

    # THEN the good items were recorded exactly once and the bad one sits in the DLQ
    deliveries = {item["sk"]["S"]: item["deliveries"]["N"] for item in _items(hub, "WORK")}
    assert deliveries["p1"] == "1"
    assert deliveries["p2"] == "1"
    dead = hub.client("sqs").receive_message(
        QueueUrl=hub.ref("WorkDeadLetterQueue"), MaxNumberOfMessages=10
    )["Messages"]
    assert [json.loads(message["Body"]) for message in dead] == [{"item": "bad"}]
    worker_runs = hub.functions.invocations("WorkerFunction")
    assert len(worker_runs) >= 2


# ---------------------------------------------------------------------- schedules


def test_schedule_runs_on_demand_and_by_time_travel(hub: LocalHub) -> None:
    on_demand = hub.run_schedule("Daily")
    assert on_demand["kind"] == "Scheduled Event"

    # Jump to a known Friday 20:00 in São Paulo, then a whole weekend plus Monday morning.
    hub.scheduler.jump_to(datetime.fromisoformat("2030-01-04T20:00:00-03:00"))
    fired = hub.advance(days=2, hours=13)

    daily = [moment.astimezone(clock.BUSINESS_TZ) for name, moment in fired if name == "Daily"]
    assert [moment.isoformat() for moment in daily] == ["2030-01-07T08:00:00-03:00"]
    assert clock.local_now().isoformat(timespec="minutes") == "2030-01-07T09:00-03:00"
    ticks = {item["sk"]["S"] for item in _items(hub, "TICK")}
    assert "2030-01-07T08:00-03:00#Scheduled Event" in ticks
    assert any(tick.endswith("#rate") for tick in ticks)


# ---------------------------------------------------------------------- S3


def test_s3_object_created_reaches_the_function_once(hub: LocalHub) -> None:
    s3 = hub.client("s3")
    s3.put_object(Bucket=hub.ref("SmokeBucket"), Key="inbox/retorno 1.ret", Body=b"x" * 240)
    s3.put_object(Bucket=hub.ref("SmokeBucket"), Key="elsewhere/ignored.txt", Body=b"y")

    hub.drain()
    hub.drain()

    files = {item["sk"]["S"]: item["size"]["N"] for item in _items(hub, "FILE")}
    assert files == {"inbox/retorno 1.ret": "240"}


# ---------------------------------------------------------------------- Step Functions


def test_state_machine_retries_by_error_name_and_waits_for_the_task_token(hub: LocalHub) -> None:
    execution = _start(hub, key="accept", fail_times=2, timeout_seconds=60)

    token = _wait_for_token(hub, "accept")
    hub.client("stepfunctions").send_task_success(
        taskToken=token, output=json.dumps({"accepted": True})
    )
    result = _wait_for_execution(hub, execution)

    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["flaky"] == {"attempts": 3}
    assert output["decision"] == {"accepted": True}


def test_task_failure_is_caught_and_compensated(hub: LocalHub) -> None:
    execution = _start(hub, key="decline", fail_times=0, timeout_seconds=60)

    token = _wait_for_token(hub, "decline")
    hub.client("stepfunctions").send_task_failure(
        taskToken=token, error="Declined", cause="customer said no"
    )
    result = _wait_for_execution(hub, execution)

    assert result["status"] == "FAILED"
    assert result["error"] == "Compensated"
    assert {item["sk"]["S"] for item in _items(hub, "UNDONE")} >= {"decline"}


def test_permanent_handler_error_is_matched_by_catch(hub: LocalHub) -> None:
    execution = _start(hub, key="doomed", fail_times="always", timeout_seconds=60)

    result = _wait_for_execution(hub, execution)

    assert result["status"] == "FAILED"
    assert result["error"] == "Compensated"
    attempts = next(item for item in _items(hub, "RUN") if item["sk"]["S"] == "doomed")
    assert attempts["attempts"]["N"] == "1"


def test_timeout_from_input_path_ends_the_wait(hub: LocalHub) -> None:
    execution = _start(hub, key="silent", fail_times=0, timeout_seconds=1)

    result = _wait_for_execution(hub, execution, timeout=30)

    assert result["status"] == "FAILED"
    assert result["error"] == "TimedOut"
