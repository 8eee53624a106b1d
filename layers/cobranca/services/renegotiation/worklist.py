"""The collector's worklist, contact notes and promises to pay (promessas de pagamento).

The worklist reads the open receivables past due through GSI1 (access pattern 6, one query per
due month within the look-back), groups them by customer, and for each debtor reads their
receivables (pattern 7) and their own partition (notes, promises, renegotiation case) to rank
them with :func:`cobranca.domain.renegotiation.rank_debtors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Put, table
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.calendar import days_overdue
from cobranca.domain.installments import add_months
from cobranca.domain.money import ZERO, money
from cobranca.domain.receivables import ReceivableStatus
from cobranca.domain.renegotiation import (
    Debtor,
    PaymentHistory,
    PromiseStatus,
    promise_outcome,
    rank_debtors,
)
from cobranca.platform import clock
from cobranca.services.renegotiation import store
from cobranca.services.renegotiation.monitor import overdue_balance

LOOKBACK_MONTHS = 24
MAX_NOTE = 2000


class ContactError(ValueError):
    """A note or promise that cannot be recorded; ``field`` names the input."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class CustomerFile:
    """What the customer's own partition holds for collection."""

    name: str | None
    notes: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    case: dict[str, Any]


def customer_file(tenant_id: str, customer_id: str) -> CustomerFile:
    """The customer's name, notes, promises and renegotiation case (one Query)."""
    items = table().partition(keys.customer(tenant_id, customer_id))
    name = None
    notes, promises, case = [], [], {}
    for item in items:
        sk = str(item["sk"])
        if sk == keys.PROFILE:
            name = (item.get("profile") or {}).get("name")
        elif sk == keys.RENEGOTIATION_CASE:
            case = item
        elif sk.startswith("NOTE#"):
            notes.append(item)
        elif sk.startswith("PROMISE#"):
            promises.append(item)
    return CustomerFile(name, notes, promises, case)


def _created(pair: tuple[dict[str, Any], PromiseStatus]) -> str:
    return str(pair[0]["created_at"])


def _promise_status(
    item: dict[str, Any], overdue_now: Decimal, today: date, grace: int
) -> PromiseStatus:
    if item.get("status") == "kept":
        return "kept"
    if item.get("status") == "broken":
        return "broken"
    return promise_outcome(
        promised_on=date.fromisoformat(str(item["promised_on"])),
        amount=None if item.get("amount") is None else money(item["amount"]),
        overdue_at_promise=money(item["overdue_at_promise"]),
        overdue_now=overdue_now,
        today=today,
        grace_days=grace,
    )


def _debtor(
    tenant_id: str,
    customer_id: str,
    overdue: tuple[Decimal, int],
    *,
    today: date,
    grace: int,
) -> tuple[Debtor, CustomerFile]:
    amount, days_late = overdue
    records = store.customer_receivables(tenant_id, customer_id)
    past_due = [record for record in records if record.receivable.due_date < today]
    paid = sum(1 for record in past_due if record.status is ReceivableStatus.PAID)
    still = sum(1 for record in past_due if record.is_open and record.balance > 0)
    file = customer_file(tenant_id, customer_id)
    overdue_now = overdue_balance(records, today)
    statuses = [_promise_status(item, overdue_now, today, grace) for item in file.promises]
    latest: PromiseStatus | None = None
    if file.promises:
        _, newest = max(zip(file.promises, statuses, strict=True), key=_created)
        latest = newest if newest in ("open", "kept", "broken") else None
    history = PaymentHistory(
        paid=paid,
        still_overdue=still,
        promises_kept=statuses.count("kept"),
        promises_broken=statuses.count("broken"),
        agreements_broken=int(file.case.get("agreements_broken", 0)),
    )
    debtor = Debtor(
        customer_id=customer_id,
        overdue=amount,
        days_late=days_late,
        history=history,
        promise=latest,
        offer_pending=bool(file.case.get("active_case")),
        agreement_in_force=bool(file.case.get("agreement_id")),
    )
    return debtor, file


def _overdue_by_customer(
    tenant_id: str, today: date, lookback_months: int
) -> dict[str, tuple[Decimal, int]]:
    context = store.load_context(tenant_id)
    first = add_months(today.replace(day=1), -lookback_months)
    months = []
    month = first
    while month <= today:
        months.append(month)
        month = add_months(month, 1)
    grouped: dict[str, tuple[Decimal, int]] = {}
    for month in months:
        items = table().query(
            "gsi1pk = :pk AND gsi1sk < :today",
            {":pk": keys.open_by_month(tenant_id, month), ":today": today.isoformat()},
            index="gsi1",
        )
        for item in items:
            due = date.fromisoformat(str(item["due_date"]))
            late = days_overdue(due, today, context.calendar)
            balance = money(item.get("balance", ZERO))
            if late <= 0 or balance <= 0:
                continue
            customer_id = str(item["customer_id"])
            total, days = grouped.get(customer_id, (ZERO, 0))
            grouped[customer_id] = (total + balance, max(days, late))
    return grouped


def worklist(
    tenant_id: str,
    *,
    today: date | None = None,
    limit: int = 50,
    lookback_months: int = LOOKBACK_MONTHS,
) -> list[dict[str, Any]]:
    """Debtors in the order a collector should contact them."""
    # Maintenance: each debtor costs two queries (receivables, own partition) per request;
    # a tenant with thousands of debtors needs the ranking precomputed daily by the monitor.
    today = today or clock.today()
    grace = store.load_context(tenant_id).policy.promise_grace_days
    debtors, files = [], {}
    for customer_id, overdue in _overdue_by_customer(tenant_id, today, lookback_months).items():
        debtor, file = _debtor(tenant_id, customer_id, overdue, today=today, grace=grace)
        debtors.append(debtor)
        files[customer_id] = file
    entries = []
    for position, entry in enumerate(rank_debtors(debtors)[:limit], start=1):
        file = files[entry.customer_id]
        last_note = max(file.notes, key=lambda item: str(item["sk"]), default=None)
        entries.append(
            {
                "position": position,
                "customer_id": entry.customer_id,
                "name": file.name,
                "tier": entry.tier.value,
                "reason": entry.reason,
                "score": entry.score,
                "overdue": entry.overdue,
                "days_late": entry.days_late,
                "likelihood": str(entry.likelihood),
                "last_note": None if last_note is None else _note_view(last_note),
                "notes": len(file.notes),
                "promises": len(file.promises),
            }
        )
    return entries


def _note_view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "note_id": item["note_id"],
        "at": item["created_at"],
        "author": item.get("author"),
        "channel": item.get("channel"),
        "text": item.get("text"),
    }


def _promise_view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "promise_id": item["promise_id"],
        "promised_on": item["promised_on"],
        "amount": None if item.get("amount") is None else money(item["amount"]),
        "status": item["status"],
        "author": item.get("author"),
        "created_at": item["created_at"],
    }


def contacts(tenant_id: str, customer_id: str) -> dict[str, Any]:
    """The customer's notes and promises, newest first."""
    file = customer_file(tenant_id, customer_id)
    return {
        "customer_id": customer_id,
        "notes": [_note_view(item) for item in sorted(file.notes, key=lambda i: str(i["sk"]))][
            ::-1
        ],
        "promises": [
            _promise_view(item)
            for item in sorted(file.promises, key=lambda i: str(i["created_at"]), reverse=True)
        ],
        "agreement_id": file.case.get("agreement_id"),
        "renegotiating": bool(file.case.get("active_case")),
    }


def add_note(
    tenant_id: str, customer_id: str, text: str, *, author: str, channel: str | None = None
) -> dict[str, Any]:
    """Record a collector's note about a contact (audited without its text)."""
    text = text.strip()
    if not text:
        raise ContactError("text", "a note needs some text")
    if len(text) > MAX_NOTE:
        raise ContactError("text", f"at most {MAX_NOTE} characters")
    _require_customer(tenant_id, customer_id)
    now = clock.now()
    note_id = store.new_id("NT", tenant_id, customer_id, now.isoformat(), text)
    item = {
        "pk": keys.customer(tenant_id, customer_id),
        "sk": keys.contact_note(now.isoformat(), note_id),
        "type": "note",
        "note_id": note_id,
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "text": text,
        "author": author,
        "channel": channel,
        "created_at": now,
    }
    unit = UnitOfWork(tenant_id)
    unit.add(
        [Put(item, condition="attribute_not_exists(pk)")],
        [
            Change(
                f"customer:{customer_id}",
                "contact.note_added",
                author,
                now,
                None,
                {"note_id": note_id, "channel": channel},
            )
        ],
    )
    store.commit(unit)
    return _note_view(item)


def add_promise(
    tenant_id: str,
    customer_id: str,
    promised_on: date,
    *,
    author: str,
    amount: Decimal | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Record a promise to pay by ``promised_on`` (all that is overdue unless ``amount``)."""
    today = today or clock.today()
    if promised_on < today:
        raise ContactError("date", f"{promised_on} is in the past")
    if promised_on > today + timedelta(days=90):
        raise ContactError(
            "date", "a promise more than 90 days ahead is an agreement, not a promise"
        )
    records = store.customer_receivables(tenant_id, customer_id)
    overdue = overdue_balance(records, today)
    if overdue <= 0:
        raise ContactError("customer", "has nothing overdue to promise")
    if amount is not None and not ZERO < money(amount) <= overdue:
        raise ContactError("amount", f"must be more than 0.00 and at most {overdue}")
    _require_customer(tenant_id, customer_id)
    now = clock.now()
    promise_id = store.new_id("PR", tenant_id, customer_id, now.isoformat())
    item = {
        "pk": keys.customer(tenant_id, customer_id),
        "sk": keys.promise(promised_on, promise_id),
        "type": "promise",
        "promise_id": promise_id,
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "promised_on": promised_on,
        "amount": None if amount is None else money(amount),
        "overdue_at_promise": overdue,
        "status": "open",
        "author": author,
        "created_at": now,
        "gsi1pk": keys.collection(tenant_id, store.PROMISES),
        "gsi1sk": keys.by_status("open", promised_on.isoformat(), promise_id),
    }
    unit = UnitOfWork(tenant_id)
    unit.add(
        [Put(item, condition="attribute_not_exists(pk)")],
        [
            Change(
                f"customer:{customer_id}",
                "promise.recorded",
                author,
                now,
                None,
                {
                    "promise_id": promise_id,
                    "promised_on": promised_on,
                    "amount": item["amount"],
                    "overdue": overdue,
                },
            )
        ],
    )
    store.commit(unit)
    return _promise_view(item)


def _require_customer(tenant_id: str, customer_id: str) -> None:
    if store.customer(tenant_id, customer_id) is None and not store.customer_receivables(
        tenant_id, customer_id
    ):
        raise ContactError("customer", f"{customer_id} is unknown")
