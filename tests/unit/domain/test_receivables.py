"""The receivable's money state: partial payments, credits, refunds, fees and late events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from cobranca.domain.calendar import NATIONAL, SAO_PAULO
from cobranca.domain.receivables import (
    ALLOWED_TRANSITIONS,
    ReceivableError,
    ReceivableStatus,
    StatusEvent,
    apply_bank_settlement,
    apply_chargeback,
    apply_credit,
    apply_payment,
    apply_refund,
    apply_status_event,
    can_transition,
    is_overdue,
    open_receivable,
)

D = Decimal
OPEN = ReceivableStatus.OPEN
PARTIAL = ReceivableStatus.PARTIALLY_PAID
PAID = ReceivableStatus.PAID


def test_partial_is_partial() -> None:
    """TRAPS 11: 50.00; payment 10.00, credit 15.00, payment 25.00."""
    state = open_receivable(D("50.00"))

    state = apply_payment(state, D("10.00"))
    assert (state.status, state.balance) == (PARTIAL, D("40.00"))

    state = apply_credit(state, D("15.00"))
    assert (state.status, state.balance) == (PARTIAL, D("25.00"))

    state = apply_payment(state, D("25.00"))
    assert (state.status, state.balance) == (PAID, D("0.00"))
    assert state.customer_credit == D("0.00")


def test_bank_fee_is_not_an_open_balance() -> None:
    """TRAPS 4: title 100.00 paid 100.00, fee 1.40, credited 98.60 → settled."""
    state = apply_bank_settlement(
        open_receivable(D("100.00")), paid=D("100.00"), fee=D("1.40"), credited=D("98.60")
    )

    assert (state.status, state.balance) == (PAID, D("0.00"))
    assert state.settled == D("100.00")


def test_settlement_whose_credit_does_not_match_paid_less_fee_is_refused() -> None:
    with pytest.raises(
        ReceivableError, match=r"not the amount paid 100\.00 less the fee 1\.40"
    ) as error:
        apply_bank_settlement(
            open_receivable(D("100.00")), paid=D("100.00"), fee=D("1.40"), credited=D("100.00")
        )
    assert error.value.field == "credited"


def test_late_waiting_payment_never_reopens_a_paid_receivable() -> None:
    """TRAPS 7: `paid` (10:00:30) arrives before a retried `waiting_payment` (10:00:00)."""
    recorded: list[str] = []
    state = open_receivable(D("100.00"))

    # WHEN the payment event is processed first
    recorded.append("paid")
    state = apply_payment(state, D("100.00"))

    # AND the older waiting_payment event arrives afterwards
    recorded.append("waiting_payment")
    outcome = apply_status_event(state, StatusEvent.WAITING_PAYMENT)

    # THEN both events are stored, only the payment moved the status
    assert recorded == ["paid", "waiting_payment"]
    assert not outcome.applied
    assert outcome.state.status is PAID
    assert outcome.reason == (
        "waiting_payment does not reopen a paid receivable; only a refund or chargeback does"
    )
    assert not apply_status_event(state, "overdue").applied  # type: ignore[arg-type]


def test_status_events_on_an_open_receivable_are_informational() -> None:
    state = open_receivable(D("100.00"))
    outcome = apply_status_event(state, StatusEvent.OVERDUE)

    assert not outcome.applied
    assert outcome.state is state


def test_overpayment_is_kept_as_customer_credit() -> None:
    state = apply_payment(open_receivable(D("100.00")), D("120.00"))

    assert (state.status, state.balance, state.customer_credit) == (PAID, D("0.00"), D("20.00"))

    # A second payment of a paid title is all credit (the duplicate boleto case).
    state = apply_payment(state, D("100.00"))
    assert (state.status, state.customer_credit) == (PAID, D("120.00"))


def test_charges_paid_are_not_overpayment() -> None:
    # GIVEN 100.00 paid late with 2.33 of multa and juros
    state = apply_payment(open_receivable(D("100.00")), D("102.33"), charges=D("2.33"))

    assert (state.status, state.balance, state.customer_credit) == (PAID, D("0.00"), D("0.00"))
    assert state.charges_received == D("2.33")


def test_discount_settles_principal_without_money() -> None:
    state = apply_payment(open_receivable(D("100.00")), D("95.00"), discount=D("5.00"))

    assert (state.status, state.balance) == (PAID, D("0.00"))
    assert state.discount_granted == D("5.00")


def test_refund_reopens_with_the_balance_restored() -> None:
    state = apply_payment(open_receivable(D("50.00")), D("50.00"))

    state = apply_refund(state, D("20.00"))
    assert (state.status, state.balance) == (PARTIAL, D("20.00"))

    state = apply_refund(state, D("30.00"))
    assert (state.status, state.balance) == (OPEN, D("50.00"))


def test_chargeback_reopens_a_paid_receivable() -> None:
    state = apply_payment(open_receivable(D("80.00")), D("80.00"))

    state = apply_chargeback(state, D("80.00"))

    assert (state.status, state.balance, state.settled) == (OPEN, D("80.00"), D("0.00"))


def test_refund_gives_back_credit_first() -> None:
    state = apply_payment(open_receivable(D("100.00")), D("120.00"))

    state = apply_refund(state, D("20.00"))

    assert (state.status, state.balance, state.customer_credit) == (PAID, D("0.00"), D("0.00"))


def test_refund_of_more_than_received_is_refused() -> None:
    state = apply_payment(open_receivable(D("100.00")), D("30.00"))
    with pytest.raises(ReceivableError, match=r"30\.01 is more than the 30\.00 received") as error:
        apply_refund(state, D("30.01"))
    assert error.value.field == "amount"


def test_cancel_and_renegotiate_only_while_owing() -> None:
    open_state = open_receivable(D("100.00"))
    cancelled = apply_status_event(open_state, StatusEvent.CANCELLED)
    assert cancelled.applied
    assert (cancelled.state.status, cancelled.state.balance) == (
        ReceivableStatus.CANCELLED,
        D("0.00"),
    )

    partial = apply_payment(open_state, D("40.00"))
    renegotiated = apply_status_event(partial, StatusEvent.RENEGOTIATED)
    assert renegotiated.state.status is ReceivableStatus.RENEGOTIATED

    paid = apply_payment(open_state, D("100.00"))
    refused = apply_status_event(paid, StatusEvent.CANCELLED)
    assert not refused.applied
    assert refused.reason == "a paid receivable cannot become cancelled"

    again = apply_status_event(cancelled.state, StatusEvent.CANCELLED)
    assert (again.applied, again.reason) == (False, "already cancelled")


def test_payment_on_a_cancelled_receivable_is_kept_as_credit() -> None:
    cancelled = apply_status_event(open_receivable(D("100.00")), StatusEvent.CANCELLED).state

    state = apply_payment(cancelled, D("100.00"))

    assert state.status is ReceivableStatus.CANCELLED
    assert state.customer_credit == D("100.00")


def test_transition_table() -> None:
    assert can_transition(PAID, OPEN)
    assert can_transition(PAID, PAID)
    assert not can_transition(ReceivableStatus.CANCELLED, OPEN)
    assert not can_transition(ReceivableStatus.RENEGOTIATED, PAID)
    assert not can_transition(PAID, ReceivableStatus.CANCELLED)
    assert set(ALLOWED_TRANSITIONS) == set(ReceivableStatus)


@pytest.mark.parametrize(
    ("amount", "field", "message"),
    [(D("0"), "amount", "must be positive"), (D("-1.00"), "amount", "must be positive")],
)
def test_bad_payment_amounts(amount: Decimal, field: str, message: str) -> None:
    with pytest.raises(ReceivableError, match=message) as error:
        apply_payment(open_receivable(D("10.00")), amount)
    assert error.value.field == field


def test_charges_above_the_payment_are_refused() -> None:
    with pytest.raises(ReceivableError) as error:
        apply_payment(open_receivable(D("10.00")), D("1.00"), charges=D("2.00"))
    assert error.value.field == "charges"


def test_float_amounts_are_refused() -> None:
    with pytest.raises(ReceivableError, match="must be a Decimal") as error:
        open_receivable(10.0)  # type: ignore[arg-type]
    assert error.value.field == "total"


def test_overdue_follows_local_dates() -> None:
    state = open_receivable(D("100.00"))
    due = date(2025, 11, 20)

    assert not is_overdue(state, due, datetime(2025, 11, 20, 23, 30, tzinfo=SAO_PAULO))
    assert is_overdue(state, due, datetime(2025, 11, 21, 0, 30, tzinfo=SAO_PAULO))
    assert not is_overdue(apply_payment(state, D("100.00")), due, date(2025, 12, 1))
    assert not is_overdue(state, date(2020, 11, 28), date(2020, 11, 30), NATIONAL)
