"""Receivables and customers arriving from the ERP, by webhook or by pull: one upsert path.

Each item is compared with what is stored (one BatchGetItem per hundred keys) and lands only
when it is new or newer: an older version never overwrites a newer one, an unchanged item costs
no write, and every write carries its audit entry in the same transaction. New and changed open
receivables are then queued for the charge issuer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import CustomerRecord, ReceivableRecord, customer_digest
from cobranca.adapters.storage.table import Put, Table, table
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.money import ZERO
from cobranca.domain.receivables import (
    ReceivableStatus,
    StatusEvent,
    apply_payment,
    apply_status_event,
    open_receivable,
    retotal,
)
from cobranca.model.customers import Customer
from cobranca.model.receivables import Cancellation, Payment, Receivable, receivable_id_for
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger
from cobranca.services.outbox import request_charges

Outcome = Literal["accepted", "unchanged", "stale", "rejected", "duplicate"]
MAX_ROUNDS = 3


@dataclass
class ItemResult:
    """What happened to one incoming item."""

    kind: str
    key: str
    outcome: Outcome
    reason: str | None = None
    source_event_id: str | None = None


@dataclass
class IngestReport:
    """Per-item results and the counts operators and benchmarks read."""

    results: list[ItemResult] = field(default_factory=list)
    charges_queued: int = 0
    transactions: int = 0

    def count(self, outcome: Outcome, kind: str | None = None) -> int:
        return sum(
            1
            for result in self.results
            if result.outcome == outcome and (kind is None or result.kind == kind)
        )

    def extend(self, other: IngestReport) -> None:
        self.results.extend(other.results)
        self.charges_queued += other.charges_queued
        self.transactions += other.transactions


@dataclass
class Incoming:
    """One batch of ERP facts for a tenant, each optionally tied to the event that carried it."""

    customers: list[tuple[Customer, str | None]] = field(default_factory=list)
    receivables: list[tuple[Receivable, str | None]] = field(default_factory=list)
    cancellations: list[tuple[Cancellation, str | None]] = field(default_factory=list)
    payments: list[tuple[str, Payment, str | None]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.customers or self.receivables or self.cancellations or self.payments)


def _newer(incoming: datetime | None, stored: datetime | None) -> bool | None:
    """True newer, False older, None when the versions cannot be told apart."""
    if incoming is None or stored is None or incoming == stored:
        return None
    return incoming > stored


def _stored_time(item: dict[str, Any]) -> datetime | None:
    value = item.get("erp_updated_at")
    return None if value in (None, "") else datetime.fromisoformat(str(value))


def _summary(record: ReceivableRecord) -> dict[str, Any]:
    receivable = record.receivable
    return {
        "status": record.status.value,
        "balance": record.balance,
        "amount": receivable.amount,
        "due_date": receivable.due_date,
        "erp_updated_at": receivable.erp_updated_at,
    }


@dataclass
class _Round:
    """The state of one pass over a batch: what was read, what will be written."""

    unit: UnitOfWork
    stored: dict[tuple[str, str], dict[str, Any]]
    now: datetime
    report: IngestReport


class Ingestor:
    """Upserts one tenant's batch; construct per batch."""

    def __init__(self, tenant: Tenant, *, actor: str, store: Table | None = None) -> None:
        self.tenant = tenant
        self.actor = actor
        self.store = store or table()

    # ------------------------------------------------------------------ entry point

    def ingest(self, incoming: Incoming, *, queue_charges: bool = True) -> IngestReport:
        """Upsert everything in ``incoming``; concurrent writers are retried a few times."""
        report = IngestReport()
        pending = incoming
        for _ in range(MAX_ROUNDS):
            round_report, retry = self._round(pending)
            report.extend(round_report)
            if retry.is_empty():
                break
            pending = retry
        else:
            for receivable, event_id in pending.receivables:
                report.results.append(
                    ItemResult(
                        "receivable",
                        receivable.receivable_id,
                        "rejected",
                        "kept changing concurrently; retry",
                        event_id,
                    )
                )
        if queue_charges:
            report.charges_queued = self._queue_charges(report)
        return report

    # ------------------------------------------------------------------ one round

    def _round(self, incoming: Incoming) -> tuple[IngestReport, Incoming]:
        report = IngestReport()
        tenant_id = self.tenant.tenant_id
        now = clock.now()
        unit = UnitOfWork(tenant_id, self.store)

        cancellation_ids = self._cancellation_targets(incoming.cancellations)
        wanted = [
            {"pk": keys.customer(tenant_id, customer.customer_id), "sk": keys.PROFILE}
            for customer, _ in incoming.customers
        ] + [
            {"pk": keys.receivable(tenant_id, rid), "sk": keys.RECEIVABLE}
            for rid in [r.receivable_id for r, _ in incoming.receivables]
            + [rid for ids in cancellation_ids.values() for rid in ids]
            + [rid for rid, _, _ in incoming.payments]
        ]
        stored = self.store.batch_get(wanted) if wanted else {}
        batch = _Round(unit, stored, now, report)

        for customer, event_id in incoming.customers:
            self._customer(batch, customer, event_id)

        # The last version in the batch wins when the same receivable appears twice.
        latest: dict[str, tuple[Receivable, str | None]] = {}
        for receivable, event_id in incoming.receivables:
            previous = latest.get(receivable.receivable_id)
            if (
                previous is None
                or _newer(receivable.erp_updated_at, previous[0].erp_updated_at) is not False
            ):
                if previous is not None:
                    report.results.append(
                        ItemResult(
                            "receivable",
                            receivable.receivable_id,
                            "stale",
                            "superseded in the same batch",
                            previous[1],
                        )
                    )
                latest[receivable.receivable_id] = (receivable, event_id)
            else:
                report.results.append(
                    ItemResult(
                        "receivable",
                        receivable.receivable_id,
                        "stale",
                        "an older version in the same batch",
                        event_id,
                    )
                )
        for receivable, event_id in latest.values():
            self._receivable(batch, receivable, event_id)

        for cancellation, event_id in incoming.cancellations:
            for rid in cancellation_ids[cancellation.erp_id, cancellation.installment]:
                self._cancel(batch, rid, cancellation, event_id)

        for rid, payment, event_id in incoming.payments:
            self._erp_payment(batch, rid, payment, event_id)

        result = unit.commit()
        report.transactions += result.transactions
        retry = Incoming()
        for tag in result.rejected_tags:
            kind, payload, event_id = _unpack(tag)
            report.results = [
                item
                for item in report.results
                if not (
                    item.kind == kind
                    and item.outcome == "accepted"
                    and item.source_event_id == event_id
                    and item.key == _key_of(kind, payload)
                )
            ]
            if kind == "customer":
                retry.customers.append((payload, event_id))
            elif kind == "receivable":
                retry.receivables.append((payload, event_id))
            elif kind == "cancellation":
                retry.cancellations.append((payload, event_id))
            elif kind == "payment":
                rid, payment = payload
                retry.payments.append((rid, payment, event_id))
        return report, retry

    def _cancellation_targets(
        self, cancellations: Sequence[tuple[Cancellation, str | None]]
    ) -> dict[tuple[str, int | None], list[str]]:
        """Receivable ids each cancellation reaches (every installment when none is named)."""
        targets: dict[tuple[str, int | None], list[str]] = {}
        unknown = [c for c, _ in cancellations if c.installment is None]
        firsts = (
            self.store.batch_get(
                [
                    {
                        "pk": keys.receivable(
                            self.tenant.tenant_id, receivable_id_for(c.erp_id, 1)
                        ),
                        "sk": keys.RECEIVABLE,
                    }
                    for c in unknown
                ]
            )
            if unknown
            else {}
        )
        for cancellation, _ in cancellations:
            if cancellation.installment is not None:
                ids = [receivable_id_for(cancellation.erp_id, cancellation.installment)]
            else:
                first = firsts.get(
                    (
                        keys.receivable(
                            self.tenant.tenant_id, receivable_id_for(cancellation.erp_id, 1)
                        ),
                        keys.RECEIVABLE,
                    )
                )
                count = int(first["erp"]["installments"]) if first else 1
                ids = [receivable_id_for(cancellation.erp_id, n) for n in range(1, count + 1)]
            targets[cancellation.erp_id, cancellation.installment] = ids
        return targets

    # ------------------------------------------------------------------ customers

    def _customer(
        self,
        batch: _Round,
        customer: Customer,
        event_id: str | None,
    ) -> None:
        unit, stored, now, report = batch.unit, batch.stored, batch.now, batch.report
        key = (keys.customer(self.tenant.tenant_id, customer.customer_id), keys.PROFILE)
        current = stored.get(key)
        if current is not None:
            if _newer(customer.erp_updated_at, _stored_time(current)) is False:
                report.results.append(
                    ItemResult(
                        "customer",
                        customer.customer_id,
                        "stale",
                        "an older version than the one stored",
                        event_id,
                    )
                )
                return
            if current.get("digest") == customer_digest(customer):
                report.results.append(
                    ItemResult("customer", customer.customer_id, "unchanged", None, event_id)
                )
                return
        version = int(current["version"]) if current else 0
        record = CustomerRecord(self.tenant.tenant_id, customer, version)
        condition = "attribute_not_exists(pk)" if current is None else "version = :v"
        values = {} if current is None else {":v": version}
        change = Change(
            entity=f"customer:{customer.customer_id}",
            action="customer.created" if current is None else "customer.updated",
            actor=self.actor,
            at=now,
            before=None if current is None else {"digest": current.get("digest")},
            after={"digest": customer_digest(customer)},
            source_event_id=event_id,
        )
        unit.add(
            [Put(record.to_item(now), condition=condition, values=values)],
            [change],
            tag=("customer", customer, event_id),
        )
        report.results.append(
            ItemResult("customer", customer.customer_id, "accepted", None, event_id)
        )

    # ------------------------------------------------------------------ receivables

    def _receivable(
        self,
        batch: _Round,
        receivable: Receivable,
        event_id: str | None,
    ) -> None:
        unit, stored, now, report = batch.unit, batch.stored, batch.now, batch.report
        rid = receivable.receivable_id
        current = stored.get((keys.receivable(self.tenant.tenant_id, rid), keys.RECEIVABLE))
        if current is None:
            record = self._new_record(receivable)
            unit.add(
                [Put(record.to_item(now), condition="attribute_not_exists(pk)")],
                [
                    Change(
                        f"receivable:{rid}",
                        "receivable.created",
                        self.actor,
                        now,
                        None,
                        _summary(record),
                        event_id,
                    )
                ],
                receivable_id=rid,
                tag=("receivable", receivable, event_id),
            )
            report.results.append(ItemResult("receivable", rid, "accepted", "created", event_id))
            return

        before = ReceivableRecord.from_item(current)
        if _newer(receivable.erp_updated_at, before.receivable.erp_updated_at) is False:
            report.results.append(
                ItemResult(
                    "receivable", rid, "stale", "an older version than the one stored", event_id
                )
            )
            return
        if current.get("digest") == receivable.digest():
            report.results.append(ItemResult("receivable", rid, "unchanged", None, event_id))
            return

        after = self._updated_record(before, receivable)
        changed = (
            before.receivable.due_date != receivable.due_date
            or before.receivable.amount != receivable.amount
        )
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": before.version})],
            [
                Change(
                    f"receivable:{rid}",
                    "receivable.updated",
                    self.actor,
                    now,
                    _summary(before),
                    _summary(after),
                    event_id,
                )
            ],
            receivable_id=rid,
            tag=("receivable", receivable, event_id),
        )
        reason = "terms changed" if changed else "updated"
        report.results.append(ItemResult("receivable", rid, "accepted", reason, event_id))

    def _new_record(self, receivable: Receivable) -> ReceivableRecord:
        ledger = open_receivable(receivable.amount)
        record = ReceivableRecord(
            self.tenant.tenant_id, receivable, ledger, erp_balance=receivable.balance
        )
        return self._follow_erp(record, receivable)

    def _updated_record(self, before: ReceivableRecord, receivable: Receivable) -> ReceivableRecord:
        ledger = before.ledger
        if receivable.amount != before.receivable.amount:
            ledger = retotal(ledger, receivable.amount + _hub_fees(before))
        record = before.evolve(receivable=receivable, ledger=ledger, erp_balance=receivable.balance)
        return self._follow_erp(record, receivable)

    def _follow_erp(self, record: ReceivableRecord, receivable: Receivable) -> ReceivableRecord:
        """Apply what only the ERP can know: its own payments and its decisions.

        When the ERP reports a smaller balance than the hub's, the ERP recorded money the hub
        has not seen (cash at the counter, a transfer): the difference is recorded as an ERP
        payment. A larger ERP balance means the hub's write-back has not landed yet, so it is
        left alone (the reconciliation report shows it).
        """
        ledger = record.ledger
        if receivable.status is ReceivableStatus.CANCELLED:
            outcome = apply_status_event(ledger, StatusEvent.CANCELLED)
            return record.evolve(ledger=outcome.state)
        erp_open = receivable.open_balance
        if ledger.status in {ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID}:
            # Fees the régua added exist only in the hub; they are not money the ERP saw.
            gap = ledger.balance - _hub_fees(record) - erp_open
            if gap > ZERO:
                ledger = apply_payment(ledger, gap)
        return record.evolve(ledger=ledger)

    def _cancel(
        self,
        batch: _Round,
        rid: str,
        cancellation: Cancellation,
        event_id: str | None,
    ) -> None:
        unit, stored, now, report = batch.unit, batch.stored, batch.now, batch.report
        current = stored.get((keys.receivable(self.tenant.tenant_id, rid), keys.RECEIVABLE))
        if current is None:
            report.results.append(
                ItemResult("cancellation", rid, "rejected", "unknown receivable", event_id)
            )
            return
        before = ReceivableRecord.from_item(current)
        outcome = apply_status_event(before.ledger, StatusEvent.CANCELLED)
        if not outcome.applied:
            report.results.append(
                ItemResult("cancellation", rid, "unchanged", outcome.reason, event_id)
            )
            return
        after = before.evolve(
            ledger=outcome.state, flags={**before.flags, "cancel_reason": cancellation.reason}
        )
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": before.version})],
            [
                Change(
                    f"receivable:{rid}",
                    "receivable.cancelled",
                    self.actor,
                    now,
                    _summary(before),
                    _summary(after),
                    event_id,
                )
            ],
            receivable_id=rid,
            tag=("cancellation", cancellation, event_id),
        )
        report.results.append(ItemResult("cancellation", rid, "accepted", None, event_id))

    def _erp_payment(
        self,
        batch: _Round,
        rid: str,
        payment: Payment,
        event_id: str | None,
    ) -> None:
        unit, stored, now, report = batch.unit, batch.stored, batch.now, batch.report
        pk = keys.receivable(self.tenant.tenant_id, rid)
        current = stored.get((pk, keys.RECEIVABLE))
        if current is None:
            report.results.append(
                ItemResult(
                    "payment", payment.payment_id, "rejected", f"unknown receivable {rid}", event_id
                )
            )
            return
        before = ReceivableRecord.from_item(current)
        ledger = apply_payment(before.ledger, payment.amount)
        after = before.evolve(ledger=ledger)
        payment_item = {
            "pk": pk,
            "sk": f"PAYMENT#erp#{payment.payment_id}",
            "type": "payment",
            "source": "erp",
            "payment": payment.model_dump(mode="json"),
            "received_at": now,
            "write_back": False,
        }
        unit.add(
            [
                Put(payment_item, condition="attribute_not_exists(pk)"),
                Put(after.to_item(now), condition="version = :v", values={":v": before.version}),
            ],
            [
                Change(
                    f"receivable:{rid}",
                    "payment.recorded_in_erp",
                    self.actor,
                    now,
                    _summary(before),
                    _summary(after) | {"payment": payment.amount},
                    event_id,
                )
            ],
            receivable_id=rid,
            tag=("payment", (rid, payment), event_id),
        )
        report.results.append(ItemResult("payment", payment.payment_id, "accepted", None, event_id))

    # ------------------------------------------------------------------ charges

    def _queue_charges(self, report: IngestReport) -> int:
        """Ask the charge issuer for a charge of each new or re-termed open receivable."""
        created = [
            result.key
            for result in report.results
            if result.kind == "receivable"
            and result.outcome == "accepted"
            and result.reason == "created"
        ]
        retermed = [
            result.key
            for result in report.results
            if result.kind == "receivable"
            and result.outcome == "accepted"
            and result.reason == "terms changed"
        ]
        if not self.tenant.enabled:
            return 0
        queued = request_charges(self.tenant.tenant_id, created, "issue", "new receivable")
        queued += request_charges(self.tenant.tenant_id, retermed, "reissue", "terms changed")
        if queued:
            logger.info(
                "charges requested", extra={"tenant": self.tenant.tenant_id, "count": queued}
            )
        return queued


def _hub_fees(record: ReceivableRecord) -> Decimal:
    """Fees the hub itself added to the amount owed (régua actions), unknown to the ERP."""
    fees = record.flags.get("reminder_fees") or []
    return sum((Decimal(str(fee["amount"])) for fee in fees), ZERO)


def _unpack(tag: object) -> tuple[str, Any, str | None]:
    parts: tuple[Any, ...] = tag  # type: ignore[assignment]
    return str(parts[0]), parts[1], parts[2]


def _key_of(kind: str, payload: Any) -> str:
    if kind == "customer":
        return str(payload.customer_id)
    if kind == "receivable":
        return str(payload.receivable_id)
    if kind == "payment":
        return str(payload[1].payment_id)
    return ""


def balance_of(records: Iterable[ReceivableRecord]) -> Decimal:
    """Sum of open balances (used by reports and the sync summary)."""
    return sum((record.balance for record in records), ZERO)
