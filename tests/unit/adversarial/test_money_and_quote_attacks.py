"""Hostile amounts and dates against money, late charges, the calendar and `charges quote`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cobranca.cli.main import main
from cobranca.domain import kpis
from cobranca.domain.calendar import NATIONAL, BusinessCalendar, CalendarError
from cobranca.domain.late_charges import Juros, LateChargeError, LateChargeRules, Multa, quote
from cobranca.domain.money import MAX_AMOUNT, MoneyError, money, round_money
from cobranca.model.receivables import Receivable
from pydantic import ValidationError

QUOTE = ("charges", "quote", "--amount", "100.00", "--due", "2026-03-10", "--paid-on")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


# --- money: huge, non-ASCII and Python-only spellings -------------------------------------------


@pytest.mark.parametrize("text", ["1e30", "9999999999999999999999999999.99", "1E+100", "-1e30"])
def test_money_refuses_an_amount_too_large_with_money_error(text: str) -> None:
    # GIVEN an amount whose centavos do not fit the Decimal context (it raised InvalidOperation)
    with pytest.raises(MoneyError, match="too large"):
        money(text)
    with pytest.raises(MoneyError, match="too large"):
        round_money(Decimal(text))


def test_money_keeps_the_largest_amount_it_accepts() -> None:
    assert Decimal("999999999999999.99") == MAX_AMOUNT
    assert money("999999999999999.99") == Decimal("999999999999999.99")
    with pytest.raises(MoneyError, match="too large"):
        money("1000000000000000.00")


@pytest.mark.parametrize("text", ["１００", "١٠٠", "1_000", "100.0\u200b"])
def test_money_refuses_lookalike_digits_and_underscores(text: str) -> None:
    # Decimal() reads full-width and Arabic-Indic digits and "1_000"; an amount is ASCII.
    with pytest.raises(MoneyError, match="not a decimal amount"):
        money(text)


def test_a_json_amount_too_large_is_a_validation_error_not_a_crash() -> None:
    # A float in JSON that is too large used to escape pydantic as decimal.InvalidOperation
    # (an ArithmeticError), which an API answers with 500 instead of 422.
    with pytest.raises(ValidationError, match="too large"):
        Receivable.model_validate(
            {
                "erp_id": "1",
                "number": "FAT/1",
                "customer_id": "c1",
                "issue_date": "2026-01-02",
                "due_date": "2026-03-10",
                "amount": 1e300,
                "erp_updated_at": "2026-03-01T00:00:00Z",
            }
        )


# --- charges quote --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--amount", "1e30", "amount"),
        ("--fine", "1e30", "fine"),
        ("--abatimento", "1e30", "abatimento"),
        ("--interest", "9999999999999999999999999.99/day", "interest"),
        ("--interest", "99999999999999999999999999999%/day", "interest"),
    ],
)
def test_quote_with_a_huge_value_names_the_option_instead_of_a_traceback(
    capsys: pytest.CaptureFixture[str], option: str, value: str, field: str
) -> None:
    argv = [*QUOTE, "2026-04-10"]
    if option == "--amount":
        argv[3] = value
    else:
        argv += [option, value]

    status, out = _run(capsys, *argv)

    assert status == 1
    assert out["valid"] is False
    assert out["field"] == field
    assert "too large" in out["reason"]


def test_quote_with_a_huge_discount_names_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(capsys, *QUOTE, "2026-03-01", "--discount", "1e30@2026-03-01")

    assert status == 1
    assert out["field"] == "discount"
    assert "too large" in out["reason"]


def test_a_percentage_written_with_a_comma_keeps_its_decimals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 0,033 % a day for 31 days on 100.00 (it was rounded to 0,03 % -> juros 0.93)
    status, comma = _run(capsys, *QUOTE, "2026-04-10", "--interest", "0,033%/day")
    _, dot = _run(capsys, *QUOTE, "2026-04-10", "--interest", "0.033%/day")

    # THEN both spellings give 100.00 x 0.033 % x 31 = 1.023 -> 1.02
    assert status == 0
    assert comma["interest"] == dot["interest"] == "1.02"
    assert comma["total"] == "101.02"


def test_a_fine_percentage_with_a_comma_keeps_its_decimals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = _run(
        capsys,
        "charges",
        "quote",
        "--amount",
        "1000.00",
        "--due",
        "2026-03-10",
        "--paid-on",
        "2026-03-11",
        "--fine",
        "1,555%",
    )

    assert status == 0
    assert out["fine"] == "15.55"  # 1000 x 1.555 % = 15.55 (not 1.56 % -> 15.60)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--amount", "１００"), ("--fine", "１０%"), ("--abatimento", "1_0")],
)
def test_quote_refuses_lookalike_digits(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    argv = [*QUOTE, "2026-04-10"]
    if option == "--amount":
        argv[3] = value
    else:
        argv += [option, value]

    status, out = _run(capsys, *argv)

    assert status == 1
    assert out["field"] == option[2:]
    assert "not a number" in out["reason"]


@pytest.mark.parametrize("text", ["2026-W11-2", "20260310", "2026-03-10T00:00"])
def test_quote_dates_are_strictly_yyyy_mm_dd(capsys: pytest.CaptureFixture[str], text: str) -> None:
    # date.fromisoformat of Python 3.11 reads ISO week dates and the basic format silently.
    status, out = _run(
        capsys, "charges", "quote", "--amount", "100.00", "--due", text, "--paid-on", "2026-03-20"
    )

    assert status == 1
    assert out["field"] == "due"
    assert "YYYY-MM-DD" in out["reason"]


def test_quote_at_the_end_of_the_calendar_names_the_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a due date on the last representable day, made a holiday: no business day follows
    status, out = _run(
        capsys,
        "charges",
        "quote",
        "--amount",
        "100.00",
        "--due",
        "9999-12-31",
        "--paid-on",
        "9999-12-31",
        "--holiday",
        "9999-12-31",
    )

    assert status == 1
    assert out["field"] == "due"
    assert "9999-12-31" in out["reason"]


def test_business_day_juros_up_to_the_last_day_of_the_calendar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Counting business days up to 9999-12-31 stepped one day past it (OverflowError).
    status, out = _run(
        capsys,
        "charges",
        "quote",
        "--amount",
        "100.00",
        "--due",
        "9999-12-29",
        "--paid-on",
        "9999-12-31",
        "--interest",
        "3%/month",
        "--interest-days",
        "business",
    )

    # 9999-12-30 (Thu) and 9999-12-31 (Fri) are business days: 100 x 3 % x 2 / 21 = 0.29
    assert status == 0
    assert out["interest_days"] == 2
    assert out["interest"] == "0.29"


def test_calendar_edges_raise_calendar_error() -> None:
    last = date(9999, 12, 31)
    closed = BusinessCalendar(frozenset({last}))

    assert NATIONAL.business_days_between(date(9999, 12, 29), last) == 2
    with pytest.raises(CalendarError, match="9999-12-31"):
        closed.shift_due_date(last)
    with pytest.raises(CalendarError, match="0001-01-01"):
        NATIONAL.previous_business_day(date(1, 1, 1))


def test_quote_names_the_component_that_overflows() -> None:
    rules = LateChargeRules(juros=Juros(Decimal("1e27")), multa=Multa(Decimal(2)))

    with pytest.raises(LateChargeError) as error:
        quote(
            Decimal("100.00"), date(2026, 3, 10), date(2026, 4, 10), rules, NATIONAL, consumer=False
        )

    assert error.value.field == "juros"
    assert "too large" in error.value.reason


# --- KPIs -----------------------------------------------------------------------------------------


def test_aging_puts_a_far_future_due_date_in_a_vencer() -> None:
    # A due date more than 10**6 days ahead fell in no bucket (ValueError) and broke the total.
    far = kpis.Snapshot(
        "r1", date(2026, 1, 1), date(9999, 12, 31), Decimal("10.00"), Decimal("10.00"), "open"
    )
    near = kpis.Snapshot(
        "r2", date(2026, 1, 1), date(2026, 3, 1), Decimal("5.00"), Decimal("5.00"), "open"
    )

    result = kpis.aging([far, near], date(2026, 3, 31))

    assert kpis.bucket_of(-3_000_000) == "a_vencer"
    assert result.amounts["a_vencer"] == Decimal("10.00")
    assert result.amounts["1-30"] == Decimal("5.00")
    assert result.total == Decimal("15.00")
