"""Business days, holidays and São Paulo local dates (TRAPS 5)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from cobranca.domain.calendar import (
    NATIONAL,
    SAO_PAULO,
    BusinessCalendar,
    CalendarError,
    add_business_days,
    carnival,
    days_overdue,
    easter_sunday,
    is_business_day,
    local_date,
    next_business_day,
    shift_due_date,
)

NON_BANKING = BusinessCalendar(banking=False)


class TestLocalDueDates:
    """TRAPS 5: a date-only due date is a São Paulo date, never UTC midnight."""

    def test_not_overdue_late_on_the_due_date(self) -> None:
        as_of = datetime(2025, 11, 20, 23, 30, tzinfo=SAO_PAULO)
        assert days_overdue(date(2025, 11, 20), as_of) == 0

    def test_one_day_overdue_just_after_local_midnight(self) -> None:
        as_of = datetime(2025, 11, 21, 0, 30, tzinfo=SAO_PAULO)
        assert days_overdue(date(2025, 11, 20), as_of) == 1

    def test_a_utc_instant_is_read_in_sao_paulo(self) -> None:
        # GIVEN 02:30 UTC on the 21st, which is 23:30 of the 20th in São Paulo (UTC-3)
        as_of = datetime(2025, 11, 21, 2, 30, tzinfo=UTC)

        # THEN the local date is the 20th and the title due on the 20th is not overdue
        assert local_date(as_of) == date(2025, 11, 20)
        assert days_overdue(date(2025, 11, 20), as_of) == 0
        assert days_overdue(date(2025, 11, 20), as_of + timedelta(hours=1)) == 1

    def test_a_naive_datetime_is_refused(self) -> None:
        with pytest.raises(CalendarError, match="naive"):
            local_date(datetime(2025, 11, 20, 23, 30))

    def test_a_datetime_is_not_a_due_date(self) -> None:
        with pytest.raises(TypeError, match="due_date must be a date"):
            days_overdue(datetime(2025, 11, 20, tzinfo=SAO_PAULO), date(2025, 11, 21))

    def test_days_overdue_with_a_date_and_before_due(self) -> None:
        assert days_overdue(date(2025, 11, 20), date(2025, 12, 20)) == 30
        assert days_overdue(date(2025, 11, 20), date(2025, 11, 1)) == 0

    def test_with_a_calendar_the_business_day_grace_applies_then_counts_from_due(self) -> None:
        # GIVEN due Saturday 2020-11-28: payable without charges until Monday the 30th
        due = date(2020, 11, 28)

        assert days_overdue(due, date(2020, 11, 30), NATIONAL) == 0
        assert days_overdue(due, date(2020, 12, 1), NATIONAL) == 3
        assert days_overdue(due, date(2020, 11, 30)) == 2


class TestHolidays:
    def test_national_holidays_come_from_the_library(self) -> None:
        assert not is_business_day(date(2026, 4, 3))  # Good Friday
        assert not is_business_day(date(2026, 4, 21))  # Tiradentes
        assert not is_business_day(date(2020, 12, 25))
        assert is_business_day(date(2026, 4, 6))

    def test_black_awareness_day_is_national_only_from_2024(self) -> None:
        assert not is_business_day(date(2024, 11, 20))
        assert is_business_day(date(2023, 11, 20))

    def test_banking_calendar_closes_carnival_monday_and_tuesday(self) -> None:
        monday, tuesday = date(2026, 2, 16), date(2026, 2, 17)

        assert not NATIONAL.is_business_day(monday)
        assert not NATIONAL.is_business_day(tuesday)
        assert NATIONAL.is_business_day(date(2026, 2, 18))  # Ash Wednesday: banks clear
        assert NON_BANKING.is_business_day(monday)
        assert NON_BANKING.is_business_day(tuesday)

    def test_optional_days_of_the_library_are_not_bank_holidays(self) -> None:
        # Corpus Christi and Public Servant's Day are in the library's "optional" category.
        assert NATIONAL.is_business_day(date(2026, 6, 4))
        assert NATIONAL.is_business_day(date(2026, 10, 28))

    @pytest.mark.parametrize("year", [2020, 2024, 2025, 2026, 2027, 2038, 2099])
    def test_carnival_matches_the_library_optional_category(self, year: int) -> None:
        optional = holidays.country_holidays("BR", years=year, categories=("optional",))
        assert all(day in optional for day in carnival(year))

    def test_easter(self) -> None:
        assert easter_sunday(2024) == date(2024, 3, 31)
        assert easter_sunday(2025) == date(2025, 4, 20)
        assert easter_sunday(2026) == date(2026, 4, 5)
        assert carnival(2026) == (date(2026, 2, 16), date(2026, 2, 17))

    def test_extra_municipal_holiday(self) -> None:
        # GIVEN São Paulo city's anniversary, a municipal holiday no library keeps
        anniversary = date(2024, 1, 25)
        city = BusinessCalendar.with_extra_holidays([anniversary])

        assert NATIONAL.is_business_day(anniversary)
        assert not city.is_business_day(anniversary)
        assert city.shift_due_date(anniversary) == date(2024, 1, 26)
        assert anniversary in city.holidays_in(2024)

    def test_state_holidays(self) -> None:
        sao_paulo = BusinessCalendar(subdivision="sp")

        assert sao_paulo.subdivision == "SP"
        assert not sao_paulo.is_business_day(date(2026, 7, 9))
        assert NATIONAL.is_business_day(date(2026, 7, 9))

    def test_unknown_state_is_refused(self) -> None:
        with pytest.raises(CalendarError, match="unknown Brazilian state 'XX'"):
            BusinessCalendar(subdivision="XX")

    def test_holiday_lookups_are_cached_per_year(self) -> None:
        assert NATIONAL.holidays_in(2026) is NATIONAL.holidays_in(2026)
        assert BusinessCalendar().holidays_in(2026) is NATIONAL.holidays_in(2026)

    def test_holidays_is_imported_lazily(self) -> None:
        code = "import sys, cobranca.domain.calendar; print('holidays' in sys.modules)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "False"


class TestBusinessDayArithmetic:
    def test_shift_due_date(self) -> None:
        assert shift_due_date(date(2020, 11, 27)) == date(2020, 11, 27)
        assert shift_due_date(date(2020, 11, 28)) == date(2020, 11, 30)
        assert shift_due_date(date(2020, 12, 25)) == date(2020, 12, 28)
        assert shift_due_date(date(2026, 2, 14)) == date(2026, 2, 18)

    def test_next_business_day_is_strictly_after(self) -> None:
        assert next_business_day(date(2020, 11, 27)) == date(2020, 11, 30)
        assert next_business_day(date(2020, 12, 24)) == date(2020, 12, 28)

    def test_add_business_days(self) -> None:
        friday = date(2026, 2, 13)

        assert add_business_days(friday, 1) == date(2026, 2, 18)
        assert add_business_days(friday, 1, NON_BANKING) == date(2026, 2, 16)
        assert add_business_days(friday, 5) == date(2026, 2, 24)
        assert add_business_days(date(2026, 2, 18), -1) == friday
        assert add_business_days(date(2026, 2, 15), 0) == date(2026, 2, 15)

    def test_business_days_between(self) -> None:
        assert NATIONAL.business_days_between(date(2020, 11, 27), date(2020, 12, 1)) == 2
        assert NATIONAL.business_days_between(date(2020, 12, 1), date(2020, 11, 27)) == -2
        assert NATIONAL.business_days_between(date(2020, 11, 27), date(2020, 11, 27)) == 0

    def test_previous_business_day(self) -> None:
        assert NATIONAL.previous_business_day(date(2026, 2, 18)) == date(2026, 2, 13)
