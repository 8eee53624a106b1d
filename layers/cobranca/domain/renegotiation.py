"""Renegotiation (acordo) of overdue debt: eligibility, offer plans, broken agreements, worklist.

Terms
-----
- **acordo**: an agreement replacing overdue receivables with new parcelas;
- **entrada**: a down payment, due first, without juros;
- **promessa de pagamento**: a debtor's promise to pay by a date, recorded by a collector;
- **negativação**: reporting the debtor to a credit bureau (here only a flag for the tenant).

Policies
--------
*Debt.* Each overdue receivable is quoted as of today with the tenant's multa and juros
(:func:`cobranca.domain.late_charges.quote`): principal (the open balance), multa, juros. The
debt is their sum; the parts always add up to the total.

*Eligibility.* A receivable joins the offer when it is at least ``min_days_overdue`` days late
(counted from the original due date, after the business-day grace of Lei 7.089/1983); the offer
exists when their total reaches ``min_amount`` and the customer has no agreement in force and no
other offer pending.

*Plans.* For each number of parcelas the tenant offers, the discount tier for that count (the
first tier whose ``up_to_installments`` reaches it) takes a percentage off the multa and off the
juros, each rounded once. One payment (à vista) has no juros and no entrada. More parcelas
follow the tabela Price at the tenant's monthly rate (:func:`~cobranca.domain.installments.\
price_schedule`), after an optional entrada (a percentage of the amount, never below the minimum
parcela). A plan whose parcelas would fall under ``min_installment`` is not offered. A second
offer (after a decline) adds ``second_offer_extra_discount_percent`` points to each discount,
capped at 100.

*Broken agreement.* An agreement breaks when one of its parcelas is more than
``break_tolerance_days`` late. The original receivables come back with what was paid on the
agreement credited to them, oldest due date first; anything beyond their balances is the
customer's credit. Discounts granted by the agreement are lost with it.

*Worklist.* Debtors are ranked by expected recovery, ``amount x likelihood x urgency``, where
urgency grows linearly from 1 to 2 over the first 90 days late. A broken promise puts a debtor
above everyone else; a promise still within its date, an offer pending or an agreement in force
puts them below (there is nothing to do until it lapses).

*Payment likelihood* starts from the customer's history of past-due receivables, smoothed
(``(paid + 1) / (paid + still_overdue + 2)``, so a customer with no history is 0.50), then each
kept promise multiplies it by 1.10 (capped at 1), each broken promise by 0.80 and each broken
agreement by 0.70. It has four decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from cobranca.domain.calendar import BusinessCalendar, days_overdue
from cobranca.domain.installments import (
    InstallmentError,
    InstallmentPlan,
    add_months,
    price_schedule,
    split_installments,
)
from cobranca.domain.late_charges import LateChargeRules, quote
from cobranca.domain.money import ZERO, money, percent_of
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HUNDRED = Decimal(100)
LIKELIHOOD = Decimal("0.0001")
URGENCY_DAYS = 90

Escalation = Literal["second_offer", "operator", "negativacao"]


class RenegotiationError(ValueError):
    """A renegotiation input that cannot be used; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# ---------------------------------------------------------------------- the tenant's rules


def _percent(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise ValueError("must be a decimal string or Decimal")
    number = Decimal(str(value))
    if not number.is_finite() or not ZERO <= number <= HUNDRED:
        raise ValueError(f"must be a percentage between 0 and 100, got {value}")
    return number


class DiscountTier(BaseModel):
    """Discounts on multa and juros for plans of up to ``up_to_installments`` parcelas."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    up_to_installments: int = Field(ge=1, le=120)
    fine_discount_percent: Decimal = Decimal(0)
    interest_discount_percent: Decimal = Decimal(0)

    @field_validator("fine_discount_percent", "interest_discount_percent", mode="before")
    @classmethod
    def _check_percent(cls, value: Any) -> Decimal:
        return _percent(value)


def _default_tiers() -> tuple[DiscountTier, ...]:
    return (
        DiscountTier(
            up_to_installments=1,
            fine_discount_percent=Decimal(100),
            interest_discount_percent=Decimal(100),
        ),
        DiscountTier(
            up_to_installments=3,
            fine_discount_percent=Decimal(50),
            interest_discount_percent=Decimal(50),
        ),
        DiscountTier(
            up_to_installments=6,
            fine_discount_percent=Decimal(25),
            interest_discount_percent=Decimal(25),
        ),
    )


class RenegotiationPolicy(BaseModel):
    """A tenant's renegotiation rules (stored as the ``POLICY#renegotiation`` document)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    min_days_overdue: int = Field(default=30, ge=1, le=3650)
    min_amount: Decimal = Decimal("100.00")
    max_installments: int = Field(default=12, ge=1, le=120)
    min_installment: Decimal = Decimal("50.00")
    plan_counts: tuple[int, ...] = (1, 3, 6, 10, 12)
    down_payment_percent: Decimal = Decimal(0)
    monthly_interest_percent: Decimal = Decimal("1.99")
    discount_tiers: tuple[DiscountTier, ...] = Field(default_factory=_default_tiers)
    second_offer_extra_discount_percent: Decimal = Decimal(10)
    first_due_days: int = Field(default=5, ge=1, le=60)
    offer_hours: int = Field(default=72, ge=1, le=24 * 30)
    idle_hours: int = Field(default=48, ge=1, le=24 * 30)
    channels: tuple[Literal["email", "whatsapp"], ...] = ("email", "whatsapp")
    on_decline: Escalation = "second_offer"
    on_timeout: Escalation = "operator"
    max_offers: int = Field(default=2, ge=1, le=5)
    break_tolerance_days: int = Field(default=30, ge=0, le=365)
    reoffer_after_break: bool = False
    promise_grace_days: int = Field(default=1, ge=0, le=30)

    @field_validator("min_amount", "min_installment", mode="before")
    @classmethod
    def _check_money(cls, value: Any) -> Decimal:
        if isinstance(value, float | bool):
            raise ValueError("must be a decimal string or Decimal")
        amount = money(value)
        if amount <= 0:
            raise ValueError(f"must be positive, got {amount}")
        return amount

    @field_validator("down_payment_percent", "second_offer_extra_discount_percent", mode="before")
    @classmethod
    def _check_percent(cls, value: Any) -> Decimal:
        return _percent(value)

    @field_validator("monthly_interest_percent", mode="before")
    @classmethod
    def _check_rate(cls, value: Any) -> Decimal:
        rate = _percent(value)
        if rate > 20:
            raise ValueError(f"a monthly rate above 20% is not a renegotiation: {rate}")
        return rate

    @model_validator(mode="after")
    def _consistent(self) -> RenegotiationPolicy:
        if not self.plan_counts or any(count < 1 for count in self.plan_counts):
            raise ValueError("plan_counts must list numbers of parcelas of at least 1")
        if self.down_payment_percent >= HUNDRED:
            raise ValueError("down_payment_percent must be below 100")
        limits = [tier.up_to_installments for tier in self.discount_tiers]
        if limits != sorted(set(limits)):
            raise ValueError("discount_tiers must rise in up_to_installments")
        if self.offer_hours > 24 * self.first_due_days:
            raise ValueError("offer_hours must end before the first due date (first_due_days)")
        if self.idle_hours > self.offer_hours:
            raise ValueError("idle_hours cannot exceed offer_hours")
        if not self.channels:
            raise ValueError("channels must name at least one channel")
        return self

    @classmethod
    def from_document(cls, document: dict[str, Any] | None) -> RenegotiationPolicy:
        """The policy from a stored document (defaults when there is none)."""
        body = {k: v for k, v in (document or {}).items() if not k.startswith("_")}
        return cls.model_validate(body)

    def discounts_for(self, count: int, attempt: int = 1) -> tuple[Decimal, Decimal]:
        """Percent off (multa, juros) for a plan of ``count`` parcelas at offer ``attempt``."""
        tier = next(
            (item for item in self.discount_tiers if count <= item.up_to_installments), None
        )
        fine = tier.fine_discount_percent if tier else ZERO
        interest = tier.interest_discount_percent if tier else ZERO
        extra = self.second_offer_extra_discount_percent * max(0, attempt - 1)
        return min(HUNDRED, fine + extra), min(HUNDRED, interest + extra)

    def escalation_for(self, outcome: str) -> Escalation:
        """What follows a declined (``declined``) or unanswered (``timeout``) offer."""
        return self.on_decline if outcome == "declined" else self.on_timeout


# ---------------------------------------------------------------------- debt


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A receivable as eligibility sees it."""

    receivable_id: str
    due_date: date
    balance: Decimal


@dataclass(frozen=True, slots=True)
class DebtItem:
    """One overdue receivable quoted as of a date."""

    receivable_id: str
    due_date: date
    principal: Decimal
    fine: Decimal
    interest: Decimal
    days_late: int

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest

    def to_dict(self) -> dict[str, Any]:
        return {
            "receivable_id": self.receivable_id,
            "due_date": self.due_date.isoformat(),
            "principal": str(self.principal),
            "fine": str(self.fine),
            "interest": str(self.interest),
            "total": str(self.total),
            "days_late": self.days_late,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DebtItem:
        return cls(
            receivable_id=str(data["receivable_id"]),
            due_date=date.fromisoformat(str(data["due_date"])),
            principal=money(str(data["principal"])),
            fine=money(str(data["fine"])),
            interest=money(str(data["interest"])),
            days_late=int(data["days_late"]),
        )


@dataclass(frozen=True, slots=True)
class Debt:
    """Overdue receivables quoted together; the parts add up to the total."""

    items: tuple[DebtItem, ...]
    as_of: date

    @property
    def principal(self) -> Decimal:
        return sum((item.principal for item in self.items), ZERO)

    @property
    def fine(self) -> Decimal:
        return sum((item.fine for item in self.items), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((item.interest for item in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest

    @property
    def days_late(self) -> int:
        return max((item.days_late for item in self.items), default=0)

    @property
    def receivable_ids(self) -> list[str]:
        return [item.receivable_id for item in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "items": [item.to_dict() for item in self.items],
            "principal": str(self.principal),
            "fine": str(self.fine),
            "interest": str(self.interest),
            "total": str(self.total),
            "days_late": self.days_late,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Debt:
        return cls(
            items=tuple(DebtItem.from_dict(item) for item in data["items"]),
            as_of=date.fromisoformat(str(data["as_of"])),
        )


def quote_debt(
    items: Iterable[OpenItem],
    today: date,
    rules: LateChargeRules,
    calendar: BusinessCalendar,
    *,
    consumer: bool,
) -> Debt:
    """Quote every receivable with a balance as of ``today``, oldest due date first."""
    quoted = []
    for item in sorted(items, key=lambda each: (each.due_date, each.receivable_id)):
        if item.balance <= 0:
            continue
        result = quote(item.balance, item.due_date, today, rules, calendar, consumer=consumer)
        quoted.append(
            DebtItem(
                receivable_id=item.receivable_id,
                due_date=item.due_date,
                principal=result.principal,
                fine=result.fine,
                interest=result.interest,
                days_late=result.days_late,
            )
        )
    return Debt(tuple(quoted), today)


class Ineligible(StrEnum):
    """Why no offer is made."""

    AGREEMENT_IN_FORCE = "agreement_in_force"
    OFFER_PENDING = "offer_pending"
    NOTHING_OVERDUE = "nothing_overdue"
    BELOW_MINIMUM = "below_minimum"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether an offer is made, why not, and on which debt."""

    eligible: bool
    reason: str
    debt: Debt


def check_eligibility(
    debt: Debt,
    policy: RenegotiationPolicy,
    *,
    agreement_in_force: bool,
    offer_pending: bool,
) -> Eligibility:
    """Keep the receivables late enough and decide whether their total earns an offer."""
    late = Debt(
        tuple(item for item in debt.items if item.days_late >= policy.min_days_overdue),
        debt.as_of,
    )
    if agreement_in_force:
        return Eligibility(False, Ineligible.AGREEMENT_IN_FORCE.value, late)
    if offer_pending:
        return Eligibility(False, Ineligible.OFFER_PENDING.value, late)
    if not late.items:
        return Eligibility(False, Ineligible.NOTHING_OVERDUE.value, late)
    if late.total < policy.min_amount:
        return Eligibility(False, Ineligible.BELOW_MINIMUM.value, late)
    return Eligibility(True, "eligible", late)


# ---------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class PlanOption:
    """One way to pay the debt: discounts, entrada and parcelas with their dates."""

    plan_id: str
    count: int
    fine_discount: Decimal
    interest_discount: Decimal
    amount: Decimal
    schedule: InstallmentPlan

    @property
    def discount(self) -> Decimal:
        return self.fine_discount + self.interest_discount

    @property
    def entrada(self) -> Decimal:
        return self.schedule.entrada

    @property
    def total(self) -> Decimal:
        """What the customer pays in all: the amount plus the juros of the parcelamento."""
        return self.schedule.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "count": self.count,
            "fine_discount": str(self.fine_discount),
            "interest_discount": str(self.interest_discount),
            "discount": str(self.discount),
            "amount": str(self.amount),
            "entrada": str(self.entrada),
            "monthly_rate": str(self.schedule.monthly_rate),
            "interest": str(self.schedule.total_interest),
            "total": str(self.total),
            "parcelas": [
                {
                    "number": parcela.number,
                    "due_date": parcela.due_date.isoformat(),
                    "amount": str(parcela.amount),
                    "interest": str(parcela.interest),
                    "principal": str(parcela.principal),
                }
                for parcela in self.schedule.parcelas
            ],
        }


def _first_due(today: date, policy: RenegotiationPolicy, calendar: BusinessCalendar) -> date:
    return calendar.shift_due_date(today + timedelta(days=policy.first_due_days))


def _plan(
    debt: Debt,
    policy: RenegotiationPolicy,
    *,
    count: int,
    first_due: date,
    calendar: BusinessCalendar,
    attempt: int,
) -> PlanOption | None:
    fine_percent, interest_percent = policy.discounts_for(count, attempt)
    fine_discount = percent_of(debt.fine, fine_percent)
    interest_discount = percent_of(debt.interest, interest_percent)
    amount = debt.total - fine_discount - interest_discount
    try:
        if count == 1:
            schedule = split_installments(amount, 1, first_due, calendar=calendar)
        else:
            entrada = None
            parcela_due = first_due
            if policy.down_payment_percent > 0:
                entrada = max(
                    percent_of(amount, policy.down_payment_percent), policy.min_installment
                )
                if entrada >= amount:
                    return None
                parcela_due = add_months(first_due, 1)
            schedule = price_schedule(
                amount,
                policy.monthly_interest_percent,
                count,
                parcela_due,
                entrada=entrada,
                entrada_due=first_due if entrada is not None else None,
                calendar=calendar,
            )
            if any(parcela.amount < policy.min_installment for parcela in schedule.parcelas):
                return None
    except InstallmentError:
        return None
    return PlanOption(f"p{count}", count, fine_discount, interest_discount, amount, schedule)


def offer_plans(
    debt: Debt,
    policy: RenegotiationPolicy,
    today: date,
    calendar: BusinessCalendar,
    *,
    attempt: int = 1,
) -> tuple[PlanOption, ...]:
    """The plans offered for ``debt``: the tenant's counts that respect its minimum parcela.

    The largest feasible count up to ``max_installments`` is always offered too, so a debt too
    small for 12 parcelas still gets the longest plan it can have.
    """
    if not debt.items:
        raise RenegotiationError("debt", "nothing to offer")
    first_due = _first_due(today, policy, calendar)
    plans: dict[int, PlanOption] = {}
    for count in sorted({c for c in policy.plan_counts if c <= policy.max_installments} | {1}):
        option = _plan(
            debt, policy, count=count, first_due=first_due, calendar=calendar, attempt=attempt
        )
        if option is not None:
            plans[count] = option
    for count in range(policy.max_installments, 1, -1):
        if count in plans:
            break
        option = _plan(
            debt, policy, count=count, first_due=first_due, calendar=calendar, attempt=attempt
        )
        if option is not None:
            plans[count] = option
            break
    return tuple(plans[count] for count in sorted(plans))


# ---------------------------------------------------------------------- broken agreements


@dataclass(frozen=True, slots=True)
class AgreementParcela:
    """An agreement's parcela as the monitor sees it."""

    receivable_id: str
    due_date: date
    balance: Decimal
    settled: Decimal
    is_open: bool


def breach(
    parcelas: Sequence[AgreementParcela],
    today: date,
    tolerance_days: int,
    calendar: BusinessCalendar,
) -> AgreementParcela | None:
    """The first open parcela more than ``tolerance_days`` late, or None."""
    for parcela in sorted(parcelas, key=lambda item: (item.due_date, item.receivable_id)):
        late = days_overdue(parcela.due_date, today, calendar)
        if parcela.is_open and parcela.balance > 0 and late > tolerance_days:
            return parcela
    return None


def completed(parcelas: Sequence[AgreementParcela]) -> bool:
    """True when every parcela is settled."""
    return bool(parcelas) and all(
        not parcela.is_open or parcela.balance == 0 for parcela in parcelas
    )


@dataclass(frozen=True, slots=True)
class Restoration:
    """An original receivable brought back: its balance, the credit applied, what remains."""

    receivable_id: str
    balance: Decimal
    credit: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.balance - self.credit


@dataclass(frozen=True, slots=True)
class BreakOutcome:
    """The originals restored and any payment beyond them (the customer's credit)."""

    restorations: tuple[Restoration, ...]
    surplus: Decimal

    @property
    def restored_debt(self) -> Decimal:
        return sum((item.remaining for item in self.restorations), ZERO)


def restore_originals(originals: Sequence[OpenItem], paid: Decimal) -> BreakOutcome:
    """Credit ``paid`` (paid on the agreement) to the originals, oldest due date first."""
    remaining = money(paid)
    if remaining < 0:
        raise RenegotiationError("paid", f"cannot be negative, got {remaining}")
    restorations = []
    for original in sorted(originals, key=lambda item: (item.due_date, item.receivable_id)):
        credit = min(remaining, original.balance)
        remaining -= credit
        restorations.append(Restoration(original.receivable_id, original.balance, credit))
    return BreakOutcome(tuple(restorations), remaining)


# ---------------------------------------------------------------------- promises and worklist

PromiseStatus = Literal["open", "kept", "broken"]


def promise_outcome(
    *,
    promised_on: date,
    amount: Decimal | None,
    overdue_at_promise: Decimal,
    overdue_now: Decimal,
    today: date,
    grace_days: int,
) -> PromiseStatus:
    """Kept once the overdue balance fell by the promised amount (all of it when none was
    named); broken when the promised date plus the grace passed first; open until then."""
    target = overdue_at_promise - (overdue_at_promise if amount is None else amount)
    if overdue_now <= max(ZERO, target):
        return "kept"
    if today > promised_on + timedelta(days=grace_days):
        return "broken"
    return "open"


@dataclass(frozen=True, slots=True)
class PaymentHistory:
    """What a debtor did before: counts of receivables, promises and agreements."""

    paid: int = 0
    still_overdue: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    agreements_broken: int = 0


def payment_likelihood(history: PaymentHistory) -> Decimal:
    """A 0-1 estimate that the debtor pays when contacted (see the module's policy)."""
    base = Decimal(history.paid + 1) / Decimal(history.paid + history.still_overdue + 2)
    factor = (
        Decimal("1.10") ** history.promises_kept
        * Decimal("0.80") ** history.promises_broken
        * Decimal("0.70") ** history.agreements_broken
    )
    return min(Decimal(1), base * factor).quantize(LIKELIHOOD)


class Tier(StrEnum):
    """Worklist bands, contacted in this order."""

    BROKEN_PROMISE = "broken_promise"
    TO_CONTACT = "to_contact"
    WAITING = "waiting"


TIER_ORDER = {Tier.BROKEN_PROMISE: 0, Tier.TO_CONTACT: 1, Tier.WAITING: 2}


@dataclass(frozen=True, slots=True)
class Debtor:
    """A customer with overdue debt and what is known about them."""

    customer_id: str
    overdue: Decimal
    days_late: int
    history: PaymentHistory
    promise: PromiseStatus | None = None
    offer_pending: bool = False
    agreement_in_force: bool = False


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    """A debtor's place in the collector's worklist."""

    customer_id: str
    tier: Tier
    score: Decimal
    overdue: Decimal
    days_late: int
    likelihood: Decimal
    reason: str


def _tier(debtor: Debtor) -> tuple[Tier, str]:
    if debtor.promise == "broken":
        return Tier.BROKEN_PROMISE, "promessa de pagamento quebrada"
    if debtor.promise == "open":
        return Tier.WAITING, "promessa de pagamento dentro do prazo"
    if debtor.offer_pending:
        return Tier.WAITING, "proposta de acordo aguardando resposta"
    if debtor.agreement_in_force:
        return Tier.WAITING, "acordo em vigor"
    return Tier.TO_CONTACT, "em atraso"


def rank_debtors(debtors: Iterable[Debtor]) -> list[WorklistEntry]:
    """Who to contact first: by tier, then by expected recovery, then by days late."""
    entries = []
    for debtor in debtors:
        likelihood = payment_likelihood(debtor.history)
        urgency = 1 + Decimal(min(debtor.days_late, URGENCY_DAYS)) / URGENCY_DAYS
        score = money(debtor.overdue * likelihood * urgency)
        tier, reason = _tier(debtor)
        entries.append(
            WorklistEntry(
                debtor.customer_id,
                tier,
                score,
                debtor.overdue,
                debtor.days_late,
                likelihood,
                reason,
            )
        )
    entries.sort(key=lambda e: (TIER_ORDER[e.tier], -e.score, -e.days_late, e.customer_id))
    return entries
