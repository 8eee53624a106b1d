"""ERP write-back: payments and status changes from the hub, written to the tenant's ERP.

Messages follow the write-back contract in ``cobranca.services.outbox`` (SQS FIFO, one group per
receivable). A message whose ERP is down fails alone and comes back with a backoff (five times,
then the DLQ); a poison message goes to the DLQ at once; the rest is decided by
``cobranca.services.writeback``. A failed message holds back only its own group.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    from cobranca.services.writeback import consume

    consume(
        record.body,
        message_id=record.message_id,
        source_arn=record.event_source_arn,
        group=record.attributes.message_group_id,
        receive_count=int(record.attributes.approximate_receive_count or 1),
        receipt_handle=record.receipt_handle,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
