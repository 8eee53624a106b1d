"""Receivable and customer items: how the canonical model and the hub's state are stored.

A receivable item holds two kinds of facts: what the ERP says (the canonical
:class:`~cobranca.model.Receivable` under ``erp``) and what the hub knows (the money ledger,
the current charge, flags), plus a ``version`` that every change increments so concurrent
writers condition on what they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.domain.money import ZERO, money
from cobranca.domain.receivables import ReceivableBalance, ReceivableStatus
from cobranca.model.customers import Customer
from cobranca.model.receivables import Receivable

OPEN_STATUSES = frozenset({ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID})

RETENTION_YEARS = 5
"""How long a closed receivable is kept: the five-year statute for tax and civil claims on the
financial records (CTN art. 173/174, Código Civil art. 206 §5 I); see docs/retention.md."""


def retention_deadline(closed_on: date) -> int:
    """Epoch seconds of the TTL (expires_at) for a record closed on ``closed_on``."""
    from datetime import UTC, time

    try:
        until = closed_on.replace(year=closed_on.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        until = closed_on.replace(year=closed_on.year + RETENTION_YEARS, day=28)
    return int(datetime.combine(until, time(0, 0), tzinfo=UTC).timestamp())


def _ledger(balance: ReceivableBalance) -> dict[str, Any]:
    return {
        "total": balance.total,
        "settled": balance.settled,
        "discount_granted": balance.discount_granted,
        "charges_received": balance.charges_received,
        "customer_credit": balance.customer_credit,
        "status": balance.status.value,
    }


def _balance(ledger: dict[str, Any]) -> ReceivableBalance:
    return ReceivableBalance(
        total=money(ledger["total"]),
        settled=money(ledger.get("settled", ZERO)),
        discount_granted=money(ledger.get("discount_granted", ZERO)),
        charges_received=money(ledger.get("charges_received", ZERO)),
        customer_credit=money(ledger.get("customer_credit", ZERO)),
        status=ReceivableStatus(ledger.get("status", "open")),
    )


@dataclass(frozen=True)
class ReceivableRecord:
    """A stored receivable: the ERP's view, the hub's ledger and what the hub attached."""

    tenant_id: str
    receivable: Receivable
    ledger: ReceivableBalance
    version: int = 0
    charge: dict[str, Any] | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    erp_balance: Decimal | None = None
    paid_on: date | None = None

    @property
    def receivable_id(self) -> str:
        return self.receivable.receivable_id

    @property
    def status(self) -> ReceivableStatus:
        return self.ledger.status

    @property
    def balance(self) -> Decimal:
        return self.ledger.balance

    @property
    def is_open(self) -> bool:
        return self.ledger.status in OPEN_STATUSES

    @property
    def key(self) -> dict[str, str]:
        return {"pk": keys.receivable(self.tenant_id, self.receivable_id), "sk": keys.RECEIVABLE}

    def evolve(self, **changes: Any) -> ReceivableRecord:
        """A copy with changes (the version is bumped by :func:`receivable_item`)."""
        return replace(self, **changes)

    def to_item(self, at: datetime) -> dict[str, Any]:
        """The item to store: version incremented, indexes set for open receivables only."""
        receivable = self.receivable
        due: date = receivable.due_date
        item: dict[str, Any] = {
            **self.key,
            "type": "receivable",
            "tenant_id": self.tenant_id,
            "receivable_id": self.receivable_id,
            "customer_id": receivable.customer_id,
            "erp": receivable.model_dump(mode="json"),
            "erp_updated_at": receivable.erp_updated_at,
            "digest": receivable.digest(),
            "due_date": due,
            "amount": receivable.amount,
            "branch": receivable.branch,
            "status": self.ledger.status.value,
            "balance": self.ledger.balance,
            "ledger": _ledger(self.ledger),
            "erp_balance": self.erp_balance,
            "paid_on": self._paid_on(at),
            "charge": self.charge,
            "flags": self.flags or None,
            "version": self.version + 1,
            "created_at": self.created_at or at,
            "updated_at": at,
            "gsi2pk": keys.customer_receivables(self.tenant_id, receivable.customer_id),
            "gsi2sk": f"R#{due.isoformat()}#{self.receivable_id}",
            "gsi3pk": keys.due_month(self.tenant_id, due),
            "gsi3sk": keys.open_sort(due, self.receivable_id),
        }
        if self.is_open:
            item["gsi1pk"] = keys.open_by_month(self.tenant_id, due)
            item["gsi1sk"] = keys.open_sort(due, self.receivable_id)
        else:
            closed_on = item["paid_on"] or at.date()
            item["expires_at"] = retention_deadline(
                date.fromisoformat(str(closed_on)) if not isinstance(closed_on, date) else closed_on
            )
        return item

    def _paid_on(self, at: datetime) -> date | None:
        """When the balance reached zero: kept once known, else the local date of this write."""
        if self.ledger.status is not ReceivableStatus.PAID:
            return None
        if self.paid_on is not None:
            return self.paid_on
        from cobranca.domain.calendar import local_date

        return local_date(at)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ReceivableRecord:
        """Rebuild a record from its stored item."""
        erp_balance = item.get("erp_balance")
        return cls(
            tenant_id=str(item["tenant_id"]),
            receivable=Receivable.model_validate(item["erp"]),
            ledger=_balance(item["ledger"]),
            version=int(item.get("version", 0)),
            charge=item.get("charge"),
            flags=dict(item.get("flags") or {}),
            created_at=_datetime(item.get("created_at")),
            updated_at=_datetime(item.get("updated_at")),
            erp_balance=None if erp_balance is None else money(erp_balance),
            paid_on=date.fromisoformat(str(item["paid_on"])) if item.get("paid_on") else None,
        )


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class CustomerRecord:
    """A stored customer with its version."""

    tenant_id: str
    customer: Customer
    version: int = 0
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> dict[str, str]:
        return {
            "pk": keys.customer(self.tenant_id, self.customer.customer_id),
            "sk": keys.PROFILE,
        }

    def to_item(self, at: datetime) -> dict[str, Any]:
        customer = self.customer
        return {
            **self.key,
            "type": "customer",
            "tenant_id": self.tenant_id,
            "customer_id": customer.customer_id,
            "profile": customer.model_dump(mode="json"),
            "digest": _customer_digest(customer),
            "erp_updated_at": customer.erp_updated_at,
            "version": self.version + 1,
            "updated_at": at,
            "gsi1pk": keys.customer_document(self.tenant_id, customer.document),
            "gsi1sk": f"CUSTOMER#{customer.customer_id}",
            "gsi2pk": keys.customers_list(self.tenant_id),
            "gsi2sk": f"CUSTOMER#{customer.customer_id}",
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> CustomerRecord:
        return cls(
            tenant_id=str(item["tenant_id"]),
            customer=Customer.model_validate(item["profile"]),
            version=int(item.get("version", 0)),
        )


def _customer_digest(customer: Customer) -> str:
    import hashlib
    import json

    content = customer.model_dump(mode="json", exclude={"erp_updated_at"})
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def customer_digest(customer: Customer) -> str:
    """A fingerprint of the customer's content, to skip unchanged writes."""
    return _customer_digest(customer)
