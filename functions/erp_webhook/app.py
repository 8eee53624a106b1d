"""ERP webhook: verify the signature over the raw body, archive it, map and upsert each event.

Everything is decided by ``cobranca.services.webhook``; this handler passes the raw bytes and the
``X-Cobranca-Signature`` header and answers with the per-event results.
"""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.adapters.erp.signatures import HEADER
from cobranca.platform.api import create_app, raw_body
from cobranca.platform.observability import logger, metrics, tracer

# Signatures cover the raw bytes, so the body is not parsed before the service verifies it.
app = create_app(max_body_bytes=1_048_576, parse_json=False)


@app.post("/v1/erp/<tenant>/events")
@tracer.capture_method
def receive_events(tenant: str) -> Response[str]:
    from cobranca.services.webhook import receive

    signature = app.current_event.headers.get(HEADER) or app.current_event.headers.get(
        HEADER.lower()
    )
    status, body = receive(tenant, raw_body(app), signature, lambda_context=app.lambda_context)
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
