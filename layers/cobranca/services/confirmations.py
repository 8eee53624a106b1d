"""Payment confirmations: provider events applied to receivables exactly once.

Every normalised :class:`~cobranca.adapters.gateways.ProviderEvent` (a gateway callback, an
API Pix webhook, a CNAB retorno record) goes through :meth:`Confirmations.apply`:

1. the receivable is found from the hub's reference the provider echoed, or through the
   charge lookup item (``CHARGEREF#provider#id``) for providers that echo only their own id;
2. one BatchGetItem reads the receivable, the audit chain head, the tenant profile, the
   event's dedupe item and the payment's item;
3. one transaction (a unit-of-work step) writes the event item (``EVENT#provider#id``, under
   ``attribute_not_exists``), the payment item (``PAYMENT#provider#ref``), the receivable with
   its new ledger and ``charge`` map (under its version) and the audit entry;
4. a payment queues its ERP write-back (kind ``payment``, ref = the hub's payment id).

That is at most four DynamoDB requests per confirmed payment (lookup, read, transaction),
which is why the callback path deduplicates inside its own transaction instead of using a
separate idempotency store.

Policies
--------
- *Duplicates.* The same event id changes nothing and is acknowledged. Two events about one
  payment (Asaas ``PAYMENT_CONFIRMED`` then ``PAYMENT_RECEIVED``) share the payment item, so
  the money is recorded once; the second event is stored and applies nothing.
- *Reordering.* A payment found through the hub's reference applies even if the charge's own
  "created" event, or the issuer's write, has not happened yet. Status events (waiting,
  overdue) are stored and never change the ledger, so a late "overdue" cannot reopen a paid
  receivable. Refunds are reported as the cumulative amount given back for a payment, so a
  late or repeated refund event applies only the difference.
- *Charges in a payment.* Provider figures win (CNAB juros/multa paid). Otherwise what a
  late payment brings beyond the balance is multa and juros (income, not principal) up to the
  amount quoted for its date, and anything beyond that is customer credit; a payment up to the
  balance settles principal only, because the charge the payer paid asked for no more (Stripe
  charges, for one, never add multa or juros).
- *Bank fees* never stay open: a CNAB liquidação settles by the amount paid (TRAPS 4).
- *Parking.* An event that cannot be applied — an unknown charge, a parser's inconsistency
  (amounts that disagree), a refund larger than what was received — is stored under
  ``PARKED`` with its reason and the archived body's key, for an operator; its delivery is
  acknowledged so the provider does not retry it forever.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from cobranca.adapters.gateways import EventKind, ProviderEvent, parse_reference
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import ConditionFailed, Put, Table, Update, table
from cobranca.adapters.storage.unit_of_work import HEAD, ChainHead, UnitOfWork
from cobranca.domain.audit import GENESIS, Change
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.late_charges import Juros, LateChargeRules, Multa, quote
from cobranca.domain.money import ZERO, money
from cobranca.domain.receivables import (
    CLOSED_BY_DECISION,
    PAID,
    ReceivableBalance,
    ReceivableError,
    apply_bank_settlement,
    apply_chargeback,
    apply_payment,
    apply_refund,
    apply_status_event,
)
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger, metrics

Outcome = Literal["applied", "recorded", "duplicate", "parked"]
# Spelled out (not built from the outcome) so the dashboard test can find each name in the code.
OUTCOME_METRICS: dict[str, str] = {
    "applied": "ConfirmationApplied",
    "recorded": "ConfirmationRecorded",
    "duplicate": "ConfirmationDuplicate",
    "parked": "ConfirmationParked",
}
MAX_ROUNDS = 5
REF_SK = "REF"


@dataclass
class Confirmation:
    """What happened to one event."""

    event_id: str
    outcome: Outcome
    reason: str | None = None
    receivable_id: str | None = None
    payment_id: str | None = None
    status: str | None = None
    balance: Decimal | None = None


@dataclass
class _Target:
    receivable_id: str
    generation: int | None


@dataclass
class _Plan:
    """What one event does to its receivable, decided from what was read."""

    ledger: ReceivableBalance
    change: str
    payment_write: Put | Update | None = None
    payment_id: str | None = None
    writeback: tuple[str, str, dict[str, Any]] | None = None
    charge_updates: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    reissue: bool = False


class Unapplicable(Exception):
    """The event cannot be applied; the reason goes to the operator."""


# ---------------------------------------------------------------------- parking


def park(
    tenant_id: str,
    *,
    kind: str,
    ref: str,
    reason: str,
    detail: dict[str, Any] | None = None,
    raw_key: str | None = None,
    store: Table | None = None,
) -> dict[str, Any]:
    """Keep something the hub could not apply, with a clear reason, for an operator."""
    item = parked_item(tenant_id, kind=kind, ref=ref, reason=reason, detail=detail, raw_key=raw_key)
    (store or table()).put(Put(item))
    metrics.add_metric(name="ItemsParked", unit="Count", value=1)
    logger.warning(
        "parked for an operator",
        extra={"tenant": tenant_id, "kind": kind, "ref": ref, "reason": reason},
    )
    return item


def parked_item(
    tenant_id: str,
    *,
    kind: str,
    ref: str,
    reason: str,
    detail: dict[str, Any] | None = None,
    raw_key: str | None = None,
) -> dict[str, Any]:
    now = clock.now()
    return {
        "pk": keys.parked(tenant_id),
        "sk": f"{now.isoformat()}#{kind}#{ref}",
        "type": "parked",
        "kind": kind,
        "ref": ref,
        "reason": reason,
        "detail": detail or {},
        "raw_key": raw_key,
        "parked_at": now,
    }


def list_parked(
    tenant_id: str, store: Table | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The most recent parked items, newest first."""
    return list(
        (store or table()).query(
            "pk = :pk", {":pk": keys.parked(tenant_id)}, forward=False, limit=limit
        )
    )


# ---------------------------------------------------------------------- confirmations


class Confirmations:
    """Applies one tenant's provider events."""

    def __init__(self, tenant_id: str, *, actor: str, store: Table | None = None) -> None:
        self.tenant_id = tenant_id
        self.actor = actor
        self.store = store or table()

    def apply(
        self, events: Iterable[ProviderEvent], *, raw_key: str | None = None
    ) -> list[Confirmation]:
        """Apply each event; returns one :class:`Confirmation` per event, in order."""
        results = []
        for event in events:
            result = self._apply_one(event, raw_key)
            metrics.add_metric(name=OUTCOME_METRICS[result.outcome], unit="Count", value=1)
            logger.info(
                "provider event",
                extra={
                    "tenant": self.tenant_id,
                    "provider": event.provider,
                    "event_id": event.event_id,
                    "event_type": event.event_type,
                    "receivable": result.receivable_id,
                    "outcome": result.outcome,
                    "reason": result.reason,
                },
            )
            results.append(result)
        return results

    # ------------------------------------------------------------------ one event

    def _apply_one(self, event: ProviderEvent, raw_key: str | None) -> Confirmation:
        target, why = self._target(event)
        if target is None and event.kind is EventKind.STATUS and not event.problem:
            # News about something the hub never charged (a customer, another product's
            # payment) is acknowledged, not parked: there is nothing for an operator to do.
            return Confirmation(event.event_id, "recorded", f"not about a hub charge: {why}")
        if target is None:
            return self._park(event, raw_key, why or "unknown charge", None)
        if event.problem:
            return self._park(event, raw_key, event.problem, target.receivable_id)

        for _ in range(MAX_ROUNDS):
            read = self._read(event, target.receivable_id)
            record_item = read.get("receivable")
            if record_item is None:
                return self._park(
                    event,
                    raw_key,
                    f"receivable {target.receivable_id} is not known",
                    target.receivable_id,
                )
            if read.get("event") is not None:
                self._resend_writeback(event, read.get("payment"), target.receivable_id)
                return Confirmation(
                    event.event_id, "duplicate", "event already applied", target.receivable_id
                )

            record = ReceivableRecord.from_item(record_item)
            profile = read.get("tenant")
            tenant = Tenant.model_validate(profile["profile"]) if profile else None
            try:
                plan = self._plan(event, record, read.get("payment"), target, tenant)
            except (Unapplicable, ReceivableError) as error:
                return self._park(event, raw_key, str(error), target.receivable_id)

            committed = self._commit(
                event,
                record=record,
                plan=plan,
                target=target,
                head=read.get("head"),
                raw_key=raw_key,
            )
            if committed:
                return self._after(event, record, plan, target)
        raise RuntimeError(f"receivable {target.receivable_id} kept changing; retry the delivery")

    def _target(self, event: ProviderEvent) -> tuple[_Target | None, str | None]:
        parsed = parse_reference(event.reference)
        if parsed is not None:
            tenant_id, receivable_id, generation = parsed
            if tenant_id != self.tenant_id:
                return None, f"reference {event.reference} names another tenant"
            return _Target(receivable_id, generation), None
        if not event.charge_ref:
            return None, "the event names no charge"
        item = self.store.get(
            keys.charge_ref(self.tenant_id, event.provider, event.charge_ref), REF_SK
        )
        if item is None:
            return None, f"unknown charge {event.provider} {event.charge_ref}"
        return _Target(str(item["receivable_id"]), int(item.get("generation") or 0) or None), None

    def _keys(self, event: ProviderEvent, receivable_id: str) -> dict[str, dict[str, str]]:
        pk = keys.receivable(self.tenant_id, receivable_id)
        wanted = {
            "receivable": {"pk": pk, "sk": keys.RECEIVABLE},
            "head": {"pk": keys.audit(self.tenant_id), "sk": HEAD},
            "tenant": {"pk": keys.tenant(self.tenant_id), "sk": keys.PROFILE},
            "event": {"pk": pk, "sk": event_sk(event)},
        }
        if event.payment_ref:
            wanted["payment"] = {"pk": pk, "sk": payment_sk(event)}
        return wanted

    def _read(self, event: ProviderEvent, receivable_id: str) -> dict[str, dict[str, Any] | None]:
        wanted = self._keys(event, receivable_id)
        found = self.store.batch_get(list(wanted.values()))
        return {name: found.get((key["pk"], key["sk"])) for name, key in wanted.items()}

    # ------------------------------------------------------------------ deciding

    def _plan(
        self,
        event: ProviderEvent,
        record: ReceivableRecord,
        payment: dict[str, Any] | None,
        target: _Target,
        tenant: Tenant | None,
    ) -> _Plan:
        ledger = record.ledger
        pk = keys.receivable(self.tenant_id, record.receivable_id)
        now = clock.now()

        if event.kind is EventKind.PAYMENT:
            if payment is not None:
                return _Plan(ledger, "payment.seen_again")
            amount = money(event.amount or ZERO)
            charges, discount = self._components(event, record, amount, tenant)
            if event.provider == "cnab":
                after = apply_bank_settlement(
                    ledger,
                    paid=amount,
                    fee=event.bank_fee,
                    credited=amount - event.bank_fee,
                    charges=charges,
                    discount=discount,
                )
            else:
                after = apply_payment(ledger, amount, charges=charges, discount=discount)
            payment_id = f"{event.provider}:{event.payment_ref}"
            paid_on = event.paid_on or clock.today()
            item = {
                "pk": pk,
                "sk": payment_sk(event),
                "type": "payment",
                "source": event.provider,
                "payment_id": payment_id,
                "amount": amount,
                "charges": charges,
                "discount": discount,
                "bank_fee": event.bank_fee,
                "credited": event.credited,
                "paid_on": paid_on,
                "credited_on": event.credited_on,
                "method": event.method,
                "generation": target.generation,
                "event_id": event.event_id,
                "refunded": ZERO,
                "received_at": now,
                "write_back": "queued",
            }
            notices = []
            if ledger.status in CLOSED_BY_DECISION:
                notices.append(
                    f"payment {payment_id} of {amount} reached a {ledger.status} receivable; "
                    "kept as customer credit"
                )
            refs = list((record.charge or {}).get("payment_refs") or [])
            updates: dict[str, Any] = {"payment_refs": [*refs, event.payment_ref]}
            if after.status is PAID:
                updates["status"] = "paid"
                updates["paid_at"] = now
            payload = {
                "payment_id": payment_id,
                "amount": f"{amount:.2f}",
                # What settles the ERP's receivable; the multa and juros are the hub's income.
                "principal": f"{amount - charges:.2f}",
                "charges": f"{charges:.2f}",
                "paid_on": paid_on.isoformat(),
                "method": event.method,
                "source": event.provider,
            }
            return _Plan(
                after,
                "payment.confirmed",
                Put(item, condition="attribute_not_exists(pk)"),
                payment_id,
                ("payment", payment_id, payload),
                updates,
                notices,
            )

        if event.kind is EventKind.REFUND:
            if payment is None:
                raise Unapplicable(
                    f"refund for payment {event.payment_ref}, which the hub has not recorded"
                )
            total = money(event.refunded_total or ZERO)
            already = money(payment.get("refunded") or ZERO)
            delta = total - already
            if delta <= 0:
                return _Plan(ledger, "refund.seen_again")
            after = apply_refund(ledger, delta)
            refund_write = Update(
                {"pk": pk, "sk": payment_sk(event)},
                "SET refunded = :total",
                condition="refunded = :already",
                values={":total": total, ":already": already},
            )
            return self._reversal(
                event,
                after=after,
                before=ledger,
                amount=delta,
                write=refund_write,
                change="refund.recorded",
            )

        if event.kind is EventKind.CHARGEBACK:
            if payment is not None:
                return _Plan(ledger, "chargeback.seen_again")
            amount = money(event.amount or ZERO)
            after = apply_chargeback(ledger, amount)
            item = {
                "pk": pk,
                "sk": payment_sk(event),
                "type": "chargeback",
                "source": event.provider,
                "amount": amount,
                "event_id": event.event_id,
                "received_at": now,
            }
            return self._reversal(
                event,
                after=after,
                before=ledger,
                amount=amount,
                write=Put(item, condition="attribute_not_exists(pk)"),
                change="chargeback.recorded",
            )

        if event.status_event is not None:
            outcome = apply_status_event(ledger, event.status_event)
            return _Plan(outcome.state, f"status.{event.status_event.value}")
        return _Plan(ledger, "status.informational")

    def _reversal(
        self,
        event: ProviderEvent,
        *,
        after: ReceivableBalance,
        before: ReceivableBalance,
        amount: Decimal,
        write: Put | Update,
        change: str,
    ) -> _Plan:
        ref = f"{event.provider}:{event.event_id}"
        payload = {
            "status": after.status.value,
            "balance": f"{after.balance:.2f}",
            "reason": change.split(".", maxsplit=1)[0],
            "amount": f"{amount:.2f}",
            "source": event.provider,
        }
        updates: dict[str, Any] = {}
        reissue = False
        if after.balance > 0 and before.balance == 0:
            updates["status"] = "refunded"
            reissue = True
        return _Plan(after, change, write, None, ("status", ref, payload), updates, [], reissue)

    def _components(
        self, event: ProviderEvent, record: ReceivableRecord, amount: Decimal, tenant: Tenant | None
    ) -> tuple[Decimal, Decimal]:
        """(multa and juros paid, discount granted) inside a payment; see the policies."""
        if event.fees_paid > 0 or event.discount > 0:
            return min(event.fees_paid, amount), event.discount
        charge = record.charge or {}
        paid_on = event.paid_on or clock.today()
        fine = Decimal(str(charge.get("fine_percent") or "0"))
        interest = Decimal(str(charge.get("interest_percent_per_month") or "0"))
        if (fine <= 0 and interest <= 0) or record.balance <= 0:
            return ZERO, ZERO
        rules = LateChargeRules(
            multa=Multa.percent(fine) if fine > 0 else None,
            juros=Juros.percent_per_month(interest) if interest > 0 else None,
        )
        holidays = frozenset(
            date.fromisoformat(day) for day in (tenant.municipal_holidays if tenant else [])
        )
        quoted = quote(
            record.balance,
            record.receivable.due_date,
            paid_on,
            rules,
            BusinessCalendar.with_extra_holidays(holidays),
            consumer=False,
            credited_on=event.credited_on if event.provider == "cnab" else None,
        )
        excess = max(ZERO, amount - record.balance)
        # A charge issued updated (an overdue receivable's boleto, with multa and juros up to
        # its new due date) was agreed at that amount: what it added is late charges too.
        agreed = ZERO
        if charge.get("principal") is not None and charge.get("status") in ("issued", "paid"):
            agreed = max(ZERO, money(charge["amount"]) - money(charge["principal"]))
        return min(max(quoted.fine + quoted.interest, agreed), excess), ZERO

    # ------------------------------------------------------------------ writing

    def _commit(
        self,
        event: ProviderEvent,
        *,
        record: ReceivableRecord,
        plan: _Plan,
        target: _Target,
        head: dict[str, Any] | None,
        raw_key: str | None,
    ) -> bool:
        now = clock.now()
        pk = keys.receivable(self.tenant_id, record.receivable_id)
        event_item = {
            "pk": pk,
            "sk": event_sk(event),
            "type": "provider_event",
            "provider": event.provider,
            "event_id": event.event_id,
            "event_type": event.event_type,
            "kind": event.kind.value,
            "amount": event.amount,
            "refunded_total": event.refunded_total,
            "payment_ref": event.payment_ref,
            "applied": plan.change,
            "raw_key": raw_key,
            "received_at": now,
        }
        event_put = Put(event_item, condition="attribute_not_exists(pk)")
        changed = plan.ledger != record.ledger or plan.payment_write is not None
        if not changed:
            # Nothing about the money moved: the event is stored (both events of a reordered
            # pair are kept) and the audit log is left to business changes.
            try:
                self.store.put(event_put)
            except ConditionFailed:
                # Stored by a concurrent delivery of the same event: equally done.
                return True
            return True

        charge = dict(record.charge or {})
        if (
            charge
            and plan.charge_updates
            and (target.generation is None or charge.get("generation") == target.generation)
        ):
            charge.update(plan.charge_updates)
        elif charge and "payment_refs" in plan.charge_updates:
            charge["payment_refs"] = plan.charge_updates["payment_refs"]
        after = record.evolve(ledger=plan.ledger, charge=charge or None)
        writes: list[Any] = [
            event_put,
            Put(after.to_item(now), condition="version = :v", values={":v": record.version}),
        ]
        if plan.payment_write is not None:
            writes.append(plan.payment_write)
        for notice in plan.notices:
            writes.append(
                Put(
                    parked_item(
                        self.tenant_id,
                        kind="notice",
                        ref=f"{event.provider}:{event.event_id}",
                        reason=notice,
                        detail={"receivable_id": record.receivable_id},
                        raw_key=raw_key,
                    )
                )
            )
        unit = UnitOfWork(self.tenant_id, self.store)
        # The head came with the batch read; seeding it saves the unit of work its own read.
        unit._head = (
            ChainHead(int(head["seq"]), str(head["hash"])) if head else ChainHead(0, GENESIS)
        )
        unit.add(
            writes,
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    plan.change,
                    self.actor,
                    now,
                    _summary(record.ledger),
                    _summary(plan.ledger) | _event_summary(event, plan),
                    f"{event.provider}:{event.event_id}",
                )
            ],
            receivable_id=record.receivable_id,
        )
        return not unit.commit().rejected

    def _after(
        self, event: ProviderEvent, record: ReceivableRecord, plan: _Plan, target: _Target
    ) -> Confirmation:
        from cobranca.services.outbox import request_charges, request_writebacks

        if plan.writeback is not None:
            kind, ref, payload = plan.writeback
            request_writebacks(self.tenant_id, [(record.receivable_id, kind, ref, payload)])  # type: ignore[list-item]
        if plan.reissue:
            request_charges(self.tenant_id, [record.receivable_id], "issue", "reopened by a refund")
        outcome: Outcome = (
            "applied" if plan.ledger != record.ledger or plan.payment_write else "recorded"
        )
        return Confirmation(
            event.event_id,
            outcome,
            None if outcome == "applied" else plan.change,
            target.receivable_id,
            plan.payment_id,
            plan.ledger.status.value,
            plan.ledger.balance,
        )

    def _resend_writeback(
        self, event: ProviderEvent, payment: dict[str, Any] | None, receivable_id: str
    ) -> None:
        """A redelivered payment re-queues its write-back: the commit may have outlived the send.

        The write-back's ref makes the resend harmless (FIFO deduplication, and the ERP
        connector records a ref once).
        """
        if (
            event.kind is not EventKind.PAYMENT
            or payment is None
            or payment.get("event_id") != event.event_id
        ):
            return
        from cobranca.services.outbox import request_writebacks

        paid_on = payment.get("paid_on")
        amount = money(payment["amount"])
        charges = money(payment.get("charges") or 0)
        payload = {
            "payment_id": str(payment["payment_id"]),
            "amount": f"{amount:.2f}",
            "principal": f"{amount - charges:.2f}",
            "charges": f"{charges:.2f}",
            "paid_on": str(paid_on),
            "method": str(payment.get("method") or "other"),
            "source": str(payment.get("source") or event.provider),
        }
        request_writebacks(
            self.tenant_id, [(receivable_id, "payment", payload["payment_id"], payload)]
        )

    def _park(
        self, event: ProviderEvent, raw_key: str | None, reason: str, receivable_id: str | None
    ) -> Confirmation:
        park(
            self.tenant_id,
            kind="event",
            ref=f"{event.provider}:{event.event_id}",
            reason=reason,
            detail={
                "provider": event.provider,
                "event_type": event.event_type,
                "charge_ref": event.charge_ref,
                "reference": event.reference,
                "amount": event.amount,
                "receivable_id": receivable_id,
            },
            raw_key=raw_key,
            store=self.store,
        )
        return Confirmation(event.event_id, "parked", reason, receivable_id)


def event_sk(event: ProviderEvent) -> str:
    return f"EVENT#{event.provider}#{_bounded(event.event_id)}"


def payment_sk(event: ProviderEvent) -> str:
    return f"PAYMENT#{event.provider}#{_bounded(event.payment_ref or event.event_id)}"


def _bounded(value: str) -> str:
    """Provider ids inside a sort key, bounded (DynamoDB allows 1 KB; ids are usually short)."""
    if len(value) <= 200:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _summary(ledger: ReceivableBalance) -> dict[str, Any]:
    return {
        "status": ledger.status.value,
        "balance": ledger.balance,
        "credit": ledger.customer_credit,
    }


def _event_summary(event: ProviderEvent, plan: _Plan) -> dict[str, Any]:
    summary: dict[str, Any] = {"provider": event.provider, "event_type": event.event_type}
    if event.amount is not None:
        summary["amount"] = event.amount
    if event.refunded_total is not None:
        summary["refunded_total"] = event.refunded_total
    if plan.payment_id:
        summary["payment_id"] = plan.payment_id
    return summary


def confirmation_body(results: list[Confirmation]) -> dict[str, Any]:
    """The callback's answer: one line per event (no personal data)."""
    return {
        "results": [
            {
                "event_id": result.event_id,
                "outcome": result.outcome,
                "reason": result.reason,
                "receivable_id": result.receivable_id,
                "status": result.status,
                "balance": None if result.balance is None else f"{result.balance:.2f}",
            }
            for result in results
        ]
    }


# ---------------------------------------------------------------------- entry points

_TENANT_TTL_SECONDS = 60.0
_tenants: dict[str, tuple[Tenant, float]] = {}


def _tenant(tenant_id: str, store: Table | None) -> Tenant:
    """The tenant's profile, kept a minute per process: callbacks come in bursts."""
    import time

    from cobranca.adapters.storage.tenants import load_tenant

    cached = _tenants.get(tenant_id)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    tenant = load_tenant(tenant_id, store)
    _tenants[tenant_id] = (tenant, time.monotonic() + _TENANT_TTL_SECONDS)
    return tenant


def forget_tenants() -> None:
    """Drop cached tenant profiles (tests and the local runtime change them)."""
    _tenants.clear()


@dataclass
class CallbackResult:
    """A callback's HTTP answer."""

    status: int
    body: dict[str, Any]


def receive_callback(
    tenant_id: str,
    provider_name: str,
    headers: dict[str, str],
    body: bytes,
    *,
    channel: str = "default",
    store: Table | None = None,
) -> CallbackResult:
    """Archive, verify, normalise and apply one provider callback.

    Raises :class:`~cobranca.adapters.gateways.CallbackRejected` with the HTTP status to answer
    (401 forged, 400 unreadable, 404 unknown tenant or provider, 503 provider unreachable).
    """
    from cobranca.adapters.archive import archive_raw
    from cobranca.adapters.gateways import (
        PROVIDERS,
        CallbackRejected,
        ProviderRefused,
        ProviderUnavailable,
        provider_for,
    )
    from cobranca.adapters.secrets import tenant_secrets
    from cobranca.adapters.storage.tenants import TenantNotFound

    if provider_name not in PROVIDERS or provider_name == "cnab":
        raise CallbackRejected(404, f"no callbacks for provider {provider_name!r}")
    try:
        tenant = _tenant(tenant_id, store)
    except TenantNotFound:
        raise CallbackRejected(404, f"unknown tenant {tenant_id!r}") from None

    raw_key = archive_raw(
        tenant_id,
        f"callbacks/{provider_name}",
        body,
        content_type="application/json",
        metadata={"channel": channel},
    )
    try:
        provider = provider_for(tenant, tenant_secrets(tenant_id), provider_name, store=store)
        events = provider.parse_callback(headers, body, channel=channel)
    except ProviderUnavailable as error:
        raise CallbackRejected(
            503, f"cannot confirm with the provider now: {error.reason}"
        ) from None
    except ProviderRefused as error:
        raise CallbackRejected(404, error.reason) from None
    except CallbackRejected as rejected:
        metrics.add_metric(name="CallbacksRejected", unit="Count", value=1)
        logger.warning(
            "callback rejected",
            extra={"tenant": tenant_id, "provider": provider_name, "why": rejected.reason},
        )
        raise
    results = Confirmations(tenant_id, actor="gateway_callback", store=store).apply(
        events, raw_key=raw_key
    )
    return CallbackResult(200, confirmation_body(results) | {"archived": raw_key})


def process_retorno(key: str, *, store: Table | None = None) -> dict[str, Any]:
    """Read a retorno file dropped at ``retorno/<tenant>/<file>`` and apply every record."""
    from cobranca.adapters.archive import read_object
    from cobranca.adapters.gateways.cnab_bank import events_of_retorno
    from cobranca.instruments.cnab import CnabError, read_retorno

    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "retorno" or not parts[1]:
        raise ValueError(f"retorno key {key!r} is not retorno/<tenant>/<file>")
    tenant_id = parts[1]
    try:
        retorno = read_retorno(read_object(key))
    except CnabError as error:
        park(
            tenant_id,
            kind="retorno",
            ref=key,
            reason=f"unreadable retorno: {error}",
            raw_key=key,
            store=store,
        )
        return {"key": key, "records": 0, "parked_file": True}
    for issue in retorno.rejected_lines:
        park(
            tenant_id,
            kind="retorno_line",
            ref=f"{key}:{issue.line}",
            reason=f"line {issue.line} rejected: {issue.reason}",
            raw_key=key,
            store=store,
        )
    results = Confirmations(tenant_id, actor="bank_return", store=store).apply(
        events_of_retorno(retorno), raw_key=key
    )
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    metrics.add_metric(name="RetornoRecords", unit="Count", value=len(results))
    return {
        "key": key,
        "tenant": tenant_id,
        "bank": retorno.bank,
        "records": len(results),
        "rejected_lines": len(retorno.rejected_lines),
        "outcomes": counts,
    }
