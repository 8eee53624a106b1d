"""Reminder sender: renders and sends each queued envelope exactly once per channel."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services.reminders.sender import Sender

processor = BatchProcessor(event_type=EventType.SQS)
_sender: Sender | None = None


def sender() -> Sender:
    """One sender per process, built on first use."""
    global _sender  # noqa: PLW0603 - reused across warm invocations
    if _sender is None:
        _sender = Sender()
    return _sender


def handle(record: SQSRecord) -> None:
    """One envelope; a raised error leaves the record on the queue for a retry."""
    sender().process(record.json_body, holder=record.message_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
    return dict(response)
