"""Operator API: tenants, mappings, worklist, offers, audit, LGPD and exports.

Every route requires the operator's bearer token; each area's routes live in a router under
layers/cobranca/api and are included here.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.api import erp, operator_renegotiation
from cobranca.api.auth import require_operator
from cobranca.platform.api import create_app
from cobranca.platform.observability import logger, metrics, tracer

app = create_app(max_body_bytes=256 * 1024)


def authenticate(app: Any, next_middleware: Any) -> Any:
    """Reject any request without the operator token before a route runs."""
    require_operator(app.current_event.headers.get("Authorization"))
    return next_middleware(app)


app.use(middlewares=[authenticate])
app.include_router(operator_renegotiation.router)
app.include_router(erp.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
