"""ERP webhooks: verify, archive, map, and upsert each event exactly once.

``POST /v1/erp/{tenant}/events`` carries ``{"events": [...]}`` (1 to 100 events), each
``{"event_id", "type", "occurred_at", "data"}`` with ``data`` in the ERP's own shape, mapped by
the tenant's mapping. Signature: :mod:`cobranca.adapters.erp.signatures`.

Order of work, and the answer at each step:

1. unknown tenant: 404 (checked first: verifying needs the tenant's secrets);
2. missing, malformed or wrong signature, or a timestamp more than 300 s off: 401, always with
   the same words, so a caller learns nothing about which part failed;
3. the raw body is archived to S3 before anything reads it (the signature check only hashed it);
4. a body that is not JSON: 400; not a batch of 1 to 100 events: 422 for the whole request;
5. each event on its own: a schema or mapping error rejects that event only (422 in its result,
   field by field); the others go on.

Each valid event is upserted under Powertools Idempotency keyed by its ``event_id`` (records in
the single table under ``TENANT#<t>#IDEMPOTENCY``, expiring after 14 days): a redelivered event
is answered ``duplicate`` and changes nothing; an ``event_id`` reused for different content is
rejected. Ordering is the ingest path's job: an older version of a receivable never overwrites a
newer one, whatever the delivery order. Within one batch, customers and receivables are handled
before cancellations and payments, so a batch carrying a receivable and its payment works in
any order. The batch answers 200 unless every event was rejected (then 422), with one result
per event in the order sent: ``accepted``, ``duplicate`` or ``rejected`` with its reason.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from cobranca.adapters.archive import archive_raw
from cobranca.adapters.erp.mapping import Mapped, MappingSpec, map_event, plain
from cobranca.adapters.erp.signatures import SignatureInvalid, verify
from cobranca.adapters.secrets import SecretMissing, tenant_secrets
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Table, table
from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant
from cobranca.model.events import ErpEvent, ErpEventType
from cobranca.model.tenants import Tenant
from cobranca.platform import aws, clock
from cobranca.platform.api import Problem
from cobranca.platform.observability import logger, metrics
from cobranca.services.erp_metrics import count
from cobranca.services.ingest import Incoming, Ingestor, IngestReport
from cobranca.services.mappings import mapping_for

MAX_EVENTS = 100
IDEMPOTENCY_SECONDS = 14 * 24 * 3600
UNVERIFIED = "request signature could not be verified"
PRIORITY = {
    ErpEventType.CUSTOMER_UPSERTED: 0,
    ErpEventType.RECEIVABLE_UPSERTED: 1,
    ErpEventType.RECEIVABLE_CANCELLED: 2,
    ErpEventType.PAYMENT_RECORDED: 3,
}


class EventRejected(Exception):
    """An event that was valid but could not be applied (a payment for an unknown receivable)."""

    def __init__(self, reason: str, status: int = 409) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class EventResult:
    """The answer for one event of the batch."""

    event_id: str | None
    outcome: str
    status: int
    reason: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "event_id": self.event_id,
            "outcome": self.outcome,
            "status": self.status,
        }
        if self.reason:
            result["reason"] = self.reason
        if self.errors:
            result["errors"] = self.errors
        if self.effects:
            result["effects"] = self.effects
        return result


# ---------------------------------------------------------------------- request checks


def _tenant(tenant_id: str, store: Table) -> Tenant:
    try:
        return load_tenant(tenant_id, store=store)
    except (TenantNotFound, ValidationError):
        raise Problem(404, f"no tenant {tenant_id!r}") from None


def _verify(tenant: Tenant, raw: bytes, header: str | None) -> int:
    try:
        secrets = tenant_secrets(tenant.tenant_id).get("webhook_secrets") or []
    except SecretMissing:
        secrets = []
    try:
        return verify(header, raw, [str(secret) for secret in secrets], now=clock.now())
    except SignatureInvalid as failure:
        logger.warning(
            "erp webhook signature rejected",
            extra={"tenant": tenant.tenant_id, "reason": failure.reason},
        )
        metrics.add_metric(name="ErpWebhookUnauthorized", unit="Count", value=1)
        raise Problem(401, UNVERIFIED, title="Unauthorized") from None


def _batch(raw: bytes) -> list[Any]:
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Problem(400, f"body is not valid JSON: {error}") from None
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise Problem(
            422,
            f"body must be an object with 'events': a list of 1 to {MAX_EVENTS} events",
            errors=[{"field": "events", "message": "expected a list of 1 to 100 events"}],
        )
    return events


# ---------------------------------------------------------------------- one event


def _parse_event(raw: Any) -> ErpEvent | EventResult:
    event_id = str(raw.get("event_id")) if isinstance(raw, dict) and raw.get("event_id") else None
    try:
        return ErpEvent.model_validate(raw)
    except ValidationError as error:
        errors = [
            {
                "field": ".".join(str(part) for part in detail.get("loc", ())) or "event",
                "message": str(detail.get("msg", "invalid")).removeprefix("Value error, "),
            }
            for detail in error.errors()
        ]
        return EventResult(
            event_id, "rejected", 422, "the event does not follow the schema", errors
        )


def _incoming(mapped: Mapped, event_id: str) -> Incoming:
    return Incoming(
        customers=[(customer, event_id) for customer in mapped.customers],
        receivables=[(receivable, event_id) for receivable in mapped.receivables],
        cancellations=[(cancellation, event_id) for cancellation in mapped.cancellations],
        payments=[(rid, payment, event_id) for rid, payment in mapped.payments],
    )


def _effects(report: IngestReport) -> list[dict[str, Any]]:
    return [
        {"kind": item.kind, "key": item.key, "outcome": item.outcome}
        | ({"reason": item.reason} if item.reason else {})
        for item in report.results
    ]


def _digest(raw: Any) -> str:
    encoded = json.dumps(plain(raw), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


class _Processor:
    """Applies the events of one request under Powertools Idempotency."""

    def __init__(self, tenant: Tenant, store: Table, lambda_context: Any = None) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self.tenant = tenant
        self.store = store
        persistence = DynamoDBPersistenceLayer(
            table_name=store.name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=f"{keys.tenant(tenant.tenant_id)}#IDEMPOTENCY",
            expiry_attr="expires_at",
            boto3_client=aws.client("dynamodb"),
        )
        config = IdempotencyConfig(
            event_key_jmespath="event_id",
            payload_validation_jmespath="digest",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            response_hook=lambda response, _record: {**response, "duplicate": True},
        )
        if lambda_context is not None:
            # An event whose invocation died mid-way is retried once the invocation's time is
            # up, instead of staying "in progress" until the record expires.
            config.register_lambda_context(lambda_context)
        self._pending: dict[str, Incoming] = {}
        self.apply = idempotent_function(
            self._apply,
            data_keyword_argument="event",
            persistence_store=persistence,
            config=config,
            key_prefix="erp-event",
        )

    def _apply(self, event: dict[str, Any]) -> dict[str, Any]:
        incoming = self._pending.pop(event["event_id"])
        report = Ingestor(
            self.tenant, actor=f"erp-webhook:{event['event_id']}", store=self.store
        ).ingest(incoming)
        rejected = [item for item in report.results if item.outcome == "rejected"]
        if rejected:
            # Raising deletes the idempotency record: the ERP may retry once the cause is gone.
            raise EventRejected(
                "; ".join(f"{item.kind} {item.key}: {item.reason}" for item in rejected)
            )
        return {"outcome": "accepted", "effects": _effects(report)}

    def run(self, event: ErpEvent, raw: Any, mapped: Mapped) -> EventResult:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        self._pending[event.event_id] = _incoming(mapped, event.event_id)
        try:
            answer = self.apply(
                event={"event_id": event.event_id, "type": event.type.value, "digest": _digest(raw)}
            )
        except EventRejected as rejected:
            return EventResult(event.event_id, "rejected", rejected.status, rejected.reason)
        except IdempotencyAlreadyInProgressError:
            return EventResult(
                event.event_id, "rejected", 409, "another delivery of this event is in progress"
            )
        except IdempotencyValidationError:
            return EventResult(
                event.event_id, "rejected", 409, "event_id was already used for different content"
            )
        finally:
            self._pending.pop(event.event_id, None)
        if answer.get("duplicate"):
            return EventResult(event.event_id, "duplicate", 200, "already processed")
        return EventResult(event.event_id, "accepted", 200, effects=list(answer.get("effects", [])))


# ---------------------------------------------------------------------- the request


def receive(
    tenant_id: str,
    raw: bytes,
    signature: str | None,
    *,
    store: Table | None = None,
    lambda_context: Any = None,
) -> tuple[int, dict[str, Any]]:
    """Handle one webhook request; returns the HTTP status and body (or raises Problem)."""
    store = store or table()
    tenant = _tenant(tenant_id, store)
    signed_at = _verify(tenant, raw, signature)
    archived = archive_raw(
        tenant.tenant_id,
        "erp-webhook",
        raw,
        metadata={"signed-at": str(signed_at)},
    )
    events = _batch(raw)
    mapping: MappingSpec = mapping_for(tenant, store=store).spec

    results: list[EventResult | None] = [None] * len(events)
    valid: list[tuple[int, ErpEvent, Any, Mapped]] = []
    for position, raw_event in enumerate(events):
        parsed = _parse_event(raw_event)
        if isinstance(parsed, EventResult):
            results[position] = parsed
            continue
        mapped = map_event(mapping, parsed.type, plain(parsed.data))
        if not mapped.ok:
            results[position] = EventResult(
                parsed.event_id,
                "rejected",
                422,
                "the event's data does not map to the canonical model",
                [error.as_dict() for error in mapped.errors],
            )
            continue
        valid.append((position, parsed, raw_event, mapped))

    processor = _Processor(tenant, store, lambda_context)
    for position, parsed, raw_event, mapped in sorted(
        valid, key=lambda entry: (PRIORITY[entry[1].type], entry[0])
    ):
        results[position] = processor.run(parsed, raw_event, mapped)

    answered = [result for result in results if result is not None]
    counts = Counter(result.outcome for result in answered)
    metrics.add_metric(name="ErpWebhookBatches", unit="Count", value=1)
    _record_metrics(counts)
    logger.info(
        "erp webhook batch",
        extra={
            "tenant": tenant.tenant_id,
            "events": len(answered),
            "accepted": counts["accepted"],
            "duplicate": counts["duplicate"],
            "rejected": counts["rejected"],
            "archived": archived,
        },
    )
    status = 422 if counts["rejected"] == len(answered) else 200
    body = {
        "tenant": tenant.tenant_id,
        "archived": archived,
        "counts": {key: counts[key] for key in ("accepted", "duplicate", "rejected")},
        "results": [result.as_dict() for result in answered],
    }
    return status, body


def _record_metrics(counts: Counter[str]) -> None:
    for outcome in ("accepted", "duplicate", "rejected"):
        if counts[outcome]:
            count("ErpWebhookEvents", counts[outcome], "outcome", outcome)
