"""Gateway callbacks: payment events from Asaas and Stripe, and API Pix webhooks.

The body is archived before anything reads it, verified by the provider's own scheme over the
raw bytes, deduplicated by the provider's event id inside the same transaction that records
the money, and answered with one line per event. Bad input gets problem details.
"""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.api import Problem, create_app, raw_body
from cobranca.platform.observability import logger, metrics, tracer

# Signatures cover the raw bytes, so the body is not parsed before the provider verifies it.
app = create_app(parse_json=False)


def _receive(tenant: str, provider: str, channel: str) -> Response[str]:
    import json

    from cobranca.adapters.gateways import CallbackRejected
    from cobranca.services.confirmations import receive_callback

    headers = {str(name): str(value) for name, value in app.current_event.headers.items()}
    try:
        result = receive_callback(tenant, provider, headers, raw_body(app), channel=channel)
    except CallbackRejected as rejected:
        raise Problem(rejected.status, rejected.reason) from None
    metrics.add_metric(name="CallbacksReceived", unit="Count", value=1)
    return Response(result.status, "application/json", json.dumps(result.body))


@app.post("/v1/callbacks/<tenant>/<provider>")
def callback(tenant: str, provider: str) -> Response[str]:
    return _receive(tenant, provider, "default")


@app.post("/v1/callbacks/<tenant>/<provider>/pix")
def pix_callback(tenant: str, provider: str) -> Response[str]:
    return _receive(tenant, provider, "pix")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
