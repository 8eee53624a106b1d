"""Business days in Brazil and local dates in America/Sao_Paulo.

Which days are holidays
-----------------------
A :class:`BusinessCalendar` closes on Saturdays, Sundays and the national public holidays that
the ``holidays`` library lists for Brazil (``country_holidays("BR")``, category ``public``: it
knows that 20 November became national from 2024 on). A state (``subdivision="SP"``) adds that
state's holidays, and ``extra_holidays`` adds any other date, typically the municipal holidays of
the payer's city that no library keeps.

With ``banking=True`` (the default) Carnival Monday and Tuesday are closed too: banks do not open
on them, so a boleto due on Carnival Monday is paid without charges on Wednesday. The
``holidays`` library has no Brazilian banking calendar. Its ``optional`` category is the federal
executive's list of *pontos facultativos*, which also holds Ash Wednesday, Corpus Christi,
Public Servant's Day (28 Oct) and the eves of Christmas and New Year, days on which banks clear
payments normally; its ``BVMF`` financial calendar is the B3 exchange's, not the banks'. So the
calendar takes the national list from the library and adds the two Carnival days itself,
counted back from Easter.

Local dates
-----------
A due date is a calendar date in São Paulo, never an instant. An instant (an aware ``datetime``)
becomes a business date with :func:`local_date`; naive datetimes are refused because their
meaning depends on the machine they run on.

The ``holidays`` package is imported on first use and each year's set is cached, so a Lambda
that never asks about holidays does not pay for the import at cold start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

SATURDAY = 5

# The 27 federative units (ISO 3166-2:BR suffixes) whose own holidays the library knows.
STATES = frozenset(
    {
        "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
        "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
    }
)  # fmt: skip


class CalendarError(ValueError):
    """A date or calendar setting that cannot be used; the message names what is wrong."""


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (the anonymous computus)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon + 15) % 30
    quarter, quarter_rest = divmod(year_of_century, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - epact - quarter_rest) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def carnival(year: int) -> tuple[date, date]:
    """Carnival Monday and Tuesday: 48 and 47 days before Easter Sunday."""
    easter = easter_sunday(year)
    return easter - timedelta(days=48), easter - timedelta(days=47)


@lru_cache(maxsize=512)
def _holidays_of(year: int, subdivision: str | None, banking: bool) -> frozenset[date]:
    import holidays

    listed = holidays.country_holidays("BR", subdiv=subdivision, years=year, categories=("public",))
    days: set[date] = set(listed.keys())
    if banking:
        days.update(carnival(year))
    return frozenset(days)


def _as_date(day: date, name: str) -> date:
    # datetime is a subclass of date: letting one through would smuggle a time of day (and a
    # time zone) into date arithmetic, which is exactly how UTC-midnight bugs start.
    if isinstance(day, datetime):
        raise TypeError(f"{name} must be a date, not a datetime; use local_date() first")
    if not isinstance(day, date):
        raise TypeError(f"{name} must be a date, got {type(day).__name__}")
    return day


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Which days are business days for a payer.

    ``extra_holidays`` are closed days the library does not know (municipal holidays, a bank
    strike day); ``banking`` closes Carnival Monday and Tuesday; ``subdivision`` is a state code
    (``"SP"``) whose state holidays are added.
    """

    extra_holidays: frozenset[date] = frozenset()
    banking: bool = True
    subdivision: str | None = None

    def __post_init__(self) -> None:
        extras = frozenset(_as_date(day, "extra holiday") for day in self.extra_holidays)
        object.__setattr__(self, "extra_holidays", extras)
        if self.subdivision is not None:
            code = self.subdivision.strip().upper()
            if code not in STATES:
                raise CalendarError(f"unknown Brazilian state {self.subdivision!r}")
            object.__setattr__(self, "subdivision", code)

    @classmethod
    def with_extra_holidays(cls, days: Iterable[date], *, banking: bool = True) -> BusinessCalendar:
        """A calendar closing on ``days`` besides weekends and national holidays."""
        return cls(extra_holidays=frozenset(days), banking=banking)

    def holidays_in(self, year: int) -> frozenset[date]:
        """The holidays of ``year`` on this calendar (weekends are closed but not listed)."""
        listed = _holidays_of(year, self.subdivision, self.banking)
        extras = {day for day in self.extra_holidays if day.year == year}
        return listed | extras if extras else listed

    def is_holiday(self, day: date) -> bool:
        """True when ``day`` is a holiday of this calendar (whatever the weekday)."""
        day = _as_date(day, "day")
        return day in self.extra_holidays or day in _holidays_of(
            day.year, self.subdivision, self.banking
        )

    def is_business_day(self, day: date) -> bool:
        """True on a weekday that is not a holiday."""
        day = _as_date(day, "day")
        return day.weekday() < SATURDAY and not self.is_holiday(day)

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``.

        Raises :class:`CalendarError` when none is left before ``date.max`` (9999-12-31).
        """
        candidate = _as_date(day, "day")
        try:
            candidate += timedelta(days=1)
            while not self.is_business_day(candidate):
                candidate += timedelta(days=1)
        except OverflowError:
            raise CalendarError(
                f"no business day after {day.isoformat()} up to 9999-12-31"
            ) from None
        return candidate

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``.

        Raises :class:`CalendarError` when none is left after ``date.min`` (0001-01-01).
        """
        candidate = _as_date(day, "day")
        try:
            candidate -= timedelta(days=1)
            while not self.is_business_day(candidate):
                candidate -= timedelta(days=1)
        except OverflowError:
            raise CalendarError(
                f"no business day before {day.isoformat()} from 0001-01-01"
            ) from None
        return candidate

    def shift_due_date(self, due_date: date) -> date:
        """The due date itself when it is a business day, else the next business day.

        Lei 7.089/1983 art. 1: a title due on a Saturday, Sunday or holiday may be paid on the
        first business day after it without interest or fine.
        """
        due_date = _as_date(due_date, "due_date")
        return due_date if self.is_business_day(due_date) else self.next_business_day(due_date)

    def add_business_days(self, day: date, count: int) -> date:
        """``day`` moved by ``count`` business days (backwards when ``count`` is negative).

        Zero returns ``day`` unchanged even when it is not a business day.
        """
        moved = _as_date(day, "day")
        step = self.next_business_day if count > 0 else self.previous_business_day
        for _ in range(abs(count)):
            moved = step(moved)
        return moved

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days lie after ``start`` up to and including ``end``.

        Negative when ``end`` is before ``start`` (the count from ``end`` to ``start``).
        """
        start = _as_date(start, "start")
        end = _as_date(end, "end")
        if end < start:
            return -self.business_days_between(end, start)

        # Stepping by offset rather than past ``end`` keeps an end of 9999-12-31 representable.
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_business_day(start + timedelta(days=offset))
        )


NATIONAL = BusinessCalendar()
"""Weekends, national holidays and the banks' Carnival Monday and Tuesday."""


def local_date(moment: datetime) -> date:
    """The date in America/Sao_Paulo of an aware instant."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError("a naive datetime has no place on the calendar; attach its tzinfo")
    return moment.astimezone(SAO_PAULO).date()


def is_business_day(day: date, calendar: BusinessCalendar = NATIONAL) -> bool:
    """True on a weekday that is not a holiday of ``calendar``."""
    return calendar.is_business_day(day)


def next_business_day(day: date, calendar: BusinessCalendar = NATIONAL) -> date:
    """The first business day strictly after ``day``."""
    return calendar.next_business_day(day)


def add_business_days(day: date, count: int, calendar: BusinessCalendar = NATIONAL) -> date:
    """``day`` moved by ``count`` business days."""
    return calendar.add_business_days(day, count)


def shift_due_date(due_date: date, calendar: BusinessCalendar = NATIONAL) -> date:
    """A due date on a weekend or holiday moves to the next business day."""
    return calendar.shift_due_date(due_date)


def days_overdue(
    due_date: date,
    as_of: datetime | date,
    calendar: BusinessCalendar | None = None,
) -> int:
    """Whole days past a date-only due date, as the payer in São Paulo counts them.

    ``as_of`` is either a local date or an aware instant, which is first turned into its São
    Paulo date: due 2025-11-20 is not overdue at 2025-11-20 23:30 local (02:30 UTC the next
    day) and is one day overdue at 2025-11-21 00:30 local.

    With a ``calendar``, nothing is overdue up to the business-day-adjusted due date (Lei
    7.089/1983); past it the days are counted from the original due date.
    """
    due_date = _as_date(due_date, "due_date")
    today = local_date(as_of) if isinstance(as_of, datetime) else _as_date(as_of, "as_of")

    if calendar is not None and today <= calendar.shift_due_date(due_date):
        return 0
    return max(0, (today - due_date).days)
