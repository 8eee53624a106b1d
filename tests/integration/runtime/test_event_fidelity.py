"""The local runtime builds the same event shapes AWS delivers (samples in tests/events/aws)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cobranca_local.apigw import Route
from cobranca_local.hub import LocalHub
from cobranca_local.schedules import Schedule
from cobranca_local.sqs import Mapping

EVENTS = Path(__file__).resolve().parents[2] / "events" / "aws"
SMOKE = Path(__file__).resolve().parents[2] / "fixtures" / "smoke" / "template.yaml"


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def shape(value: Any) -> Any:
    """The nested key structure of an event (values ignored)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list) and value:
        return [shape(value[0])]
    return type(value).__name__ if value is not None else "null"


@pytest.fixture(scope="module")
def hub() -> Any:
    with LocalHub(SMOKE, api_port=0) as running:
        yield running


def test_api_gateway_proxy_event_has_the_aws_keys(hub: LocalHub) -> None:
    route = Route.build("POST", "/v1/erp/{tenant}/events", "fn")
    event = hub.api.build_event(
        route=route,
        parameters={"tenant": "aurora"},
        method="POST",
        target="/v1/erp/aurora/events",
        headers=[("Content-Type", "application/json")],
        body=b'{"events": []}',
        source_ip="127.0.0.1",
    )

    expected = sample("apigateway-rest-proxy.json")
    assert set(event) == set(expected)
    assert set(event["requestContext"]) == set(expected["requestContext"])
    assert event["pathParameters"] == {"tenant": "aurora"}
    assert event["isBase64Encoded"] is False


def test_sqs_record_has_the_aws_keys(hub: LocalHub) -> None:
    mapping = Mapping("fn", "http://q", "arn:aws:sqs:us-east-1:123456789012:q", 10, True, False)
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "Attributes": {"ApproximateReceiveCount": "1"},
    }

    record = hub.queues._record(mapping, message)

    assert set(record) == set(sample("sqs-batch.json")["Records"][0])


def test_scheduled_event_has_the_aws_keys(hub: LocalHub) -> None:
    schedule = next(iter(hub.scheduler.schedules.values()))
    plain = Schedule(schedule.name, schedule.function, schedule.expression, schedule.timezone, None)

    event = hub.scheduler.event_for(plain, hub.scheduler.origin)

    assert shape(event) == shape(sample("eventbridge-scheduled.json"))


def test_s3_record_has_the_aws_keys(hub: LocalHub) -> None:
    watch = hub.s3_events.watches[0]

    event = hub.s3_events._event(watch, {"Key": "inbox/a.ret", "Size": 3, "ETag": '"e"'})

    assert shape(event) == shape(sample("s3-object-created.json"))
