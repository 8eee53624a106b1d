"""Starting renegotiation executions, with names that make a repeated start harmless.

An execution's name is ``<tenant>__<customer>__<yyyymmdd>__<digest>``: the digest covers the
tenant, the customer, the origin, the business date, the receivables named and a caller's key.
Starting twice with the same inputs (a schedule retried, a double click) therefore names the
same execution, which Step Functions refuses to start again; the caller gets the existing one.
The tenant prefix lets the operator view list a tenant's executions by name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from cobranca.platform import aws, clock
from cobranca.platform.observability import logger, metrics
from cobranca.platform.settings import get_settings
from cobranca.services.renegotiation.store import load_context

Origin = Literal["schedule", "operator", "reminder", "broken_agreement"]
NAME_SEPARATOR = "__"
_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


class StarterError(RuntimeError):
    """The state machine is not configured for this function."""


@dataclass(frozen=True)
class Started:
    """The execution asked for, and whether this call started it."""

    name: str
    execution_arn: str
    started: bool


def tenant_prefix(tenant_id: str) -> str:
    """The name prefix of a tenant's executions (tenant ids have no underscores)."""
    return f"{tenant_id}{NAME_SEPARATOR}"


def execution_name(
    tenant_id: str,
    customer_id: str,
    *,
    origin: str,
    day: date,
    receivable_ids: Iterable[str] = (),
    key: str = "",
) -> str:
    """The deterministic name of an execution (at most 80 characters, as Step Functions allows)."""
    digest = hashlib.sha256(
        "\x1f".join(
            [tenant_id, customer_id, origin, day.isoformat(), *sorted(receivable_ids), key]
        ).encode()
    ).hexdigest()[:10]
    slug = _UNSAFE.sub("-", customer_id)[:16]
    return NAME_SEPARATOR.join([tenant_id, slug, f"{day:%Y%m%d}", digest])


def _machine_arn() -> str:
    arn = get_settings().renegotiation_state_machine_arn
    if not arn:
        raise StarterError("RENEGOTIATION_STATE_MACHINE_ARN is not set for this function")
    return arn


def execution_arn(name: str) -> str:
    machine = _machine_arn()
    return f"{machine.replace(':stateMachine:', ':execution:')}:{name}"


def start(
    tenant_id: str,
    customer_id: str,
    *,
    receivable_ids: Iterable[str] = (),
    origin: Origin = "schedule",
    requested_by: str | None = None,
    key: str = "",
    decision_seconds: int | None = None,
    heartbeat_seconds: int | None = None,
) -> Started:
    """Start (or find) the renegotiation of a customer's overdue receivables.

    Without ``receivable_ids`` every eligible receivable of the customer is offered. The offer
    waits ``decision_seconds`` for the customer (the tenant's ``offer_hours`` by default) and
    lapses early after ``heartbeat_seconds`` without a visit (``idle_hours``).
    """
    policy = load_context(tenant_id).policy
    ids = sorted(dict.fromkeys(receivable_ids))
    decision = decision_seconds or policy.offer_hours * 3600
    heartbeat = min(heartbeat_seconds or policy.idle_hours * 3600, decision)
    name = execution_name(
        tenant_id, customer_id, origin=origin, day=clock.today(), receivable_ids=ids, key=key
    )
    payload: dict[str, Any] = {
        "tenant": tenant_id,
        "customer_id": customer_id,
        "receivable_ids": ids,
        "origin": origin,
        "attempt": 1,
        "requested_by": requested_by,
        "timeouts": {"decision_seconds": decision, "heartbeat_seconds": heartbeat},
    }
    from botocore.exceptions import ClientError

    try:
        response = aws.client("stepfunctions").start_execution(
            stateMachineArn=_machine_arn(), name=name, input=json.dumps(payload)
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        logger.info("renegotiation already started", extra={"tenant": tenant_id, "execution": name})
        return Started(name, execution_arn(name), False)
    metrics.add_metric(name="RenegotiationStarted", unit=MetricUnit.Count, value=1)
    logger.info(
        "renegotiation started", extra={"tenant": tenant_id, "execution": name, "origin": origin}
    )
    return Started(name, str(response["executionArn"]), True)
