"""Parcelamento: exact splits (TRAPS 9), tabela Price and monthly due dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cobranca.domain.calendar import NATIONAL
from cobranca.domain.installments import (
    InstallmentError,
    add_months,
    monthly_due_dates,
    price_installment,
    price_schedule,
    split_installments,
)
from hypothesis import assume, given
from hypothesis import strategies as st

D = Decimal
CENT = D("0.01")


class TestSplit:
    @pytest.mark.parametrize(
        ("total", "parts"),
        [("5.47", ["1.82", "1.82", "1.83"]), ("100.00", ["33.33", "33.33", "33.34"])],
    )
    def test_parcelas_add_up_extra_centavos_last(self, total: str, parts: list[str]) -> None:
        plan = split_installments(D(total), 3, date(2026, 3, 10))

        assert [parcela.amount for parcela in plan.parcelas] == [D(part) for part in parts]
        assert plan.total == D(total)
        assert [parcela.balance for parcela in plan.parcelas][-1] == D("0.00")

    def test_entrada_has_its_own_date_and_comes_off_first(self) -> None:
        # GIVEN 1,000.00 with 100.00 down on 2026-01-05 and three parcelas from 2026-02-10
        plan = split_installments(
            D("1000.00"),
            3,
            date(2026, 2, 10),
            entrada=D("100.00"),
            entrada_due=date(2026, 1, 5),
        )

        entrada, *parcelas = plan.parcelas
        assert (entrada.number, entrada.due_date, entrada.amount) == (
            0,
            date(2026, 1, 5),
            D("100.00"),
        )
        assert entrada.balance == D("900.00")
        assert [parcela.amount for parcela in parcelas] == [D("300.00")] * 3
        assert [parcela.due_date for parcela in parcelas] == [
            date(2026, 2, 10),
            date(2026, 3, 10),
            date(2026, 4, 10),
        ]
        assert (plan.financed, plan.entrada, plan.total) == (D("900.00"), D("100.00"), D("1000.00"))
        assert len(plan.installments) == 3


class TestPrice:
    def test_known_schedule(self) -> None:
        # GIVEN 1,000.00 at 2 % a month in 12 parcelas
        plan = price_schedule(D("1000.00"), D("2"), 12, date(2026, 1, 31))
        first, *_, last = plan.parcelas

        # THEN the PMT is 94.56 and the last parcela absorbs the residue
        assert price_installment(D("1000.00"), D("2"), 12) == D("94.56")
        assert (first.amount, first.interest, first.principal) == (
            D("94.56"),
            D("20.00"),
            D("74.56"),
        )
        assert first.balance == D("925.44")
        assert (last.amount, last.interest, last.principal) == (D("94.54"), D("1.85"), D("92.69"))
        assert last.balance == D("0.00")
        assert plan.total_interest == D("134.70")
        assert plan.total == D("1134.70")
        assert sum(parcela.principal for parcela in plan.parcelas) == D("1000.00")

    def test_with_entrada(self) -> None:
        plan = price_schedule(
            D("1100.00"),
            D("2"),
            12,
            date(2026, 1, 31),
            entrada=D("100.00"),
            entrada_due=date(2026, 1, 10),
        )

        assert plan.parcelas[0].amount == D("100.00")
        assert plan.financed == D("1000.00")
        assert plan.installments[0].amount == D("94.56")
        assert plan.total == D("1234.70")

    def test_a_debt_too_small_for_the_count_is_refused(self) -> None:
        # GIVEN 0.14 in 7 parcelas at 5.92 %: the rounded PMT (0.03) repays it by parcela 6
        with pytest.raises(InstallmentError, match="repaid by parcela 6") as error:
            price_schedule(D("0.14"), D("5.92"), 7, date(2026, 1, 31))
        assert error.value.field == "count"

    def test_zero_rate_is_a_plain_split(self) -> None:
        plan = price_schedule(D("100.00"), D("0"), 3, date(2026, 1, 31))

        assert [parcela.amount for parcela in plan.parcelas] == [D("33.33"), D("33.33"), D("33.34")]
        assert plan.total_interest == D("0.00")
        assert price_installment(D("100.00"), D("0"), 3) == D("33.33")


class TestDueDates:
    def test_anchor_on_the_original_day_across_short_months(self) -> None:
        assert monthly_due_dates(date(2024, 1, 31), 4) == (
            date(2024, 1, 31),
            date(2024, 2, 29),
            date(2024, 3, 31),
            date(2024, 4, 30),
        )
        assert monthly_due_dates(date(2025, 1, 31), 3)[1:] == (date(2025, 2, 28), date(2025, 3, 31))

    def test_shift_to_business_days_without_drift(self) -> None:
        # GIVEN 2026-01-31 (Saturday) and 2026-02-28 (Saturday), then 2026-03-31 (Tuesday)
        dates = monthly_due_dates(date(2026, 1, 31), 3, calendar=NATIONAL)
        assert dates == (date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 31))

    def test_add_months(self) -> None:
        assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
        assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
        assert add_months(date(2026, 2, 28), 1, anchor_day=31) == date(2026, 3, 31)
        assert add_months(date(2026, 1, 31), 24) == date(2028, 1, 31)


class TestInvalid:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"total": D("0")}, "total"),
            ({"total": 100.0}, "total"),
            ({"total": "abc"}, "total"),
            ({"count": 0}, "count"),
            ({"count": 601}, "count"),
            ({"count": True}, "count"),
            ({"total": D("0.02")}, "count"),
            ({"first_due": "2026-03-10"}, "first_due"),
            ({"entrada": D("100.00")}, "entrada"),
            ({"entrada": D("10.00")}, "entrada_due"),
            ({"entrada_due": date(2026, 3, 1)}, "entrada_due"),
            ({"entrada": D("10.00"), "entrada_due": date(2026, 4, 1)}, "entrada_due"),
        ],
    )
    def test_split_rejections_name_the_field(self, kwargs: dict[str, Any], field: str) -> None:
        arguments: dict[str, Any] = {
            "total": D("100.00"),
            "count": 3,
            "first_due": date(2026, 3, 10),
        } | kwargs
        with pytest.raises(InstallmentError) as error:
            split_installments(**arguments)
        assert error.value.field == field

    @pytest.mark.parametrize(
        ("rate", "field"), [(D("-1"), "monthly_rate"), ("x", "monthly_rate"), (1.5, "monthly_rate")]
    )
    def test_price_rejects_bad_rates(self, rate: Any, field: str) -> None:
        with pytest.raises(InstallmentError) as error:
            price_schedule(D("100.00"), rate, 3, date(2026, 3, 10))
        assert error.value.field == field

    def test_bad_anchor_day(self) -> None:
        with pytest.raises(InstallmentError) as error:
            add_months(date(2026, 3, 10), 1, anchor_day=32)
        assert error.value.field == "anchor_day"


amounts = st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2)


@given(total=amounts, count=st.integers(min_value=1, max_value=120))
def test_split_always_adds_up_and_differs_by_at_most_a_centavo(total: Decimal, count: int) -> None:
    assume(total >= count * CENT)
    plan = split_installments(total, count, date(2026, 1, 31))
    parts = [parcela.amount for parcela in plan.parcelas]

    assert sum(parts) == total
    assert max(parts) - min(parts) <= CENT
    assert parts == sorted(parts)
    assert all(part == part.quantize(CENT) for part in parts)


@given(
    principal=st.decimals(min_value=D("100.00"), max_value=D("10000000"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("5"), places=2),
    count=st.integers(min_value=1, max_value=48),
)
def test_price_schedule_sums_to_principal_plus_interest(
    principal: Decimal, rate: Decimal, count: int
) -> None:
    # GIVEN consumer-credit shapes: at least 100.00, up to 5 % a month, up to 48 parcelas
    plan = price_schedule(principal, rate, count, date(2026, 1, 31))
    lines = plan.parcelas

    assert sum(line.principal for line in lines) == principal
    assert plan.total == principal + plan.total_interest
    assert all(line.amount == line.principal + line.interest for line in lines)
    assert all(line.balance >= 0 for line in lines)
    assert lines[-1].balance == D("0.00")
    assert lines[-1].amount > 0
    if rate > 0:
        payment = price_installment(principal, rate, count)
        assert all(line.amount == payment for line in lines[:-1])
    else:
        assert max(line.amount for line in lines) - min(line.amount for line in lines) <= CENT


@given(
    principal=amounts,
    rate=st.decimals(min_value=D("0"), max_value=D("15"), places=2),
    count=st.integers(min_value=1, max_value=240),
)
def test_price_schedule_is_exact_or_refused(principal: Decimal, rate: Decimal, count: int) -> None:
    # Any shape either yields a schedule that adds up or is refused naming the count.
    try:
        plan = price_schedule(principal, rate, count, date(2026, 1, 31))
    except InstallmentError as error:
        assert error.field == "count"
        return

    assert sum(line.principal for line in plan.parcelas) == principal
    assert all(line.amount > 0 and line.balance >= 0 for line in plan.parcelas)
