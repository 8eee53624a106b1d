"""Delivery status of reminders: SES events (SNS), WhatsApp webhooks, SMS delivery logs."""

import base64
import gzip
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.adapters.channels.whatsapp import credentials
from cobranca.platform.api import Problem, create_app, raw_body
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services.reminders import delivery

# Signatures are checked over the raw bytes, so nothing parses the body before the route.
app = create_app(max_body_bytes=512 * 1024, parse_json=False)


@app.get("/v1/delivery/<tenant>/<channel>")
def verify(tenant: str, channel: str) -> Response[str]:
    """The Cloud API's webhook verification: echo hub.challenge for the right verify token."""
    if channel != "whatsapp":
        raise Problem(404, f"no verification for channel {channel!r}")
    query = app.current_event.query_string_parameters or {}
    token = str(credentials().get("verify_token", ""))
    if query.get("hub.mode") != "subscribe" or not token or query.get("hub.verify_token") != token:
        raise Problem(403, "verification token not accepted")
    return Response(200, "text/plain", str(query.get("hub.challenge", "")))


@app.post("/v1/delivery/<tenant>/<channel>")
def status(tenant: str, channel: str) -> dict[str, Any]:
    """WhatsApp status webhooks, signed with the app secret (X-Hub-Signature-256)."""
    if channel != "whatsapp":
        raise Problem(404, f"channel {channel!r} reports through its own AWS integration")
    body = raw_body(app)
    header = app.current_event.headers.get("X-Hub-Signature-256") or app.current_event.headers.get(
        "x-hub-signature-256"
    )
    if not delivery.verify_signature(body, header, str(credentials().get("app_secret", ""))):
        raise Problem(401, "X-Hub-Signature-256 does not match the body")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Problem(400, "body is not valid JSON") from None
    return {"outcomes": delivery.record_whatsapp_statuses(tenant, payload)}


def _sms_entries(event: dict[str, Any]) -> list[dict[str, Any]]:
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    return [json.loads(line["message"]) for line in data.get("logEvents", [])]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    if records and records[0].get("EventSource") == "aws:sns":
        outcomes = [delivery.record_ses_event(item) for item in delivery.records_of_sns(event)]
        return {"outcomes": outcomes}
    if "awslogs" in event:
        return {"matched": delivery.record_sms_statuses(_sms_entries(event))}
    logger.debug("delivery status request", extra={"path": event.get("path")})
    return app.resolve(event, context)
