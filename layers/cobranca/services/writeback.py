"""The write-back consumer: payments and status changes from the hub, recorded in the ERP.

Messages follow the write-back contract in :mod:`cobranca.services.outbox` (SQS FIFO, one group
per receivable, so a receivable's facts reach the ERP in order). For each message:

- the ERP writer checks for the message's ``ref`` before writing (see
  :mod:`cobranca.adapters.erp.writers`), so a redelivery or a replay from the DLQ never records
  a payment twice;
- the outcome is kept on the receivable (item ``WRITEBACK#<kind>#<ref>``) with its audit entry;
- an ERP that is down or answering 5xx/429 makes the message **retry**: the caller returns it to
  the queue with an exponential backoff (SQS moves it to the DLQ after five receives);
- a message that can never succeed (malformed, unknown tenant or receivable, an ERP that refuses
  the data) is **poison**: it goes to the DLQ at once, for ``cobranca replay`` after a fix.

Metric: ``ErpWritebacks`` with an ``outcome`` dimension (``written``, ``duplicate``,
``nothing_to_pay``, ``unsupported``, ``no_erp_api``, ``retry``, ``poison``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cobranca.adapters.erp.rest import RestError
from cobranca.adapters.erp.tryton import TrytonError, TrytonUnavailable
from cobranca.adapters.erp.writers import Writer, WriterNotConfigured, writer_for
from cobranca.adapters.secrets import SecretMissing, tenant_secrets
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Put, Table, table
from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger
from cobranca.services.erp_metrics import count

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 900


class WritebackMessage(BaseModel):
    """One write-back request (the outbox contract)."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    tenant_id: str = Field(min_length=2, max_length=40)
    receivable_id: str = Field(min_length=1, max_length=200)
    kind: Literal["payment", "status", "agreement"]
    ref: str = Field(min_length=1, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict)


class RetryLater(Exception):
    """The ERP is unavailable; deliver the message again later."""


class Poison(Exception):
    """The message can never succeed as it is; it belongs in the DLQ."""


@dataclass
class WritebackOutcome:
    tenant_id: str
    receivable_id: str
    kind: str
    ref: str
    outcome: str


def backoff_seconds(receive_count: int) -> int:
    """Visibility delay before the next attempt: 30 s, 60 s, 120 s... capped, with jitter."""
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(receive_count - 1, 0))
    return int(base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


def _record(store: Table, tenant: Tenant, receivable_id: str) -> ReceivableRecord:
    item = store.get(keys.receivable(tenant.tenant_id, receivable_id), keys.RECEIVABLE)
    if item is None:
        raise Poison(f"receivable {receivable_id} is not in the hub")
    return ReceivableRecord.from_item(item)


def _remember(store: Table, tenant: Tenant, message: WritebackMessage, outcome: str) -> None:
    now = clock.now()
    unit = UnitOfWork(tenant.tenant_id, store)
    unit.add(
        [
            Put(
                {
                    "pk": keys.receivable(tenant.tenant_id, message.receivable_id),
                    "sk": f"WRITEBACK#{message.kind}#{message.ref}",
                    "type": "writeback",
                    "kind": message.kind,
                    "ref": message.ref,
                    "outcome": outcome,
                    "written_at": now,
                },
                condition="attribute_not_exists(pk)",
            )
        ],
        [
            Change(
                f"receivable:{message.receivable_id}",
                f"writeback.{message.kind}",
                "erp-writeback",
                now,
                None,
                {"ref": message.ref, "outcome": outcome},
                message.ref,
            )
        ],
        receivable_id=message.receivable_id,
    )
    # A replay finds the item already there: its step is dropped and nothing is written twice.
    unit.commit()


def handle_message(
    body: dict[str, Any],
    *,
    store: Table | None = None,
    writer_factory: Callable[[Tenant, dict[str, Any]], Writer] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> WritebackOutcome:
    """Write one message back to the tenant's ERP; raises RetryLater or Poison."""
    store = store or table()
    try:
        message = WritebackMessage.model_validate(body)
    except ValidationError as error:
        raise Poison(f"not a write-back message: {error.error_count()} invalid fields") from None
    try:
        tenant = load_tenant(message.tenant_id, store=store)
    except (TenantNotFound, ValidationError):
        raise Poison(f"unknown tenant {message.tenant_id}") from None
    record = _record(store, tenant, message.receivable_id)
    if tenant.erp.kind == "webhook" and not tenant.erp.base_url:
        # A tenant that only pushes webhooks has no ERP API to write to: the fact is kept on
        # the receivable (the ERP can read it back) instead of filling the DLQ.
        _remember(store, tenant, message, "no_erp_api")
        return WritebackOutcome(
            tenant.tenant_id, message.receivable_id, message.kind, message.ref, "no_erp_api"
        )

    try:
        secrets = tenant_secrets(tenant.tenant_id).get("erp") or {}
        if writer_factory is not None:
            writer = writer_factory(tenant, secrets)
        else:
            writer = writer_for(tenant, secrets, transport=transport)
    except (WriterNotConfigured, SecretMissing) as error:
        raise Poison(str(error)) from None

    try:
        if message.kind == "payment":
            if "amount" not in message.payload or "paid_on" not in message.payload:
                raise Poison("a payment write-back needs payload.amount and payload.paid_on")
            outcome = writer.payment(record, message.ref, message.payload)
        else:
            outcome = writer.note(record, message.ref, message.kind, message.payload)
    except TrytonUnavailable as error:
        raise RetryLater(str(error)) from None
    except TrytonError as error:
        if error.status == 401 or error.status >= 500:
            raise RetryLater(str(error)) from None
        raise Poison(f"the ERP refused the write: {error}") from None
    except RestError as error:
        if error.retryable:
            raise RetryLater(str(error)) from None
        raise Poison(f"the ERP refused the write: {error}") from None
    finally:
        writer.close()

    _remember(store, tenant, message, outcome)
    logger.info(
        "erp write-back",
        extra={
            "tenant": tenant.tenant_id,
            "receivable": message.receivable_id,
            "kind": message.kind,
            "ref": message.ref,
            "outcome": outcome,
        },
    )
    return WritebackOutcome(
        tenant.tenant_id, message.receivable_id, message.kind, message.ref, outcome
    )


def record_outcome_metric(outcome: str) -> None:
    """``ErpWritebacks`` by outcome."""
    count("ErpWritebacks", 1, "outcome", outcome)


def consume(
    body: str,
    *,
    message_id: str,
    source_arn: str,
    group: str | None,
    receive_count: int,
    receipt_handle: str,
) -> str:
    """Handle one SQS record: write it back, park it when poison, delay it when the ERP is down.

    Returns the outcome; raises :class:`RetryLater` (after pushing the message's visibility out
    by the backoff) so the batch processor reports it as failed.
    """
    import json

    from cobranca.platform import aws
    from cobranca.services.replay import park, url_of_arn

    try:
        parsed = json.loads(body)
        outcome = handle_message(parsed if isinstance(parsed, dict) else {}).outcome
    except json.JSONDecodeError:
        outcome = "poison"
        park(url_of_arn(source_arn), body, group=group, reason="not JSON", message_id=message_id)
    except Poison as poison:
        outcome = "poison"
        park(url_of_arn(source_arn), body, group=group, reason=str(poison), message_id=message_id)
    except RetryLater:
        record_outcome_metric("retry")
        delay = backoff_seconds(receive_count)
        aws.client("sqs").change_message_visibility(
            QueueUrl=url_of_arn(source_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=delay
        )
        logger.warning(
            "erp write-back delayed", extra={"message_id": message_id, "retry_in": delay}
        )
        raise
    record_outcome_metric(outcome)
    return outcome
