"""Parcelamento: a debt split into parcelas, with or without juros (tabela Price).

Terms: a **parcela** is one installment; the **entrada** is a down payment with its own date;
**amortização** is the part of a parcela that repays principal; the **tabela Price** is the
French amortisation system, where every parcela has the same amount.

Policies
--------
*Without juros* the amount to split is cut into whole centavos by
:func:`cobranca.domain.money.allocate`; the centavos left over go one each to the last
parcelas (100.00 in three: 33.33, 33.33, 33.34), so the parcelas always add up to the total.

*Tabela Price.* The parcela is ``PMT = P x i / (1 - (1 + i) ** -n)``, computed at full
``Decimal`` precision and rounded once to the centavo (half up). Each period's juros is the open
balance times ``i``, rounded once; the amortização is the parcela minus that juros. The last
parcela amortises exactly the balance left, so it absorbs the rounding residue: the
amortizações always add up to the financed principal, and the last amount may differ from the
others by a few centavos. Those centavos compound at the rate, so a small debt split into many
parcelas at a high rate could be repaid before its last parcela; such a plan is refused
(``InstallmentError`` on ``count``).

*Entrada* is parcela number 0: no juros, due on its own date, and it reduces the financed
principal before any split.

*Dates.* Monthly due dates keep the day of the first due date: 31 Jan, 28 (or 29) Feb, 31 Mar,
never drifting to the 28th. With a calendar, a date on a weekend or holiday moves to the next
business day; juros stay computed per monthly period (the payer loses nothing by the move, Lei
7.089/1983).
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext

from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.money import ZERO, allocate, money, round_money

MAX_INSTALLMENTS = 600
HUNDRED = Decimal(100)


class InstallmentError(ValueError):
    """A parcelamento request that cannot be planned; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Parcela:
    """One line of a schedule. ``balance`` is the principal still owed after paying it."""

    number: int
    due_date: date
    amount: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class InstallmentPlan:
    """A schedule: the entrada (number 0, when any) followed by the parcelas 1..n."""

    parcelas: tuple[Parcela, ...]
    financed: Decimal
    entrada: Decimal
    monthly_rate: Decimal

    @property
    def total(self) -> Decimal:
        """Everything the payer pays: entrada, amortizações and juros."""
        return sum((parcela.amount for parcela in self.parcelas), ZERO)

    @property
    def total_interest(self) -> Decimal:
        """The juros of the whole schedule."""
        return sum((parcela.interest for parcela in self.parcelas), ZERO)

    @property
    def installments(self) -> tuple[Parcela, ...]:
        """The parcelas without the entrada."""
        return tuple(parcela for parcela in self.parcelas if parcela.number > 0)


def _amount(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InstallmentError(field, f"must be a decimal string or Decimal, not {type(value)}")
    try:
        return money(value)
    except ValueError as error:
        raise InstallmentError(field, str(error)) from None


def _date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InstallmentError(field, "must be a date (YYYY-MM-DD)")
    return value


def _count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise InstallmentError("count", "must be a whole number of parcelas")
    if not 1 <= count <= MAX_INSTALLMENTS:
        raise InstallmentError("count", f"must be between 1 and {MAX_INSTALLMENTS}, got {count}")
    return count


def add_months(day: date, months: int, *, anchor_day: int | None = None) -> date:
    """``day`` moved by ``months`` calendar months, on ``anchor_day`` (default: ``day.day``).

    When the target month is shorter the last day of that month is used, without moving the
    anchor: 31 Jan + 1 month is 28 Feb (29 in a leap year), + 2 months is 31 Mar.
    """
    anchor = day.day if anchor_day is None else anchor_day
    if not 1 <= anchor <= 31:
        raise InstallmentError("anchor_day", f"must be a day of the month, got {anchor}")
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor, last_day))


def monthly_due_dates(
    first_due: date, count: int, *, calendar: BusinessCalendar | None = None
) -> tuple[date, ...]:
    """``count`` monthly due dates from ``first_due``, anchored on its day of the month.

    With ``calendar``, each date on a weekend or holiday moves to the next business day; the
    anchor stays on the original day, so one moved date does not push the next ones.
    """
    first_due = _date(first_due, "first_due")
    count = _count(count)
    dates = [add_months(first_due, offset) for offset in range(count)]
    if calendar is not None:
        dates = [calendar.shift_due_date(day) for day in dates]
    return tuple(dates)


def _enough_for(amount: Decimal, count: int) -> None:
    if amount < count * Decimal("0.01"):
        raise InstallmentError("count", f"{amount} cannot make {count} parcelas of at least 0.01")


def _entrada_line(
    total: Decimal, entrada: Decimal | None, entrada_due: date | None, first_due: date
) -> tuple[Decimal, list[Parcela]]:
    if entrada is None:
        if entrada_due is not None:
            raise InstallmentError("entrada_due", "given without an entrada")
        return ZERO, []

    amount = _amount(entrada, "entrada")
    if not ZERO < amount < total:
        raise InstallmentError("entrada", f"must be more than 0 and less than {total}")
    if entrada_due is None:
        raise InstallmentError("entrada_due", "an entrada needs its own due date")
    entrada_due = _date(entrada_due, "entrada_due")
    if entrada_due > first_due:
        raise InstallmentError("entrada_due", f"{entrada_due} is after the first parcela")
    line = Parcela(0, entrada_due, amount, ZERO, amount, total - amount)
    return amount, [line]


def split_installments(
    total: Decimal,
    count: int,
    first_due: date,
    *,
    entrada: Decimal | None = None,
    entrada_due: date | None = None,
    calendar: BusinessCalendar | None = None,
) -> InstallmentPlan:
    """Split ``total`` (less any entrada) into ``count`` monthly parcelas without juros.

    The parcelas differ by at most one centavo and add up to the amount exactly.
    """
    total = _amount(total, "total")
    if total <= 0:
        raise InstallmentError("total", f"must be positive, got {total}")
    first_due = _date(first_due, "first_due")
    down, lines = _entrada_line(total, entrada, entrada_due, first_due)
    financed = total - down
    dates = monthly_due_dates(first_due, count, calendar=calendar)
    _enough_for(financed, count)

    balance = financed
    for number, (due, share) in enumerate(zip(dates, allocate(financed, count), strict=True), 1):
        balance -= share
        lines.append(Parcela(number, due, share, ZERO, share, balance))
    return InstallmentPlan(tuple(lines), financed, down, ZERO)


def _rate(monthly_rate: object) -> Decimal:
    if isinstance(monthly_rate, bool | float):
        raise InstallmentError("monthly_rate", "must be a decimal string or Decimal")
    try:
        rate = Decimal(monthly_rate) if isinstance(monthly_rate, str | int) else monthly_rate
    except InvalidOperation:
        raise InstallmentError("monthly_rate", f"not a number: {monthly_rate!r}") from None
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise InstallmentError("monthly_rate", f"not a number: {monthly_rate!r}")
    if rate < 0:
        raise InstallmentError("monthly_rate", f"cannot be negative, got {rate}%")
    return rate


def price_installment(principal: Decimal, monthly_rate: Decimal, count: int) -> Decimal:
    """The tabela Price parcela for ``principal`` at ``monthly_rate`` % a month, ``count`` times.

    ``PMT = P x i / (1 - (1 + i) ** -n)`` at full precision, rounded once (half up). A rate of
    zero divides the principal evenly (rounded; :func:`split_installments` places the centavos).
    """
    principal = _amount(principal, "principal")
    rate = _rate(monthly_rate)
    count = _count(count)
    if rate == 0:
        return round_money(principal / count)

    with localcontext() as context:
        context.prec = 50
        i = rate / HUNDRED
        payment = principal * i / (1 - (1 + i) ** -count)
    return round_money(payment)


def price_schedule(
    principal: Decimal,
    monthly_rate: Decimal,
    count: int,
    first_due: date,
    *,
    entrada: Decimal | None = None,
    entrada_due: date | None = None,
    calendar: BusinessCalendar | None = None,
) -> InstallmentPlan:
    """A tabela Price schedule: equal parcelas, juros on the open balance, exact amortização.

    ``principal`` is the whole debt; an ``entrada`` comes off it before financing. The last
    parcela amortises exactly what is left, so the amortizações add up to the financed
    principal and the amounts add up to it plus the juros.
    """
    principal = _amount(principal, "principal")
    if principal <= 0:
        raise InstallmentError("principal", f"must be positive, got {principal}")
    rate = _rate(monthly_rate)
    first_due = _date(first_due, "first_due")
    down, lines = _entrada_line(principal, entrada, entrada_due, first_due)
    financed = principal - down
    if rate == 0:
        plan = split_installments(financed, count, first_due, calendar=calendar)
        return InstallmentPlan(tuple(lines) + plan.parcelas, financed, down, rate)

    payment = price_installment(financed, rate, count)
    dates = monthly_due_dates(first_due, count, calendar=calendar)
    _enough_for(financed, count)
    i = rate / HUNDRED
    balance = financed
    for number, due in enumerate(dates, start=1):
        interest = round_money(balance * i)
        amortizacao = balance if number == count else min(payment - interest, balance)
        balance -= amortizacao
        if balance == 0 and number < count:
            # Maintenance: the centavos rounded off the PMT and each juros compound at the
            # rate, so a small debt over many parcelas at a high rate is repaid before the last
            # one; such a plan is refused rather than shown with empty parcelas. Serving it
            # would need a different residue placement than "the last parcela absorbs it".
            raise InstallmentError(
                "count", f"{financed} is repaid by parcela {number}; {count} are too many"
            )
        lines.append(Parcela(number, due, amortizacao + interest, interest, amortizacao, balance))
    return InstallmentPlan(tuple(lines), financed, down, rate)
