"""Reminder planner: hourly, plans each tenant's régua for its day by index query."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services.reminders.planner import Planner


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = Planner().run()
    return {
        "tenants": report.tenants,
        "planned": report.planned_tenants,
        "reminders_due": report.reminders_due,
        "envelopes": report.envelopes,
        "actions": report.actions,
        "requeued": report.requeued,
    }
