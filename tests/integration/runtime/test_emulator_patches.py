"""The emulator's SQS queues, with attributes computed one at a time, answer as moto does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cobranca_local import moto_patches


@pytest.fixture
def backend() -> Any:
    from moto.sqs.models import sqs_backends

    moto_patches.install()
    # An account of its own, so nothing else in this process shares these queues.
    chosen = sqs_backends["210987654321"]["sa-east-1"]
    yield chosen
    chosen.reset()


def test_a_standard_queue_reads_every_attribute_with_its_counts(backend: Any) -> None:
    dead = backend.create_queue("dead")
    redrive = {"deadLetterTargetArn": dead.queue_arn, "maxReceiveCount": 5}
    queue = backend.create_queue("work", VisibilityTimeout="90", RedrivePolicy=json.dumps(redrive))
    for index in range(7):
        backend.send_message("work", f"message {index}")
    backend.receive_message("work", count=2, wait_seconds_timeout=0, visibility_timeout=60)

    attributes = dict(queue.attributes)

    assert attributes["ApproximateNumberOfMessages"] == 5
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == 2
    assert attributes["VisibilityTimeout"] == 90
    assert json.loads(attributes["RedrivePolicy"]) == redrive
    assert "FifoQueue" not in attributes
    assert queue.attributes.get("ContentBasedDeduplication") is None
    with pytest.raises(KeyError):
        queue.attributes["ContentBasedDeduplication"]


def test_a_fifo_queue_keeps_content_based_deduplication(backend: Any) -> None:
    queue = backend.create_queue("orders.fifo", FifoQueue="true", ContentBasedDeduplication="true")

    backend.send_message("orders.fifo", "same body", group_id="g1")
    backend.send_message("orders.fifo", "same body", group_id="g1")
    backend.send_message("orders.fifo", "other body", group_id="g1")

    assert queue.attributes["FifoQueue"] == "true"
    assert queue.attributes["ContentBasedDeduplication"] == "true"
    assert queue.attributes["ApproximateNumberOfMessages"] == 2


def test_creating_an_existing_queue_with_other_attributes_is_refused(backend: Any) -> None:
    from moto.sqs.exceptions import QueueAlreadyExists

    backend.create_queue("twice", VisibilityTimeout="30")

    assert backend.create_queue("twice", VisibilityTimeout="30").name == "twice"
    with pytest.raises(QueueAlreadyExists):
        backend.create_queue("twice", VisibilityTimeout="60")


def test_delayed_and_in_flight_messages_are_not_received(backend: Any) -> None:
    queue = backend.create_queue("later")
    backend.send_message("later", "now")
    backend.send_message("later", "in a minute", delay_seconds=60)

    first = backend.receive_message(
        "later", count=10, wait_seconds_timeout=0, visibility_timeout=30
    )
    again = backend.receive_message(
        "later", count=10, wait_seconds_timeout=0, visibility_timeout=30
    )

    assert [message.body for message in first] == ["now"]
    assert again == []
    assert queue.attributes["ApproximateNumberOfMessagesDelayed"] == 1
    assert queue.attributes["ApproximateNumberOfMessagesNotVisible"] == 1
