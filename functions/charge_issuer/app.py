"""Charge issuer: creates, reissues (segunda via) or cancels receivables' charges from the queue.

Messages follow the charge-queue contract in ``cobranca.services.outbox``. A provider that is
unavailable fails only its message, which SQS delivers again (five times, then the DLQ);
everything else is decided by ``cobranca.services.charging``.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    from cobranca.services.charging import handle_message

    outcome = handle_message(json.loads(record.body))
    logger.info(
        "charge request handled",
        extra={
            "receivable": outcome.receivable_id,
            "action": outcome.action,
            "outcome": outcome.outcome,
            "reason": outcome.reason,
        },
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
