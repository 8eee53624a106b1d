"""Fator de vencimento: the due date as a four-digit day count in the boleto barcode.

FEBRABAN counts days from 1997-10-07 (base date); the count reached 9999 on 2025-02-21 and on
2025-02-22 restarted at 1000, and it restarts at 1000 again every 9000 days (2049-10-14 next).
Factor 0000 means "no due date" (contra-apresentação). Factors 0001..0999 belonged only to the
first days of the first cycle (1997-10-08 .. 2000-07-02) and are rejected.

A factor names a date in each cycle, so reading one needs a reference date. FEBRABAN's CENEGESC
rule (Comunicado 082/2012) accepts the reading that falls from 3000 days before to 5500 days
after the reference; that window is 8501 days wide and the cycle 9000, so at most one reading
falls inside it. When none does (a boleto long expired, or one issued absurdly far ahead), the
reading nearest the reference is returned, the earlier one on a tie.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BASE_DATE = date(1997, 10, 7)
FIRST_FATOR = 1000
LAST_FATOR = 9999
CYCLE_DAYS = LAST_FATOR - FIRST_FATOR + 1
NO_DUE_DATE = 0
WINDOW_DAYS_BEFORE = 3000
WINDOW_DAYS_AFTER = 5500

_BUSINESS_ZONE = ZoneInfo("America/Sao_Paulo")


class FatorError(ValueError):
    """A due date that has no factor, or a factor that names no date."""


def business_date(when: date | datetime) -> date:
    """The calendar date a due date means: aware datetimes are read in America/Sao_Paulo.

    A due date that carries a time of day (2025-02-21T15:00-03:00) is still that day; naive
    datetimes are taken as already local.
    """
    if isinstance(when, datetime):
        if when.tzinfo is not None:
            return when.astimezone(_BUSINESS_ZONE).date()
        return when.date()
    return when


def fator_from_date(due_date: date | datetime) -> int:
    """The fator de vencimento of a due date (1000..9999), across the 2025-02-22 restart."""
    day = business_date(due_date)
    elapsed = (day - BASE_DATE).days
    if elapsed < FIRST_FATOR:
        first_day = BASE_DATE + timedelta(days=FIRST_FATOR)
        raise FatorError(
            f"due date {day.isoformat()} is before {first_day.isoformat()}, "
            "the first day with a four-digit fator"
        )
    return (elapsed - FIRST_FATOR) % CYCLE_DAYS + FIRST_FATOR


def check_fator(fator: int) -> None:
    """Reject a factor outside 0000 and 1000..9999, with the reason."""
    if fator == NO_DUE_DATE or FIRST_FATOR <= fator <= LAST_FATOR:
        return
    raise FatorError(
        f"fator {fator:04d} is not a valid fator (0000 = no due date; valid range 1000..9999)"
    )


def date_candidates(fator: int, reference: date) -> list[date]:
    """Every cycle's reading of ``fator`` from the cycle before the reference's to the one after.

    Readings past 9999-12-31 do not exist as dates and are left out.
    """
    check_fator(fator)
    cycle_of_reference = max(0, ((reference - BASE_DATE).days - FIRST_FATOR) // CYCLE_DAYS)
    cycles = range(max(0, cycle_of_reference - 1), cycle_of_reference + 2)
    last_offset = (date.max - BASE_DATE).days
    return [
        BASE_DATE + timedelta(days=fator + cycle * CYCLE_DAYS)
        for cycle in cycles
        if fator + cycle * CYCLE_DAYS <= last_offset
    ]


def in_window(day: date, reference: date) -> bool:
    """Whether ``day`` lies in FEBRABAN's window around ``reference`` (-3000 .. +5500 days)."""
    offset = (day - reference).days
    return -WINDOW_DAYS_BEFORE <= offset <= WINDOW_DAYS_AFTER


def date_from_fator(fator: int, reference: date | datetime) -> date | None:
    """The due date a factor names, read against ``reference``; ``None`` for fator 0000.

    The reading inside FEBRABAN's window wins; when none is inside, the nearest reading is
    returned (see the module notes).
    """
    check_fator(fator)
    if fator == NO_DUE_DATE:
        return None

    anchor = business_date(reference)
    candidates = date_candidates(fator, anchor)
    inside = [day for day in candidates if in_window(day, anchor)]
    if inside:
        return inside[0]
    return min(candidates, key=lambda day: (abs((day - anchor).days), day))
