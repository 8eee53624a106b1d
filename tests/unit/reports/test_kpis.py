"""KPI definitions with exact values, including the aging boundaries of TRAPS 13."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cobranca.domain.kpis import (
    Snapshot,
    aging,
    bucket_of,
    delinquency,
    dso,
    payment_probabilities,
    recovery_rate,
    weekly_forecast,
)
from hypothesis import given
from hypothesis import strategies as st


def snap(  # noqa: PLR0917 - rows of test data read best positionally
    rid: str,
    due: str,
    amount: str,
    balance: str | None = None,
    status: str = "open",
    paid_on: str | None = None,
    issue: str = "2026-01-01",
) -> Snapshot:
    return Snapshot(
        receivable_id=rid,
        issue_date=date.fromisoformat(issue),
        due_date=date.fromisoformat(due),
        amount=Decimal(amount),
        balance=Decimal(balance if balance is not None else amount),
        status=status,
        paid_on=None if paid_on is None else date.fromisoformat(paid_on),
    )


def test_traps_13_aging_boundaries_add_up() -> None:
    # GIVEN four open receivables 30, 31, 60 and 61 days late on 2026-03-31
    as_of = date(2026, 3, 31)
    items = [
        snap("a", "2026-03-01", "100.00"),
        snap("b", "2026-02-28", "200.00"),
        snap("c", "2026-01-30", "300.00"),
        snap("d", "2026-01-29", "400.00"),
    ]

    # WHEN they are aged
    result = aging(items, as_of)

    # THEN 0-30 holds 100.00, 31-60 holds 500.00, 61+ holds 400.00, and the total is 1,000.00
    assert [items[i].days_late(as_of) for i in range(4)] == [30, 31, 60, 61]
    assert result.amounts["1-30"] == Decimal("100.00")
    assert result.amounts["31-60"] == Decimal("500.00")
    assert result.amounts["61-90"] + result.amounts["90+"] == Decimal("400.00")
    assert result.total == Decimal("1000.00")
    assert result.counts == {"a_vencer": 0, "1-30": 1, "31-60": 2, "61-90": 1, "90+": 0}


def test_due_today_is_not_late_and_paid_or_cancelled_are_not_open() -> None:
    as_of = date(2026, 3, 31)
    items = [
        snap("today", "2026-03-31", "50.00"),
        snap("paid", "2026-01-01", "70.00", balance="0.00", status="paid", paid_on="2026-01-05"),
        snap("gone", "2026-01-01", "80.00", status="cancelled"),
        snap("part", "2026-01-01", "90.00", balance="40.00", status="partially_paid"),
    ]

    result = aging(items, as_of)

    assert result.amounts["a_vencer"] == Decimal("50.00")
    assert result.amounts["61-90"] == Decimal("40.00")
    assert result.total == Decimal("90.00")


def test_delinquency_by_count_and_value() -> None:
    as_of = date(2026, 3, 31)
    items = [
        snap("a", "2026-04-10", "300.00"),
        snap("b", "2026-03-21", "100.00"),
        snap("c", "2026-02-19", "600.00"),
    ]

    result = delinquency(items, as_of)

    assert (result.open_count, result.overdue_count) == (3, 2)
    assert result.open_amount == Decimal("1000.00")
    assert result.overdue_amount == Decimal("700.00")
    assert result.rate_by_count == Decimal("0.6667")
    assert result.rate_by_value == Decimal("0.7000")
    assert result.average_days_late == Decimal("25.0")  # (10 + 40) / 2
    # (10 x 100 + 40 x 600) / 700 = 35.71...
    assert result.weighted_days_late == Decimal("35.7")


def test_dso_over_ninety_days() -> None:
    as_of = date(2026, 3, 31)
    items = [
        snap("a", "2026-04-30", "3000.00", issue="2026-03-01"),
        snap(
            "b",
            "2026-03-30",
            "6000.00",
            balance="0.00",
            status="paid",
            issue="2026-02-01",
            paid_on="2026-03-30",
        ),
        snap("c", "2025-10-30", "1000.00", issue="2025-09-30"),
    ]

    # open 4,000.00 over 9,000.00 invoiced in 90 days, times 90
    assert dso(items, as_of) == Decimal("40.0")
    assert dso([], as_of) == Decimal("0.0")


def test_recovery_rate_counts_only_what_went_overdue() -> None:
    items = [
        snap(
            "on-time", "2026-02-10", "100.00", balance="0.00", status="paid", paid_on="2026-02-10"
        ),
        snap(
            "late-paid", "2026-02-10", "300.00", balance="0.00", status="paid", paid_on="2026-03-01"
        ),
        snap("still-late", "2026-02-15", "100.00"),
    ]

    rate = recovery_rate(items, date(2026, 2, 1), date(2026, 2, 28))

    assert rate == Decimal("0.7500")


def test_probabilities_are_learned_per_bucket_from_history() -> None:
    as_of = date(2026, 6, 30)
    history = [
        snap("p0", "2026-01-10", "100.00", "0.00", "paid", "2026-01-09", issue="2025-12-10"),
        snap("p1", "2026-01-10", "100.00", "0.00", "paid", "2026-01-20", issue="2025-12-10"),
        snap("p2", "2026-01-10", "100.00", "0.00", "paid", "2026-02-20", issue="2025-12-10"),
        snap("n", "2026-01-10", "100.00", issue="2025-12-10"),
    ]

    learned = payment_probabilities(history, as_of)

    assert learned.by_bucket["a_vencer"] == Decimal("0.2500")  # 1 of 4 on time
    assert learned.by_bucket["1-30"] == Decimal("0.3333")  # 1 of the 3 that entered
    assert learned.by_bucket["31-60"] == Decimal("0.5000")  # 1 of 2
    assert learned.by_bucket["61-90"] == Decimal("0.0000")


def test_forecast_never_expects_more_than_is_owed() -> None:
    as_of = date(2026, 3, 2)
    learned = payment_probabilities(
        [snap("h", "2026-01-10", "100.00", "0.00", "paid", "2026-01-10", issue="2025-12-01")],
        as_of,
    )
    items = [snap("soon", "2026-03-04", "500.00"), snap("late", "2026-02-01", "250.00")]

    weeks = weekly_forecast(items, learned, as_of, weeks=4)

    assert weeks[0].week_start == as_of
    assert weeks[0].due == Decimal("500.00")
    assert weeks[0].expected == Decimal("500.00")  # always paid on time in this history
    assert sum(week.expected for week in weeks) <= Decimal("750.00")


@given(st.integers(min_value=-400, max_value=4000))
def test_every_day_count_has_exactly_one_bucket(days: int) -> None:
    name = bucket_of(days)
    assert name in {"a_vencer", "1-30", "31-60", "61-90", "90+"}
    assert (name == "a_vencer") == (days <= 0)
