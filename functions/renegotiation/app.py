"""Tasks of the renegotiation state machine: the event names the action, a service runs it.

The state machine passes ``{"action", "case", "execution", "started"}`` (and ``task_token`` to
the task that waits for the customer). A task's exception class name is the error name the
ASL's Retry and Catch match, so transient faults surface as ``TransientError``.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from cobranca.platform.observability import logger, metrics, tracer
from cobranca.services.renegotiation import tasks


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(action=event.get("action"), execution=event.get("execution"))
    return tasks.run(event)
