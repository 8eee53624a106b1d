"""Reports: KPIs as JSON or CSV for operators, and the dashboard page behind a signed link."""

import re
from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.api.auth import require_operator
from cobranca.platform import clock
from cobranca.platform.api import Problem, create_app
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services import links, reports

app = create_app()
# fromisoformat alone also reads ISO week dates (2026-W14-2) and the basic form 20260331.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FORMATS = ("json", "csv")


def _query(name: str) -> str | None:
    """One query parameter; given twice it is ambiguous, so refused."""
    values = (app.current_event.multi_value_query_string_parameters or {}).get(name) or []
    if len(values) > 1:
        raise Problem(400, f"{name} is given more than once")
    return app.current_event.get_query_string_value(name)


def _as_of() -> date:
    text = _query("as_of")
    if not text:
        return clock.today()
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"as_of must be a date like 2026-12-04, got {text!r}") from None


def _format() -> str:
    text = _query("format")
    if text is None:
        return "json"
    if text.lower() not in FORMATS:
        raise Problem(400, f"format must be json or csv, got {text!r}")
    return text.lower()


@app.get("/v1/tenants/<tenant>/reports/<report>")
def report(tenant: str, report: str) -> Response[str]:
    require_operator(app.current_event.headers.get("Authorization"))
    as_of, output = _as_of(), _format()
    try:
        body = reports.build(tenant, report, as_of)
    except reports.AsOfOutOfRange as out_of_range:
        raise Problem(400, str(out_of_range)) from None
    except reports.UnknownReport as unknown:
        raise Problem(404, str(unknown)) from None
    metrics.add_metric(name="ReportsServed", unit=MetricUnit.Count, value=1)
    if output == "csv":
        return Response(200, "text/csv; charset=utf-8", reports.to_csv(body))
    return Response(200, "application/json", reports.to_json(body))


@app.get("/dashboard/<token>")
def dashboard(token: str) -> Response[str]:
    try:
        claims = links.verify(token, "dashboard")
    except links.LinkExpired:
        raise Problem(410, "this dashboard link has expired; ask for a new one") from None
    except links.LinkInvalid:
        raise Problem(404, "no dashboard here") from None
    try:
        page = reports.dashboard(claims.tenant_id, _as_of())
    except reports.AsOfOutOfRange as out_of_range:
        raise Problem(400, str(out_of_range)) from None
    except reports.UnknownTenant:
        raise Problem(404, "no dashboard here") from None
    metrics.add_metric(name="DashboardViews", unit=MetricUnit.Count, value=1)
    return Response(200, "text/html; charset=utf-8", page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
