"""Daily: break agreements whose parcelas are late beyond the tenant's tolerance, close the
ones fully paid, and settle promises to pay whose date has passed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services.renegotiation import monitor


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return monitor.run().as_dict()
