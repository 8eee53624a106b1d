"""Sync pull: every tenant with a pull connector, changes since its watermark, on a schedule.

The pulls, leases and watermarks are ``cobranca.services.sync``'s; this handler gives it the
time left before the function's timeout.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from cobranca.services.sync import scheduled_run

    return scheduled_run(context.get_remaining_time_in_millis() / 1000)
