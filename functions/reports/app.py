"""Reports: KPIs as JSON or CSV for operators, and the dashboard page behind a signed link."""

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


def _as_of() -> date:
    text = app.current_event.get_query_string_value("as_of")
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"as_of must be a date like 2026-12-04, got {text!r}") from None


@app.get("/v1/tenants/<tenant>/reports/<report>")
def report(tenant: str, report: str) -> Response[str]:
    require_operator(app.current_event.headers.get("Authorization"))
    try:
        body = reports.build(tenant, report, _as_of())
    except reports.UnknownReport as unknown:
        raise Problem(404, str(unknown)) from None
    metrics.add_metric(name="ReportsServed", unit=MetricUnit.Count, value=1)
    if app.current_event.get_query_string_value("format") == "csv":
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
    page = reports.dashboard(claims.tenant_id, _as_of())
    metrics.add_metric(name="DashboardViews", unit=MetricUnit.Count, value=1)
    return Response(200, "text/html; charset=utf-8", page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
