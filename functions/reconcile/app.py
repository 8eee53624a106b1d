"""Nightly consistency audit: each tenant's open receivables in the ERP against the hub's.

Reports go to S3 and divergence counts to metrics; ``cobranca.services.reconcile`` does the work.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from cobranca.services.reconcile import reconcile_all

    return {"tenants": reconcile_all()}
