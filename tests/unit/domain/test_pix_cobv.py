"""API Pix cobv: componentesValor, validity after the due date and the modalidade tables."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cobranca.domain.calendar import NATIONAL
from cobranca.domain.late_charges import (
    Basis,
    DayCount,
    DescontoAntecipacao,
    DescontoPorData,
    Juros,
    LateChargeError,
    LateChargeRules,
    Multa,
    Period,
    PixCobvValor,
    pix_cobv_is_payable,
    pix_cobv_payable_until,
    pix_cobv_value,
    validate_rules,
)

from tests.vectors import case_id, cases

D = Decimal
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A Wednesday (the due date of bacen/pix-api#607); the vectors give days late, not dates.
DUE = date(2024, 9, 4)


def _first_date(text: str) -> date:
    found = ISO_DATE.search(text)
    assert found, text
    return date.fromisoformat(found.group())


@pytest.mark.parametrize("case", cases("pix_cobv_value_calc"), ids=case_id)
def test_cobv_value_vectors(case: dict[str, Any]) -> None:
    given = case["input"]
    valor = PixCobvValor.from_api(
        {key: given[key] for key in ("original", "multa", "juros") if key in given}
    )
    days = given.get("dias_atraso", given.get("dias"))

    result = pix_cobv_value(valor, DUE, DUE + timedelta(days=days), NATIONAL)

    # The API returns each component as {"valor": "..."}; the vector lists the bare amounts.
    components = {name: part["valor"] for name, part in result.componentes_valor().items()}
    expected = case["expected"]
    if "componentesValor" in expected:
        assert components == expected["componentesValor"]
        assert f"{result.valor:.2f}" == expected["valor"]
    else:
        assert components["juros"] == expected["juros"]


@pytest.mark.parametrize("case", cases("pix_cobv_validity"), ids=case_id)
def test_cobv_validity_vectors(case: dict[str, Any]) -> None:
    given, expected = case["input"], case["expected"]
    due = _first_date(given["dataDeVencimento"])
    validade = given["validadeAposVencimento"]
    until = pix_cobv_payable_until(due, validade, NATIONAL)

    if "adjusted_due_date" in expected:
        assert NATIONAL.shift_due_date(due) == date.fromisoformat(expected["adjusted_due_date"])
    if "accepted_until" in expected:
        assert until == date.fromisoformat(expected["accepted_until"])
    for accepted in expected.get("accepted", []):
        assert pix_cobv_is_payable(due, validade, date.fromisoformat(accepted), NATIONAL)
    if "rejected_from" in expected:
        rejected = date.fromisoformat(expected["rejected_from"])
        assert not pix_cobv_is_payable(due, validade, rejected, NATIONAL)
        assert until == rejected - timedelta(days=1)


@pytest.mark.parametrize(
    ("due", "validade", "until"),
    [
        (date(2020, 10, 20), 4, date(2020, 10, 26)),  # Exemplo A: Saturday 10-24 → Monday
        (date(2020, 12, 25), 0, date(2020, 12, 28)),  # Exemplo B
        (date(2020, 12, 25), 3, date(2020, 12, 31)),  # Exemplo D
    ],
)
def test_cobv_validity_other_spec_examples(due: date, validade: int, until: date) -> None:
    assert pix_cobv_payable_until(due, validade, NATIONAL) == until


def test_validity_rejects_negative_days() -> None:
    with pytest.raises(LateChargeError) as error:
        pix_cobv_payable_until(date(2026, 3, 2), -1, NATIONAL)
    assert error.value.field == "validadeAposVencimento"


def test_request_vector_reads_with_string_modalidades() -> None:
    # GIVEN the API's own cobv example, whose modalidades are strings
    (case,) = cases("pix_api_cobv_request")
    valor = PixCobvValor.from_api(case["expected"]["valor"])

    assert valor.original == D("123.45")
    assert valor.rules.multa == Multa(D("15.00"), Basis.PERCENT)
    assert valor.rules.juros == Juros(D("2.00"), Basis.PERCENT, Period.DAY, DayCount.CALENDAR)
    assert isinstance(valor.rules.desconto, DescontoPorData)
    assert valor.rules.desconto.tiers[0].until == date(2020, 11, 30)
    assert valor.rules.desconto.tiers[0].value == D("30.00")

    # THEN written back it carries integer modalidades and two-place values
    assert valor.to_api() == {
        "original": "123.45",
        "multa": {"modalidade": 2, "valorPerc": "15.00"},
        "juros": {"modalidade": 2, "valorPerc": "2.00"},
        "desconto": {
            "modalidade": 1,
            "descontoDataFixa": [{"data": "2020-11-30", "valorPerc": "30.00"}],
        },
    }


def test_request_vector_fine_is_not_allowed_for_a_consumer() -> None:
    # The vector notes that a 15 % multa is legal only outside consumer relations.
    (case,) = cases("pix_api_cobv_request")
    valor = PixCobvValor.from_api(case["expected"]["valor"])
    due = date.fromisoformat(case["expected"]["calendario"]["dataDeVencimento"])

    with pytest.raises(LateChargeError) as error:
        validate_rules(valor.rules, principal=valor.original, due_date=due, consumer=True)
    assert error.value.field == "multa"
    validate_rules(valor.rules, principal=valor.original, due_date=due, consumer=False)


@pytest.mark.parametrize("code", range(1, 9))
def test_juros_modalidades_round_trip(code: int) -> None:
    juros = Juros.from_pix(code, "1.00")

    assert juros.pix_modalidade == code
    assert (juros.basis is Basis.AMOUNT) == (code in (1, 5))
    assert (juros.day_count is DayCount.CALENDAR) == (code <= 4)


def test_juros_modalidade_meanings() -> None:
    assert Juros.from_pix(3, "1.00").period is Period.MONTH
    assert Juros.from_pix(4, "1.00").period is Period.YEAR
    assert Juros.from_pix(6, "1.00").period is Period.DAY
    assert Juros.from_pix(8, "1.00").period is Period.YEAR


@pytest.mark.parametrize(
    ("code", "basis", "day_count"),
    [
        (3, Basis.AMOUNT, DayCount.CALENDAR),
        (4, Basis.AMOUNT, DayCount.BUSINESS),
        (5, Basis.PERCENT, DayCount.CALENDAR),
        (6, Basis.PERCENT, DayCount.BUSINESS),
    ],
)
def test_desconto_antecipacao_modalidades(code: int, basis: Basis, day_count: DayCount) -> None:
    valor = PixCobvValor.from_api(
        {"original": "100.00", "desconto": {"modalidade": code, "valorPerc": "0.50"}}
    )

    assert valor.rules.desconto == DescontoAntecipacao(D("0.50"), basis, day_count)
    assert valor.to_api()["desconto"] == {"modalidade": code, "valorPerc": "0.50"}


def test_abatimento_and_desconto_appear_in_componentes_valor() -> None:
    # GIVEN 200.00 with a 10 % abatimento and 5.00 off until the due date, paid on it
    valor = PixCobvValor.from_api(
        {
            "original": "200.00",
            "abatimento": {"modalidade": 2, "valorPerc": "10.00"},
            "desconto": {
                "modalidade": "1",
                "descontoDataFixa": [{"data": "2026-03-10", "valorPerc": "5.00"}],
            },
        }
    )

    result = pix_cobv_value(valor, date(2026, 3, 10), date(2026, 3, 10), NATIONAL)

    assert result.componentes_valor() == {
        "original": {"valor": "200.00"},
        "abatimento": {"valor": "20.00"},
        "desconto": {"valor": "5.00"},
    }
    assert result.valor == D("175.00")


def test_to_api_refuses_a_rate_with_more_than_two_places() -> None:
    # 0.033 % a day is a fine rule for a boleto but the API Pix valorPerc has two places.
    valor = PixCobvValor(D("100.00"), LateChargeRules(juros=Juros.percent_per_day("0.033")))

    with pytest.raises(LateChargeError, match="two decimal places") as error:
        valor.to_api()
    assert error.value.field == "valor.juros.valorPerc"


def _valor(**parts: Any) -> dict[str, Any]:
    return {"original": "10.00", **parts}


@pytest.mark.parametrize(
    ("valor", "field"),
    [
        ({}, "valor.original"),
        ({"original": "abc"}, "valor.original"),
        ({"original": "0.00"}, "valor.original"),
        (_valor(juros={"modalidade": 9, "valorPerc": "1.00"}), "valor.juros.modalidade"),
        (_valor(juros={"modalidade": "x", "valorPerc": "1.00"}), "valor.juros.modalidade"),
        (_valor(juros={"modalidade": True, "valorPerc": "1.00"}), "valor.juros.modalidade"),
        (_valor(multa={"modalidade": 2}), "valor.multa.valorPerc"),
        (_valor(multa={"modalidade": 3, "valorPerc": "1.00"}), "valor.multa.modalidade"),
        (_valor(multa={"modalidade": 2, "valorPerc": "abc"}), "valor.multa.valorPerc"),
        (
            _valor(
                desconto={
                    "modalidade": 1,
                    "descontoDataFixa": [{"data": "31/12/2026", "valorPerc": "1.00"}],
                }
            ),
            "valor.desconto.descontoDataFixa[0].data",
        ),
        (
            _valor(desconto={"modalidade": 2, "descontoDataFixa": "x"}),
            "valor.desconto.descontoDataFixa",
        ),
        (_valor(desconto={"modalidade": 5}), "valor.desconto.valorPerc"),
        (
            _valor(desconto={"modalidade": 1, "descontoDataFixa": [5]}),
            "valor.desconto.descontoDataFixa[0]",
        ),
        (_valor(multa="2%"), "valor.multa"),
        (_valor(abatimento={"modalidade": 0, "valorPerc": "1.00"}), "valor.abatimento.modalidade"),
    ],
)
def test_bad_cobv_valor_names_the_json_field(valor: dict[str, Any], field: str) -> None:
    with pytest.raises(LateChargeError) as error:
        PixCobvValor.from_api(valor)
    assert error.value.field == field
