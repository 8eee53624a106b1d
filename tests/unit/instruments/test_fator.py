"""Fator de vencimento: encoding across the 2025-02-22 restart and reading it back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cobranca.instruments.boleto import BoletoError, parse_boleto
from cobranca.instruments.boleto.fator import (
    WINDOW_DAYS_AFTER,
    WINDOW_DAYS_BEFORE,
    FatorError,
    date_from_fator,
    fator_from_date,
)
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import case_id, cases

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize("case", cases("boleto_fator"), ids=case_id)
def test_fator_vectors(case: dict[str, Any]) -> None:
    due = date.fromisoformat(case["input"]["due_date"])

    assert fator_from_date(due) == case["expected"]["fator"]


@pytest.mark.parametrize(
    ("due", "fator"),
    [
        (date(2025, 2, 20), 9998),
        (date(2025, 2, 21), 9999),
        (date(2025, 2, 22), 1000),
        (date(2025, 2, 23), 1001),
        (date(2026, 3, 10), 1381),
        (date(2049, 10, 13), 9999),
        (date(2049, 10, 14), 1000),
    ],
)
def test_traps_1_factors_across_the_restarts(due: date, fator: int) -> None:
    assert fator_from_date(due) == fator


def test_traps_1_a_due_date_with_a_time_of_day_keeps_its_day() -> None:
    due = datetime(2025, 2, 21, 15, 0, tzinfo=timezone(timedelta(hours=-3)))

    assert fator_from_date(due) == 9999


def test_an_aware_datetime_is_read_on_the_sao_paulo_calendar() -> None:
    # 01:30 UTC on the 22nd is still 22:30 of the 21st in São Paulo.
    late_evening = datetime(2025, 2, 22, 1, 30, tzinfo=UTC)

    assert fator_from_date(late_evening) == 9999
    assert fator_from_date(late_evening.astimezone(SAO_PAULO).replace(tzinfo=None)) == 9999


def test_a_naive_datetime_is_taken_as_local() -> None:
    assert fator_from_date(datetime(2025, 2, 22, 23, 59)) == 1000


def test_a_due_date_before_the_first_four_digit_fator_is_refused() -> None:
    with pytest.raises(FatorError, match="before 2000-07-03"):
        fator_from_date(date(2000, 7, 2))


@pytest.mark.parametrize("case", cases("boleto_linha_factor_resolution"), ids=case_id)
def test_factor_resolution_vectors(case: dict[str, Any]) -> None:
    reference = date.fromisoformat(case["input"]["reference_date"])
    expected = case["expected"]
    if 0 < expected["fator"] < 1000:
        # Documented policy: fator 0001..0999 names no date in any cycle since 2000-07-03, so
        # the code is rejected (as the boleto_barcode_invalid vectors ask) rather than read
        # as "no due date" like the vector's source does.
        with pytest.raises(BoletoError, match="fator 0999 is not a valid fator") as error:
            parse_boleto(case["input"]["linha_digitavel"], reference_date=reference)
        assert error.value.part == "fator"
        return

    boleto = parse_boleto(case["input"]["linha_digitavel"], reference_date=reference)

    assert boleto.fator == expected["fator"]
    expected_due = expected["due_date"]
    assert boleto.due_date == (date.fromisoformat(expected_due) if expected_due else None)
    if "amount" in expected:
        assert str(boleto.amount) == expected["amount"]
        assert boleto.barcode == expected["barcode"]


def test_the_window_picks_the_reading_from_3000_days_before_to_5500_after() -> None:
    reference = date(2025, 6, 15)

    assert date_from_fator(7586, reference) == date(2018, 7, 15)
    assert date_from_fator(5000, reference) == date(2036, 2, 5)
    assert date_from_fator(1000, date(2000, 7, 1)) == date(2000, 7, 3)
    assert date_from_fator(0, reference) is None


def test_outside_the_window_the_nearest_reading_wins() -> None:
    # GIVEN fator 6679, read in mid-2025: 2016-01-20 is 3434 days back and its next reading
    # (2040-09-??) 5566 days ahead, both outside FEBRABAN's window
    reference = date(2025, 6, 15)

    # WHEN it is resolved
    due = date_from_fator(6679, reference)

    # THEN the nearer, past reading is returned
    assert due == date(2016, 1, 20)


@pytest.mark.parametrize("fator", [1, 999, 10000, -1])
def test_factors_outside_0000_and_1000_to_9999_are_refused(fator: int) -> None:
    with pytest.raises(FatorError, match=r"valid range 1000\.\.9999"):
        date_from_fator(fator, date(2025, 6, 15))


@given(
    due=st.dates(min_value=date(2000, 7, 3), max_value=date(2150, 12, 31)),
    offset=st.integers(min_value=-WINDOW_DAYS_AFTER, max_value=WINDOW_DAYS_BEFORE),
)
def test_encode_then_decode_inside_the_window_gives_the_same_date(due: date, offset: int) -> None:
    # The reference sits anywhere from 5500 days before the due date to 3000 days after it.
    reference = due + timedelta(days=offset)

    assert date_from_fator(fator_from_date(due), reference) == due
