"""Collection KPIs as pure functions over receivable snapshots: where the numbers come from.

Definitions (as of a date ``as_of``; "open" means a balance above zero and not cancelled or
renegotiated; days late are calendar days after the due date, local dates):

- **Aging** buckets the open balance by days late: ``a_vencer`` (not yet due, or due today),
  ``1-30``, ``31-60``, ``61-90`` and ``90+``. Bucket totals always add up to the open total.
- **Delinquency rate** is the overdue share of what is open, by count and by value.
- **Average days late** is the mean of days late over overdue open receivables, plain and
  weighted by balance.
- **DSO** (days sales outstanding) is the open balance divided by the amount invoiced in the
  last ``period_days``, times ``period_days``.
- **Recovery rate** is, over receivables whose due date fell in the period and that went
  overdue, the share of their amount that was paid after the due date.
- **Forecast**: expected receipts per week, each open balance weighted by the probability of
  payment learned from the tenant's own history per days-late bucket (see
  :func:`payment_probabilities` and :func:`weekly_forecast`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from cobranca.domain.money import ZERO, money, round_money

BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("a_vencer", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
"""(name, first day late, last day late) of each aging bucket; None means no upper bound."""

OPEN = frozenset({"open", "partially_paid"})


@dataclass(frozen=True)
class Snapshot:
    """What the KPIs need to know about one receivable."""

    receivable_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    balance: Decimal
    status: str
    paid_on: date | None = None
    customer_id: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN and self.balance > 0

    def days_late(self, as_of: date) -> int:
        return (as_of - self.due_date).days


def bucket_of(days_late: int) -> str:
    """The aging bucket of a number of days late (any day not yet late is ``a_vencer``)."""
    if days_late <= 0:
        # The table's lower bound is only a number; a due date further ahead is still a_vencer.
        return BUCKETS[0][0]
    for name, first, last in BUCKETS:
        if days_late >= first and (last is None or days_late <= last):
            return name
    raise ValueError(f"no bucket for {days_late} days")


@dataclass(frozen=True)
class Aging:
    """Open balance and count per bucket, and the total they add up to."""

    amounts: dict[str, Decimal]
    counts: dict[str, int]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def aging(snapshots: Iterable[Snapshot], as_of: date) -> Aging:
    """Open balances by days-late bucket as of ``as_of``."""
    amounts = {name: ZERO for name, _, _ in BUCKETS}
    counts = dict.fromkeys(amounts, 0)
    for snapshot in snapshots:
        if not snapshot.is_open:
            continue
        name = bucket_of(snapshot.days_late(as_of))
        amounts[name] += money(snapshot.balance)
        counts[name] += 1
    return Aging(amounts, counts)


@dataclass(frozen=True)
class Delinquency:
    """Overdue share of the open portfolio."""

    open_count: int
    overdue_count: int
    open_amount: Decimal
    overdue_amount: Decimal
    rate_by_count: Decimal
    rate_by_value: Decimal
    average_days_late: Decimal
    weighted_days_late: Decimal


def _ratio(part: Decimal, whole: Decimal, places: str = "0.0001") -> Decimal:
    if whole == 0:
        return Decimal(0).quantize(Decimal(places))
    return (part / whole).quantize(Decimal(places))


def delinquency(snapshots: Iterable[Snapshot], as_of: date) -> Delinquency:
    """Delinquency rates by count and value, and average days late."""
    open_items = [snapshot for snapshot in snapshots if snapshot.is_open]
    overdue = [snapshot for snapshot in open_items if snapshot.days_late(as_of) > 0]
    open_amount = sum((money(item.balance) for item in open_items), ZERO)
    overdue_amount = sum((money(item.balance) for item in overdue), ZERO)
    days = [Decimal(item.days_late(as_of)) for item in overdue]
    weighted = sum((Decimal(item.days_late(as_of)) * money(item.balance) for item in overdue), ZERO)
    return Delinquency(
        open_count=len(open_items),
        overdue_count=len(overdue),
        open_amount=open_amount,
        overdue_amount=overdue_amount,
        rate_by_count=_ratio(Decimal(len(overdue)), Decimal(len(open_items))),
        rate_by_value=_ratio(overdue_amount, open_amount),
        average_days_late=_ratio(sum(days, Decimal(0)), Decimal(len(days)), "0.1"),
        weighted_days_late=_ratio(weighted, overdue_amount, "0.1"),
    )


def dso(snapshots: Iterable[Snapshot], as_of: date, period_days: int = 90) -> Decimal:
    """Days sales outstanding over the last ``period_days`` (0 when nothing was invoiced)."""
    items = list(snapshots)
    start = as_of - timedelta(days=period_days)
    invoiced = sum((money(item.amount) for item in items if start < item.issue_date <= as_of), ZERO)
    outstanding = sum((money(item.balance) for item in items if item.is_open), ZERO)
    if invoiced == 0:
        return Decimal("0.0")
    return (outstanding / invoiced * period_days).quantize(Decimal("0.1"))


def recovery_rate(snapshots: Iterable[Snapshot], start: date, end: date) -> Decimal:
    """Share of the amount that went overdue (due in [start, end]) later paid after the due."""
    went_overdue = ZERO
    recovered = ZERO
    for item in snapshots:
        if not start <= item.due_date <= end or item.status in {"cancelled", "renegotiated"}:
            continue
        paid_on_time = item.paid_on is not None and item.paid_on <= item.due_date
        if paid_on_time:
            continue
        went_overdue += money(item.amount)
        if item.paid_on is not None:
            recovered += money(item.amount) - money(item.balance)
    return _ratio(recovered, went_overdue)


@dataclass(frozen=True)
class Probabilities:
    """Per bucket: the chance that a receivable still unpaid on entering it gets paid in it."""

    by_bucket: dict[str, Decimal]
    observed: dict[str, int] = field(default_factory=dict)


def payment_probabilities(history: Iterable[Snapshot], as_of: date) -> Probabilities:
    """Learn, from past receivables, how likely payment is within each days-late bucket.

    A receivable counts as "entering" a bucket when it was still unpaid at the bucket's first
    day and that day is in the past; it counts as "paid in" the bucket when it was fully paid
    on a day that falls in the bucket. The probability is paid-in / entering, by amount.
    """
    entering = {name: ZERO for name, _, _ in BUCKETS}
    paid_in = {name: ZERO for name, _, _ in BUCKETS}
    observed = dict.fromkeys(entering, 0)
    for item in history:
        if item.status in {"cancelled", "renegotiated"}:
            continue
        amount = money(item.amount)
        paid_bucket = None if item.paid_on is None else bucket_of(item.days_late(item.paid_on))
        for name, first, _last in BUCKETS:
            starts = item.issue_date if name == "a_vencer" else item.due_date + timedelta(first)
            if starts > as_of:
                break
            entering[name] += amount
            observed[name] += 1
            if name == paid_bucket:
                paid_in[name] += amount
                break
    return Probabilities(
        {name: _ratio(paid_in[name], entering[name]) for name in entering}, observed
    )


def bucket_order(name: str) -> int:
    return [bucket for bucket, _, _ in BUCKETS].index(name)


@dataclass(frozen=True)
class WeekForecast:
    """Expected receipts in one week starting on ``week_start``."""

    week_start: date
    expected: Decimal
    due: Decimal


def weekly_forecast(
    snapshots: Sequence[Snapshot],
    probabilities: Probabilities,
    as_of: date,
    weeks: int = 8,
) -> list[WeekForecast]:
    """Expected receipts per week: balances weighted by the learned bucket probabilities.

    A receivable not yet due is expected in the week of its due date with the ``a_vencer``
    probability. An overdue receivable is expected, each week, with its bucket's probability
    spread evenly over the bucket's days (the ``90+`` bucket over 90 days), applied to what is
    still expected to be unpaid, so the same money is never forecast twice.
    """
    widths = {"1-30": 30, "31-60": 30, "61-90": 30, "90+": 90}
    expected = [ZERO] * weeks
    due = [ZERO] * weeks
    for item in snapshots:
        if not item.is_open:
            continue
        remaining = money(item.balance)
        for week in range(weeks):
            start = as_of + timedelta(days=7 * week)
            end = start + timedelta(days=6)
            if item.due_date > end:
                continue
            if start <= item.due_date <= end:
                due[week] += money(item.balance)
            late = (start - item.due_date).days
            if late <= 0:
                chance = probabilities.by_bucket["a_vencer"]
            else:
                name = bucket_of(late)
                chance = min(Decimal(1), probabilities.by_bucket[name] * 7 / widths[name])
            portion = remaining * chance
            expected[week] += portion
            remaining -= portion
    return [
        WeekForecast(as_of + timedelta(days=7 * week), round_money(expected[week]), due[week])
        for week in range(weeks)
    ]
