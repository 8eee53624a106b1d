"""How renegotiation is stored: offers, agreements and the customer's case, plus the reads the
tasks share (the tenant's rules, a customer's receivables, receivables by id).

Items
-----
- **offer** ``pk=TENANT#t#OFFER#o, sk=OFFER``: the debt as quoted, the plans, the status
  (``pending`` → ``accepted`` | ``declined`` | ``expired``), the Step Functions task token while
  the customer decides (never put in a link or a page), and the chosen plan. Listed by status
  through GSI1 ``collection(t, "OFFERS")``.
- **agreement** ``pk=TENANT#t#AGREEMENT#a, sk=AGREEMENT``: the originals it replaces, the plan,
  its parcelas (each a new receivable), and the status (``applying`` → ``active`` →
  ``completed`` | ``broken``; ``rolled_back`` when compensation undid it). Listed by status
  through GSI1 ``collection(t, "AGREEMENTS")``.
- **case** ``pk=TENANT#t#CUSTOMER#c, sk=RENEGOTIATION``: ``active_case`` (the execution that
  holds the customer) and ``agreement_id`` (the agreement in force). Conditions on it keep one
  flow per customer and make "no open agreement" a single read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import CustomerRecord, ReceivableRecord
from cobranca.adapters.storage.table import Table, table
from cobranca.adapters.storage.tenants import TenantNotFound
from cobranca.adapters.storage.unit_of_work import CommitResult, UnitOfWork
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.late_charges import Juros, LateChargeRules, Multa
from cobranca.domain.renegotiation import Debt, OpenItem, RenegotiationPolicy
from cobranca.model.tenants import Tenant

POLICY_DOCUMENT = "POLICY#renegotiation"
FAULTS_DOCUMENT = "FAULTS#renegotiation"
OFFERS = "OFFERS"
AGREEMENTS = "AGREEMENTS"
PROMISES = "PROMISES"

OFFER_STATUSES = ("pending", "accepted", "declined", "expired")
AGREEMENT_STATUSES = ("applying", "active", "completed", "broken", "rolled_back")


class Rejected(Exception):
    """A conditional write of a business step did not hold."""


# ---------------------------------------------------------------------- ids


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:size]


def offer_id_for(execution: str, attempt: int) -> str:
    """The offer of one attempt of one execution: a retry finds the same offer."""
    return f"OF-{_digest(execution, str(attempt)).upper()}"


def agreement_id_for(offer_id: str) -> str:
    """The agreement born of an offer: a retry finds the same agreement."""
    return f"AC-{_digest(offer_id, size=12).upper()}"


def new_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{_digest(*parts).upper()}"


# ---------------------------------------------------------------------- tenant context


@dataclass(frozen=True)
class TenantContext:
    """Everything a task needs to know about the tenant, read once per invocation."""

    tenant: Tenant
    policy: RenegotiationPolicy
    faults: dict[str, Any] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def calendar(self) -> BusinessCalendar:
        holidays = frozenset(date.fromisoformat(day) for day in self.tenant.municipal_holidays)
        return BusinessCalendar(extra_holidays=holidays)

    @property
    def late_charge_rules(self) -> LateChargeRules:
        defaults = self.tenant.late_charges
        return LateChargeRules(
            multa=Multa.percent(defaults.fine_percent),
            juros=Juros.percent_per_month(defaults.interest_percent_per_month),
        )


def load_context(tenant_id: str, store: Table | None = None) -> TenantContext:
    """The tenant, its renegotiation rules and (sandbox tenants only) its injected faults.

    One BatchGetItem reads the three items, since every task starts here.
    """
    store = store or table()
    pk = keys.tenant(tenant_id)
    found = store.batch_get(
        [{"pk": pk, "sk": sk} for sk in (keys.PROFILE, POLICY_DOCUMENT, FAULTS_DOCUMENT)]
    )
    profile = found.get((pk, keys.PROFILE))
    if profile is None:
        raise TenantNotFound(tenant_id)
    tenant = Tenant.model_validate(profile["profile"])
    policy_item = found.get((pk, POLICY_DOCUMENT))
    policy = RenegotiationPolicy.from_document(
        None if policy_item is None else dict(policy_item.get("document") or {})
    )
    faults_item = found.get((pk, FAULTS_DOCUMENT))
    faults: dict[str, Any] = {}
    if tenant.sandbox and faults_item is not None:
        faults = dict(faults_item.get("document") or {})
    return TenantContext(tenant, policy, faults)


# ---------------------------------------------------------------------- receivables


def receivables(
    tenant_id: str, receivable_ids: Iterable[str], store: Table | None = None
) -> dict[str, ReceivableRecord]:
    """Receivables by id (the ones that exist), strongly consistent."""
    store = store or table()
    wanted = [
        {"pk": keys.receivable(tenant_id, rid), "sk": keys.RECEIVABLE}
        for rid in dict.fromkeys(receivable_ids)
    ]
    found = store.batch_get(wanted) if wanted else {}
    records = (ReceivableRecord.from_item(item) for item in found.values())
    return {record.receivable_id: record for record in records}


def customer_receivables(
    tenant_id: str, customer_id: str, store: Table | None = None
) -> list[ReceivableRecord]:
    """Every receivable of a customer (GSI2, access pattern 7)."""
    store = store or table()
    items = store.query(
        "gsi2pk = :pk AND begins_with(gsi2sk, :prefix)",
        {":pk": keys.customer_receivables(tenant_id, customer_id), ":prefix": "R#"},
        index="gsi2",
    )
    return [ReceivableRecord.from_item(item) for item in items]


def open_items(records: Iterable[ReceivableRecord]) -> list[OpenItem]:
    """The open receivables with a balance, as eligibility and debt quoting see them."""
    return [
        OpenItem(record.receivable_id, record.receivable.due_date, record.balance)
        for record in records
        if record.is_open and record.balance > 0
    ]


def customer(tenant_id: str, customer_id: str, store: Table | None = None) -> CustomerRecord | None:
    store = store or table()
    item = store.get(keys.customer(tenant_id, customer_id), keys.PROFILE)
    return None if item is None else CustomerRecord.from_item(item)


# ---------------------------------------------------------------------- the customer's case


def case_key(tenant_id: str, customer_id: str) -> dict[str, str]:
    return {"pk": keys.customer(tenant_id, customer_id), "sk": keys.RENEGOTIATION_CASE}


@dataclass(frozen=True)
class CaseState:
    """Which execution holds the customer and which agreement is in force."""

    active_case: str | None = None
    agreement_id: str | None = None
    agreements_broken: int = 0


def case_state(tenant_id: str, customer_id: str, store: Table | None = None) -> CaseState:
    store = store or table()
    key = case_key(tenant_id, customer_id)
    item = store.get(key["pk"], key["sk"]) or {}
    return CaseState(
        active_case=item.get("active_case"),
        agreement_id=item.get("agreement_id"),
        agreements_broken=int(item.get("agreements_broken", 0)),
    )


# ---------------------------------------------------------------------- offers


@dataclass(frozen=True)
class Offer:
    """A stored offer (see the module docstring)."""

    tenant_id: str
    offer_id: str
    case: str
    customer_id: str
    attempt: int
    status: str
    debt: Debt
    plans: list[dict[str, Any]]
    created_at: datetime
    expires_at: datetime | None = None
    task_token: str | None = None
    plan_id: str | None = None
    agreement_id: str | None = None
    channel: str | None = None
    decided_at: datetime | None = None
    rolled_back: bool = False

    @property
    def key(self) -> dict[str, str]:
        return {"pk": keys.offer(self.tenant_id, self.offer_id), "sk": keys.OFFER}

    @property
    def receivable_ids(self) -> list[str]:
        return self.debt.receivable_ids

    def plan(self, plan_id: str | None) -> dict[str, Any] | None:
        return next((plan for plan in self.plans if plan["plan_id"] == plan_id), None)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Offer:
        return cls(
            tenant_id=str(item["tenant_id"]),
            offer_id=str(item["offer_id"]),
            case=str(item["case"]),
            customer_id=str(item["customer_id"]),
            attempt=int(item.get("attempt", 1)),
            status=str(item["status"]),
            debt=Debt.from_dict(item["debt"]),
            plans=list(item.get("plans") or []),
            created_at=_moment(item["created_at"]),
            expires_at=_moment(item.get("expires_at")),
            task_token=item.get("task_token"),
            plan_id=item.get("plan_id"),
            agreement_id=item.get("agreement_id"),
            channel=item.get("channel"),
            decided_at=_moment(item.get("decided_at")),
            rolled_back=bool(item.get("rolled_back", False)),
        )

    def summary(self) -> dict[str, Any]:
        """What operators see (never the task token)."""
        return {
            "offer_id": self.offer_id,
            "customer_id": self.customer_id,
            "status": self.status,
            "attempt": self.attempt,
            "total": self.debt.total,
            "receivable_ids": self.receivable_ids,
            "plans": len(self.plans),
            "plan_id": self.plan_id,
            "agreement_id": self.agreement_id,
            "channel": self.channel,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_at": self.decided_at,
            "case": self.case,
        }


def _moment(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def offer_item(
    *,
    tenant_id: str,
    offer_id: str,
    case: str,
    customer_id: str,
    attempt: int,
    debt: Debt,
    plans: Sequence[dict[str, Any]],
    at: datetime,
) -> dict[str, Any]:
    return {
        "pk": keys.offer(tenant_id, offer_id),
        "sk": keys.OFFER,
        "type": "offer",
        "tenant_id": tenant_id,
        "offer_id": offer_id,
        "case": case,
        "customer_id": customer_id,
        "attempt": attempt,
        "status": "pending",
        "debt": debt.to_dict(),
        "plans": list(plans),
        "created_at": at,
        "gsi1pk": keys.collection(tenant_id, OFFERS),
        "gsi1sk": keys.by_status("pending", at.isoformat(), offer_id),
    }


def load_offer(tenant_id: str, offer_id: str, store: Table | None = None) -> Offer | None:
    store = store or table()
    item = store.get(keys.offer(tenant_id, offer_id), keys.OFFER)
    return None if item is None else Offer.from_item(item)


def offer_status_sort(offer: Offer, status: str) -> str:
    return keys.by_status(status, offer.created_at.isoformat(), offer.offer_id)


# ---------------------------------------------------------------------- agreements


@dataclass(frozen=True)
class Agreement:
    """A stored agreement (see the module docstring)."""

    tenant_id: str
    agreement_id: str
    offer_id: str
    case: str
    customer_id: str
    status: str
    plan: dict[str, Any]
    originals: list[dict[str, Any]]
    installments: list[dict[str, Any]]
    created_at: datetime
    debt: dict[str, Any] = field(default_factory=dict)
    written_back: bool = False
    confirmed_at: datetime | None = None

    @property
    def key(self) -> dict[str, str]:
        return {"pk": keys.agreement(self.tenant_id, self.agreement_id), "sk": keys.AGREEMENT}

    @property
    def original_ids(self) -> list[str]:
        return [str(item["receivable_id"]) for item in self.originals]

    @property
    def installment_ids(self) -> list[str]:
        return [str(item["receivable_id"]) for item in self.installments]

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(item["amount"])) for item in self.installments), Decimal("0.00"))

    def status_sort(self, status: str) -> str:
        return keys.by_status(status, self.created_at.isoformat(), self.agreement_id)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Agreement:
        return cls(
            tenant_id=str(item["tenant_id"]),
            agreement_id=str(item["agreement_id"]),
            offer_id=str(item["offer_id"]),
            case=str(item["case"]),
            customer_id=str(item["customer_id"]),
            status=str(item["status"]),
            plan=dict(item.get("plan") or {}),
            originals=list(item.get("originals") or []),
            installments=list(item.get("installments") or []),
            created_at=_moment(item["created_at"]),
            debt=dict(item.get("debt") or {}),
            written_back=bool(item.get("written_back", False)),
            confirmed_at=_moment(item.get("confirmed_at")),
        )

    def summary(self) -> dict[str, Any]:
        return {
            "agreement_id": self.agreement_id,
            "customer_id": self.customer_id,
            "status": self.status,
            "offer_id": self.offer_id,
            "plan_id": self.plan.get("plan_id"),
            "total": self.total,
            "originals": self.original_ids,
            "installments": [
                {
                    "number": item["number"],
                    "receivable_id": item["receivable_id"],
                    "due_date": item["due_date"],
                    "amount": item["amount"],
                }
                for item in self.installments
            ],
            "created_at": self.created_at,
        }


def load_agreement(
    tenant_id: str, agreement_id: str, store: Table | None = None
) -> Agreement | None:
    store = store or table()
    item = store.get(keys.agreement(tenant_id, agreement_id), keys.AGREEMENT)
    return None if item is None else Agreement.from_item(item)


# ---------------------------------------------------------------------- collections


def collection(
    tenant_id: str,
    name: str,
    status: str | None = None,
    *,
    since: datetime | None = None,
    store: Table | None = None,
) -> list[dict[str, Any]]:
    """Members of a GSI1 collection, optionally of one status and created since a moment."""
    store = store or table()
    pk = keys.collection(tenant_id, name)
    if status is None:
        return list(store.query("gsi1pk = :pk", {":pk": pk}, index="gsi1"))
    if since is None:
        return list(
            store.query(
                "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
                {":pk": pk, ":prefix": f"{status}#"},
                index="gsi1",
            )
        )
    return list(
        store.query(
            "gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
            {":pk": pk, ":low": f"{status}#{since.isoformat()}", ":high": f"{status}#~"},
            index="gsi1",
        )
    )


# ---------------------------------------------------------------------- commits


def commit(unit: UnitOfWork) -> CommitResult:
    """Commit a unit of work; a step whose condition failed raises :class:`Rejected`."""
    result = unit.commit()
    if result.rejected:
        raise Rejected(f"{len(result.rejected)} conditional steps did not hold")
    return result
