"""The customer's pages: debt and plan offers, payment page, unsubscribe.

Pages are server-rendered jinja2 (pt-BR); every link is signed and expiring. Each area's routes
live in a router under layers/cobranca/api and are included here.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.api import offers, pay, unsubscribe
from cobranca.platform.api import create_app
from cobranca.platform.observability import logger, metrics, tracer

# Forms post application/x-www-form-urlencoded; nothing larger than a few fields is expected.
app = create_app(
    max_body_bytes=16 * 1024,
    content_types=("application/x-www-form-urlencoded", "application/json"),
)
app.include_router(offers.router)
app.include_router(unsubscribe.router)
app.include_router(pay.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
