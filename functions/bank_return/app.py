"""Bank return: CNAB retorno files dropped under retorno/<tenant>/ settle receivables.

Each record is applied like a gateway callback (deduplicated by a stable record id, so a file
delivered twice changes nothing); unreadable files and lines are parked for an operator. An
error fails the invocation, which S3 retries and then sends to the async DLQ.
"""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from cobranca.services.confirmations import process_retorno

    summaries = []
    for record in S3Event(event).records:
        key = unquote_plus(record.s3.get_object.key)
        summary = process_retorno(key)
        logger.info("retorno processed", extra=summary)
        summaries.append(summary)
    return {"files": summaries}
