"""The money state of a receivable (título a receber): balance, status and what may change them.

Statuses
--------
- ``open``: nothing received yet (or everything received was given back);
- ``partially_paid``: part of the principal received, a balance remains;
- ``paid``: the principal is fully settled (balance 0.00);
- ``cancelled``: withdrawn by the creditor; nothing more is owed;
- ``renegotiated``: replaced by an agreement (acordo); the agreement's parcelas carry the debt.

*Overdue is not a status.* It is a fact of the calendar (balance above zero and the due date
past, see :func:`is_overdue`), so no scheduler has to flip it and no late "overdue" event can
race a payment. A gateway's ``waiting_payment`` or ``overdue`` event is informational: it never
changes the state, and in particular never reopens a paid receivable. Only money reopens one: a
refund or a chargeback.

The status always follows from the money and from the creditor's decisions: ``paid`` when the
balance is zero, ``partially_paid`` when something was settled, ``open`` otherwise, unless a
decision (cancelled, renegotiated) closed it. Every change is checked against
:data:`ALLOWED_TRANSITIONS`. Callers store every event they receive; these functions say which
ones change the state.

Money
-----
- A **payment** settles principal. The part of a payment that pays multa and juros (``charges``)
  is income, not principal; a granted ``discount`` settles principal without money. What
  exceeds the balance is kept as the customer's **credit** (overpayment), never as a negative
  balance.
- A **credit** (a credit note, an abatimento granted after issue, customer credit used) settles
  principal exactly like a payment.
- A **refund** or **chargeback** gives money back: first the customer's credit, then the
  settled principal (reopening the balance), then the charges received.
- A bank **settlement** (liquidação) carries the amount paid, the bank's fee and the amount
  credited: the receivable is settled by the amount *paid*; the fee is the creditor's cost and
  never an open balance (paid 100.00, fee 1.40, credited 98.60 → balance 0.00).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from cobranca.domain.calendar import BusinessCalendar, days_overdue
from cobranca.domain.money import ZERO, money


class ReceivableStatus(StrEnum):
    """Where a receivable stands; see the module docstring for each meaning."""

    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    RENEGOTIATED = "renegotiated"


class StatusEvent(StrEnum):
    """Events about a receivable that carry no money."""

    WAITING_PAYMENT = "waiting_payment"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"
    RENEGOTIATED = "renegotiated"


OPEN = ReceivableStatus.OPEN
PARTIALLY_PAID = ReceivableStatus.PARTIALLY_PAID
PAID = ReceivableStatus.PAID
CANCELLED = ReceivableStatus.CANCELLED
RENEGOTIATED = ReceivableStatus.RENEGOTIATED

ALLOWED_TRANSITIONS: dict[ReceivableStatus, frozenset[ReceivableStatus]] = {
    OPEN: frozenset({PARTIALLY_PAID, PAID, CANCELLED, RENEGOTIATED}),
    PARTIALLY_PAID: frozenset({OPEN, PAID, CANCELLED, RENEGOTIATED}),
    # Only a refund or a chargeback moves a paid receivable, and only back to owing.
    PAID: frozenset({OPEN, PARTIALLY_PAID}),
    CANCELLED: frozenset(),
    RENEGOTIATED: frozenset(),
}
"""Status changes that may happen; staying in the same status is always allowed."""

CLOSED_BY_DECISION = frozenset({CANCELLED, RENEGOTIATED})


class ReceivableError(ValueError):
    """An operation that cannot apply to a receivable; ``field`` names the offending input."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TransitionError(ReceivableError):
    """A status change that :data:`ALLOWED_TRANSITIONS` does not allow."""


def can_transition(current: ReceivableStatus, target: ReceivableStatus) -> bool:
    """True when ``current`` may become ``target`` (or they are the same)."""
    return current is target or target in ALLOWED_TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class ReceivableBalance:
    """The money of one receivable. Amounts are ``Decimal`` with two places."""

    total: Decimal
    settled: Decimal = ZERO
    discount_granted: Decimal = ZERO
    charges_received: Decimal = ZERO
    customer_credit: Decimal = ZERO
    status: ReceivableStatus = OPEN

    @property
    def balance(self) -> Decimal:
        """Principal still owed; zero once cancelled or renegotiated."""
        if self.status in CLOSED_BY_DECISION:
            return ZERO
        return self.total - self.settled - self.discount_granted


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """The state after an event, whether the event changed it, and why not when it did not."""

    state: ReceivableBalance
    applied: bool
    reason: str | None = None


def _positive(amount: Decimal, field: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise ReceivableError(field, f"must be a Decimal, got {type(amount).__name__}")
    value = money(amount)
    if value <= 0:
        raise ReceivableError(field, f"must be positive, got {value}")
    return value


def _not_negative(amount: Decimal, field: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise ReceivableError(field, f"must be a Decimal, got {type(amount).__name__}")
    value = money(amount)
    if value < 0:
        raise ReceivableError(field, f"cannot be negative, got {value}")
    return value


def _money_status(state: ReceivableBalance) -> ReceivableStatus:
    if state.status in CLOSED_BY_DECISION:
        return state.status
    if state.total - state.settled - state.discount_granted == 0:
        return PAID
    if state.settled > 0 or state.discount_granted > 0:
        return PARTIALLY_PAID
    return OPEN


def _moved(before: ReceivableBalance, after: ReceivableBalance) -> ReceivableBalance:
    status = _money_status(after)
    if not can_transition(before.status, status):
        raise TransitionError("status", f"{before.status} cannot become {status}")
    return replace(after, status=status)


def open_receivable(total: Decimal) -> ReceivableBalance:
    """A new receivable owing ``total``."""
    return ReceivableBalance(total=_positive(total, "total"))


def _settle(state: ReceivableBalance, principal_part: Decimal) -> tuple[Decimal, Decimal]:
    """Split what settles principal into (applied to the balance, left over as credit)."""
    applied = min(principal_part, state.balance)
    return applied, principal_part - applied


def apply_payment(
    state: ReceivableBalance,
    amount: Decimal,
    *,
    charges: Decimal = ZERO,
    discount: Decimal = ZERO,
) -> ReceivableBalance:
    """Record a payment of ``amount``, of which ``charges`` paid multa and juros.

    ``discount`` is an early-payment discount granted with this payment: it settles principal
    without money. Anything beyond the balance becomes customer credit. A payment reaching a
    cancelled or renegotiated receivable is kept entirely as customer credit (the money is
    real; what to do with it is the caller's decision).
    """
    amount = _positive(amount, "amount")
    charges = _not_negative(charges, "charges")
    discount = _not_negative(discount, "discount")
    if charges > amount:
        raise ReceivableError("charges", f"{charges} is more than the payment {amount}")

    if state.status in CLOSED_BY_DECISION:
        return replace(state, customer_credit=state.customer_credit + amount)

    granted = min(discount, state.balance)
    after_discount = replace(state, discount_granted=state.discount_granted + granted)
    applied, surplus = _settle(after_discount, amount - charges)
    after = replace(
        after_discount,
        settled=state.settled + applied,
        charges_received=state.charges_received + charges,
        customer_credit=state.customer_credit + surplus,
    )
    return _moved(state, after)


def apply_credit(state: ReceivableBalance, amount: Decimal) -> ReceivableBalance:
    """Record a credit (credit note, later abatimento, customer credit used) of ``amount``."""
    return apply_payment(state, _positive(amount, "amount"))


def _give_back(state: ReceivableBalance, amount: Decimal, field: str) -> ReceivableBalance:
    amount = _positive(amount, field)
    refundable = state.customer_credit + state.settled + state.charges_received
    if amount > refundable:
        raise ReceivableError(field, f"{amount} is more than the {refundable} received")

    from_credit = min(amount, state.customer_credit)
    from_principal = min(amount - from_credit, state.settled)
    from_charges = amount - from_credit - from_principal
    after = replace(
        state,
        customer_credit=state.customer_credit - from_credit,
        settled=state.settled - from_principal,
        charges_received=state.charges_received - from_charges,
    )
    return _moved(state, after)


def apply_refund(state: ReceivableBalance, amount: Decimal) -> ReceivableBalance:
    """Give ``amount`` back to the payer; the principal refunded is owed again."""
    return _give_back(state, amount, "amount")


def apply_chargeback(state: ReceivableBalance, amount: Decimal) -> ReceivableBalance:
    """A card chargeback of ``amount``: money taken back, the balance restored as for a refund."""
    return _give_back(state, amount, "amount")


def apply_bank_settlement(
    state: ReceivableBalance,
    *,
    paid: Decimal,
    fee: Decimal,
    credited: Decimal,
    charges: Decimal = ZERO,
    discount: Decimal = ZERO,
) -> ReceivableBalance:
    """Record a bank liquidação: settled by ``paid``; ``fee`` is a cost, not a balance.

    ``credited`` must equal ``paid - fee``, the check that keeps a fee from being read as an
    unpaid centavo balance.
    """
    paid = _positive(paid, "paid")
    fee = _not_negative(fee, "fee")
    credited = _not_negative(credited, "credited")
    if paid - fee != credited:
        raise ReceivableError(
            "credited", f"{credited} is not the amount paid {paid} less the fee {fee}"
        )
    return apply_payment(state, paid, charges=charges, discount=discount)


def apply_status_event(state: ReceivableBalance, event: StatusEvent) -> EventOutcome:
    """Apply a money-less event; stale or informational events leave the state unchanged.

    ``waiting_payment`` and ``overdue`` never change a receivable (a late retry cannot reopen a
    paid one). ``cancelled`` and ``renegotiated`` close a receivable that still owes.
    """
    event = StatusEvent(event)
    if event in (StatusEvent.WAITING_PAYMENT, StatusEvent.OVERDUE):
        if state.status is PAID:
            reason = f"{event} does not reopen a paid receivable; only a refund or chargeback does"
        else:
            reason = f"{event} is informational; overdue follows from the due date"
        return EventOutcome(state, False, reason)

    target = CANCELLED if event is StatusEvent.CANCELLED else RENEGOTIATED
    if state.status is target:
        return EventOutcome(state, False, f"already {target}")
    if not can_transition(state.status, target):
        return EventOutcome(state, False, f"a {state.status} receivable cannot become {target}")
    return EventOutcome(replace(state, status=target), True)


def is_overdue(
    state: ReceivableBalance,
    due_date: date,
    as_of: datetime | date,
    calendar: BusinessCalendar | None = None,
) -> bool:
    """True when a balance remains after the due date (local dates, see ``days_overdue``)."""
    if state.balance == 0 or state.status in CLOSED_BY_DECISION:
        return False
    return days_overdue(due_date, as_of, calendar) > 0


def retotal(state: ReceivableBalance, total: Decimal) -> ReceivableBalance:
    """The ERP changed the amount owed: keep what was received, recompute balance and status.

    Money already settled beyond the new total becomes customer credit rather than a negative
    balance; a closed receivable (cancelled, renegotiated) keeps its status.
    """
    total = _positive(total, "total")
    if state.status in CLOSED_BY_DECISION:
        return replace(state, total=total)

    excess = max(ZERO, state.settled + state.discount_granted - total)
    settled = state.settled - excess
    after = replace(
        state,
        total=total,
        settled=settled,
        customer_credit=state.customer_credit + excess,
    )
    status = _money_status(after)
    return replace(after, status=status)


def reopen_cancelled(state: ReceivableBalance) -> ReceivableBalance:
    """Undo a cancellation or renegotiation (a compensation, a broken agreement)."""
    if state.status not in CLOSED_BY_DECISION:
        return state
    reopened = replace(state, status=OPEN)
    return replace(reopened, status=_money_status(reopened))
