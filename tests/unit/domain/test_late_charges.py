"""Multa, juros, desconto and abatimento: shared vectors and the documented policies."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cobranca.domain.calendar import NATIONAL, BusinessCalendar
from cobranca.domain.late_charges import (
    Abatimento,
    Basis,
    DayCount,
    DescontoAntecipacao,
    DescontoAteData,
    DescontoPorData,
    Juros,
    LateChargeError,
    LateChargeRules,
    Multa,
    Period,
    quote,
    validate_rules,
)
from cobranca.domain.money import round_money
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import case_id, cases

D = Decimal
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A Monday with no holiday in the ten days after it: the vectors give days late, not dates.
BUSINESS_MONDAY = date(2025, 3, 10)


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(found) for found in ISO_DATE.findall(text)]


def _juros_from_vector(text: str) -> Juros:
    if text.endswith("%/dia"):
        return Juros.percent_per_day(text.removesuffix("%/dia"))
    if "% a.m." in text:
        return Juros.percent_per_month(text.split("%", maxsplit=1)[0])
    raise AssertionError(f"unknown juros notation in vector: {text}")


@pytest.mark.parametrize("case", cases("late_charge"), ids=case_id)
def test_late_charge_vectors(case: dict[str, Any]) -> None:
    given_, expected = case["input"], case["expected"]
    rules = LateChargeRules(
        multa=Multa.percent(given_["multa"].rstrip("%")),
        juros=_juros_from_vector(given_["juros"]),
    )
    paid_on = BUSINESS_MONDAY + timedelta(days=given_["dias_atraso"])

    result = quote(D(given_["valor"]), BUSINESS_MONDAY, paid_on, rules, NATIONAL, consumer=True)

    assert result.days_late == given_["dias_atraso"]
    assert result.fine == D(expected["multa"])
    assert result.interest == D(expected["juros"])
    assert result.total == D(expected["total"])


@pytest.mark.parametrize("case", cases("late_charge_business_day"), ids=case_id)
def test_late_charge_business_day_vectors(case: dict[str, Any]) -> None:
    # The vectors' "pagamento" may carry the bank's processing date ("processado ..."): it is
    # passed as credited_on, the date charges are computed at (module policy).
    given_, expected = case["input"], case["expected"]
    (due,) = _dates(given_["vencimento"])
    paid_on, *processed = _dates(given_["pagamento"])
    rules = LateChargeRules(juros=Juros.amount_per_day(given_["juros_dia"]))

    result = quote(
        D(given_["valor"]),
        due,
        paid_on,
        rules,
        NATIONAL,
        consumer=True,
        credited_on=processed[0] if processed else None,
    )

    assert result.total == D(expected["total"])
    if "dias_juros" in expected:
        assert result.interest_days == expected["dias_juros"]
    if "juros" in expected:
        assert result.interest == D(expected["juros"])


class TestJuros:
    def test_no_intermediate_rounding(self) -> None:
        # 30,000.00 at 1 % a month for one day: 10.00, not 9.99 (0.000333) or 9.90 (0.00033)
        rules = LateChargeRules(juros=Juros.percent_per_month("1"))
        result = quote(
            D("30000.00"), date(2024, 9, 4), date(2024, 9, 5), rules, NATIONAL, consumer=False
        )
        assert result.interest == D("10.00")

    def test_rounded_once_not_per_day(self) -> None:
        # 1,000.00 at 1 % a month for 10 days is 3.333... → 3.33; rounding each day gives 3.30
        rules = LateChargeRules(juros=Juros.percent_per_month("1"))
        result = quote(
            D("1000.00"),
            BUSINESS_MONDAY,
            BUSINESS_MONDAY + timedelta(days=10),
            rules,
            NATIONAL,
            consumer=False,
        )
        assert result.interest == D("3.33")

    def test_percent_per_year_over_calendar_days(self) -> None:
        rules = LateChargeRules(juros=Juros.percent_per_year("36.5"))
        result = quote(
            D("1000.00"),
            BUSINESS_MONDAY,
            BUSINESS_MONDAY + timedelta(days=10),
            rules,
            NATIONAL,
            consumer=False,
        )
        assert result.interest == D("10.00")

    def test_business_day_modalities_count_business_days_from_the_original_due(self) -> None:
        # GIVEN due Friday 2020-11-27 and 1 % a day over business days, paid Tuesday 12-01
        rules = LateChargeRules(juros=Juros.percent_per_day("1", DayCount.BUSINESS))

        result = quote(
            D("100.00"), date(2020, 11, 27), date(2020, 12, 1), rules, NATIONAL, consumer=False
        )

        # THEN four calendar days late but only Monday and Tuesday accrue juros
        assert result.days_late == 4
        assert result.interest_days == 2
        assert result.interest == D("2.00")

    def test_percent_per_month_over_business_days_uses_21(self) -> None:
        rules = LateChargeRules(juros=Juros.percent_per_month("2.1", DayCount.BUSINESS))
        result = quote(
            D("1000.00"), date(2020, 11, 27), date(2020, 12, 1), rules, NATIONAL, consumer=False
        )
        assert result.interest == D("2.00")


class TestDueDateOnANonBusinessDay:
    """Lei 7.089/1983: paid on the next business day costs nothing; later, count from the due."""

    RULES = LateChargeRules(multa=Multa.percent("2"), juros=Juros.amount_per_day("1.00"))

    def test_paid_on_the_next_business_day(self) -> None:
        result = quote(
            D("100.00"), date(2020, 11, 28), date(2020, 11, 30), self.RULES, NATIONAL, consumer=True
        )

        assert result.adjusted_due_date == date(2020, 11, 30)
        assert (result.fine, result.interest, result.total) == (D("0.00"), D("0.00"), D("100.00"))
        assert result.on_time
        assert result.notes == ("due date 2020-11-28 is not a business day; moved to 2020-11-30",)

    def test_paid_a_day_after_that_counts_from_the_original_due_date(self) -> None:
        result = quote(
            D("100.00"), date(2020, 11, 28), date(2020, 12, 1), self.RULES, NATIONAL, consumer=True
        )

        assert result.days_late == 3
        assert (result.fine, result.interest, result.total) == (D("2.00"), D("3.00"), D("105.00"))

    def test_carnival_is_closed_on_the_banking_calendar(self) -> None:
        due = date(2026, 2, 16)

        banking = quote(D("100.00"), due, date(2026, 2, 18), self.RULES, NATIONAL, consumer=True)
        plain = quote(
            D("100.00"),
            due,
            date(2026, 2, 18),
            self.RULES,
            BusinessCalendar(banking=False),
            consumer=True,
        )

        assert banking.total == D("100.00")
        assert plain.days_late == 2
        assert plain.total == D("104.00")

    def test_pix_settles_on_the_day_paid_a_boleto_on_the_credit_date(self) -> None:
        # GIVEN due Friday 2020-11-27 and a payment on Saturday
        due, saturday, monday = date(2020, 11, 27), date(2020, 11, 28), date(2020, 11, 30)

        pix = quote(D("100.00"), due, saturday, self.RULES, NATIONAL, consumer=True)
        boleto = quote(
            D("100.00"), due, saturday, self.RULES, NATIONAL, consumer=True, credited_on=monday
        )

        # THEN a Pix (credited that Saturday) owes one day, a boleto credited Monday three
        assert (pix.days_late, pix.interest) == (1, D("1.00"))
        assert (boleto.days_late, boleto.interest) == (3, D("3.00"))
        assert boleto.paid_on == saturday
        assert boleto.settled_on == monday


class TestMulta:
    def test_consumer_percentage_is_clamped_to_2_percent_and_the_quote_says_so(self) -> None:
        rules = LateChargeRules(multa=Multa.percent("10"))
        result = quote(
            D("100.00"),
            BUSINESS_MONDAY,
            BUSINESS_MONDAY + timedelta(days=1),
            rules,
            NATIONAL,
            consumer=True,
        )

        assert result.fine == D("2.00")
        assert any("CDC art. 52" in note for note in result.notes)

    def test_consumer_fixed_fine_is_clamped_too(self) -> None:
        rules = LateChargeRules(multa=Multa.amount("10.00"))
        result = quote(
            D("100.00"),
            BUSINESS_MONDAY,
            BUSINESS_MONDAY + timedelta(days=1),
            rules,
            NATIONAL,
            consumer=True,
        )
        assert result.fine == D("2.00")

    def test_business_has_no_cap_unless_configured(self) -> None:
        paid = BUSINESS_MONDAY + timedelta(days=1)
        free = LateChargeRules(multa=Multa.percent("10"))
        capped = LateChargeRules(multa=Multa.percent("10"), business_fine_cap=D("5"))

        assert quote(D("100.00"), BUSINESS_MONDAY, paid, free, NATIONAL, consumer=False).fine == D(
            "10.00"
        )
        assert quote(
            D("100.00"), BUSINESS_MONDAY, paid, capped, NATIONAL, consumer=False
        ).fine == D("5.00")

    def test_validation_rejects_a_consumer_fine_above_the_cap(self) -> None:
        rules = LateChargeRules(multa=Multa.percent("2.5"))

        with pytest.raises(LateChargeError, match=r"2.5% exceeds the 2% cap") as error:
            validate_rules(rules, principal=D("100.00"), due_date=BUSINESS_MONDAY, consumer=True)

        assert error.value.field == "multa"
        validate_rules(rules, principal=D("100.00"), due_date=BUSINESS_MONDAY, consumer=False)

    def test_fine_is_not_charged_on_time(self) -> None:
        rules = LateChargeRules(multa=Multa.percent("2"))
        result = quote(
            D("100.00"), BUSINESS_MONDAY, BUSINESS_MONDAY, rules, NATIONAL, consumer=True
        )
        assert (result.fine, result.total, result.days_late) == (D("0.00"), D("100.00"), 0)


class TestDesconto:
    TIERS = DescontoPorData(
        (
            DescontoAteData(date(2026, 3, 2), D("10.00")),
            DescontoAteData(date(2026, 3, 5), D("5.00")),
            DescontoAteData(date(2026, 3, 9), D("2.00")),
        )
    )
    DUE = date(2026, 3, 10)

    @pytest.mark.parametrize(
        ("paid_on", "discount"),
        [
            (date(2026, 2, 20), "10.00"),
            (date(2026, 3, 2), "10.00"),
            (date(2026, 3, 3), "5.00"),
            (date(2026, 3, 9), "2.00"),
            (date(2026, 3, 10), "0.00"),
        ],
    )
    def test_pay_by_date_n_gets_discount_n(self, paid_on: date, discount: str) -> None:
        rules = LateChargeRules(desconto=self.TIERS)
        result = quote(D("100.00"), self.DUE, paid_on, rules, NATIONAL, consumer=True)

        assert result.discount == D(discount)
        assert result.total == D("100.00") - D(discount)

    def test_late_payment_has_no_discount_and_pays_charges(self) -> None:
        rules = LateChargeRules(multa=Multa.percent("2"), desconto=self.TIERS)
        result = quote(D("100.00"), self.DUE, date(2026, 3, 11), rules, NATIONAL, consumer=True)
        assert (result.discount, result.fine, result.total) == (D("0.00"), D("2.00"), D("102.00"))

    def test_discount_date_on_a_holiday_extends_to_the_next_business_day(self) -> None:
        # GIVEN a discount until Good Friday 2021-04-02 (bacen/pix-api#390's case)
        tiers = DescontoPorData(
            (
                DescontoAteData(date(2021, 4, 2), D("3.00")),
                DescontoAteData(date(2021, 4, 5), D("2.00")),
            )
        )
        rules = LateChargeRules(desconto=tiers)

        # WHEN paid on Monday 04-05 THEN the first tier still holds
        result = quote(
            D("100.00"), date(2021, 4, 10), date(2021, 4, 5), rules, NATIONAL, consumer=True
        )
        assert result.discount == D("3.00")

    def test_percentage_tiers(self) -> None:
        tiers = DescontoPorData((DescontoAteData(date(2026, 3, 2), D("5")),), Basis.PERCENT)
        result = quote(
            D("250.00"),
            self.DUE,
            date(2026, 3, 1),
            LateChargeRules(desconto=tiers),
            NATIONAL,
            consumer=True,
        )
        assert result.discount == D("12.50")

    def test_discount_per_calendar_day_in_advance(self) -> None:
        rules = LateChargeRules(desconto=DescontoAntecipacao(D("0.10")))
        result = quote(D("100.00"), self.DUE, date(2026, 3, 5), rules, NATIONAL, consumer=True)
        assert result.discount == D("0.50")

    def test_percent_per_business_day_in_advance(self) -> None:
        # GIVEN 0.1 % a business day; paid Thursday 03-05 for Tuesday 03-10: Fri, Mon, Tue = 3
        rules = LateChargeRules(
            desconto=DescontoAntecipacao(D("0.1"), Basis.PERCENT, DayCount.BUSINESS)
        )
        result = quote(D("1000.00"), self.DUE, date(2026, 3, 5), rules, NATIONAL, consumer=True)
        assert result.discount == D("3.00")

    def test_discount_never_exceeds_what_is_due(self) -> None:
        rules = LateChargeRules(desconto=DescontoAntecipacao(D("10.00")))
        result = quote(D("50.00"), self.DUE, date(2026, 2, 1), rules, NATIONAL, consumer=True)

        assert result.discount == D("50.00")
        assert result.total == D("0.00")
        assert result.notes == ("discount 370.00 limited to the amount due 50.00",)

    def test_validation_rejects_a_discount_date_after_the_due_date(self) -> None:
        tiers = DescontoPorData((DescontoAteData(date(2026, 3, 11), D("1.00")),))

        with pytest.raises(LateChargeError) as error:
            validate_rules(
                LateChargeRules(desconto=tiers),
                principal=D("100"),
                due_date=self.DUE,
                consumer=True,
            )

        assert error.value.field == "desconto[1].until"


class TestAbatimento:
    def test_abatimento_comes_off_before_percentages(self) -> None:
        # GIVEN 1,000.00 with a 100.00 abatimento, multa 2 %, juros 1 % a month, 30 days late
        rules = LateChargeRules(
            multa=Multa.percent("2"),
            juros=Juros.percent_per_month("1"),
            abatimento=Abatimento(D("100.00")),
        )
        result = quote(
            D("1000.00"), date(2026, 3, 2), date(2026, 4, 1), rules, NATIONAL, consumer=True
        )

        # THEN every percentage is taken on 900.00
        assert result.abatimento == D("100.00")
        assert result.fine == D("18.00")
        assert result.interest == D("9.00")
        assert result.total == D("927.00")

    def test_percentage_abatimento_and_on_time(self) -> None:
        rules = LateChargeRules(abatimento=Abatimento(D("10"), Basis.PERCENT))
        result = quote(
            D("80.00"), date(2026, 3, 2), date(2026, 3, 2), rules, NATIONAL, consumer=True
        )
        assert (result.abatimento, result.total) == (D("8.00"), D("72.00"))

    def test_abatimento_above_the_principal_is_rejected(self) -> None:
        rules = LateChargeRules(abatimento=Abatimento(D("150.00")))
        with pytest.raises(LateChargeError, match="exceeds the principal") as error:
            quote(D("100.00"), date(2026, 3, 2), date(2026, 3, 2), rules, NATIONAL, consumer=True)
        assert error.value.field == "abatimento"


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("build", "field", "message"),
        [
            (lambda: Multa.percent("150"), "multa", "above 100"),
            (lambda: Multa.percent("-2"), "multa", "negative"),
            (lambda: Multa.percent("two"), "multa", "not a number"),
            (lambda: Juros(D("1.00"), Basis.AMOUNT, Period.MONTH), "juros", "always per day"),
            (lambda: Juros(1.0, Basis.PERCENT), "juros", "not float"),  # type: ignore[arg-type]
            (lambda: DescontoPorData(()), "desconto", "between 1 and 3"),
            (
                lambda: DescontoPorData(
                    tuple(DescontoAteData(date(2026, 3, day), D("1")) for day in (1, 2, 3, 4))
                ),
                "desconto",
                "between 1 and 3",
            ),
            (
                lambda: DescontoPorData(
                    (
                        DescontoAteData(date(2026, 3, 5), D("2")),
                        DescontoAteData(date(2026, 3, 1), D("1")),
                    )
                ),
                "desconto[2].until",
                "rising order",
            ),
            (
                lambda: DescontoPorData((DescontoAteData(date(2026, 3, 5), D("0")),)),
                "desconto[1].value",
                "zero",
            ),
            (lambda: Abatimento(D("120"), Basis.PERCENT), "abatimento", "above 100"),
            (lambda: LateChargeRules(business_fine_cap=D("-1")), "business_fine_cap", "negative"),
        ],
    )
    def test_rules_are_rejected_naming_the_field(
        self, build: Any, field: str, message: str
    ) -> None:
        with pytest.raises(LateChargeError, match=message) as error:
            build()
        assert error.value.field == field

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"principal": D("0")}, "principal"),
            ({"principal": D("-5.00")}, "principal"),
            ({"principal": 100.0}, "principal"),
            ({"credited_on": date(2026, 3, 1)}, "credited_on"),
            ({"paid_on": "2026-03-02"}, "paid_on"),
        ],
    )
    def test_quote_inputs_are_rejected_naming_the_field(
        self, kwargs: dict[str, Any], field: str
    ) -> None:
        arguments: dict[str, Any] = {
            "principal": D("100.00"),
            "due_date": date(2026, 3, 2),
            "paid_on": date(2026, 3, 2),
            "rules": LateChargeRules(),
            "calendar": NATIONAL,
            "consumer": True,
        } | kwargs
        with pytest.raises(LateChargeError) as error:
            quote(**arguments)
        assert error.value.field == field


@given(
    principal=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
    days=st.integers(min_value=-40, max_value=400),
    multa=st.decimals(min_value=D("0"), max_value=D("10"), places=2),
    juros=st.decimals(min_value=D("0"), max_value=D("12"), places=3),
)
def test_components_are_centavos_and_add_up_to_the_total(
    principal: Decimal, days: int, multa: Decimal, juros: Decimal
) -> None:
    rules = LateChargeRules(
        multa=Multa.percent(multa),
        juros=Juros.percent_per_month(juros),
        desconto=DescontoAntecipacao(D("0.01")),
        abatimento=Abatimento(D("1"), Basis.PERCENT),
    )
    result = quote(
        principal,
        BUSINESS_MONDAY,
        BUSINESS_MONDAY + timedelta(days=days),
        rules,
        NATIONAL,
        consumer=True,
    )

    parts = (result.abatimento, result.discount, result.fine, result.interest, result.total)
    assert all(part == part.quantize(D("0.01")) for part in parts)
    assert result.total == (
        result.principal - result.abatimento - result.discount + result.fine + result.interest
    )
    assert result.fine <= round_money((result.principal - result.abatimento) * 2 / 100)
    assert result.total >= 0
    assert result.discount == 0 or (result.fine == 0 and result.interest == 0)
