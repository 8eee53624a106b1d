"""Arrecadação (utility and tax) codes: 44-digit barcode and 48-digit linha digitável."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from cobranca.instruments.boleto import BoletoError, parse_arrecadacao
from cobranca.instruments.boleto.arrecadacao import DvMethod, arrecadacao_dv, arrecadacao_linha
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import case_id, cases


@pytest.mark.parametrize("case", cases("arrecadacao_pair"), ids=case_id)
def test_pair_vectors_from_linha_and_barcode(case: dict[str, Any]) -> None:
    expected = case["expected"]
    forms = [case["input"]["linha_digitavel"]]
    if case["input"]["barcode"]:
        forms.append(case["input"]["barcode"])

    for form in forms:
        code = parse_arrecadacao(form)

        assert code.barcode == expected["barcode"]
        assert code.linha_digitavel == case["input"]["linha_digitavel"]
        assert code.segment == expected["segment"]
        assert code.segment_name == expected["segment_name"]
        assert code.value_id == expected["value_id"]
        assert code.dv_method == expected["dv_method"]
        assert code.effective_value is expected["effective_value"]
        amount = expected["amount"]
        assert code.amount == (Decimal(amount) if amount else None)
        assert code.empresa_orgao == expected["empresa_orgao"]


@pytest.mark.parametrize("case", cases("arrecadacao_linha_invalid"), ids=case_id)
def test_invalid_linha_names_the_block(case: dict[str, Any]) -> None:
    with pytest.raises(BoletoError) as error:
        parse_arrecadacao(case["input"]["linha_digitavel"])

    # Value id 6 -> módulo 10; block 1 (82630000001) has DV 3, the linha prints 1.
    assert error.value.part == "bloco 1"
    assert error.value.reason == "bloco 1 DV is 1, expected 3"


@pytest.mark.parametrize("case", cases("arrecadacao_barcode_invalid"), ids=case_id)
def test_invalid_barcodes_name_the_failing_part(case: dict[str, Any]) -> None:
    with pytest.raises(BoletoError) as error:
        parse_arrecadacao(case["input"]["barcode"])

    if "3rd digit" in case["expected"]["reason"]:
        assert error.value.part == "value id"
        assert error.value.reason == "third digit (value id) is 1, expected 6, 7, 8 or 9"
    else:
        assert error.value.part == "DV geral"
        assert error.value.reason == "DV geral is 9, expected 1"


@pytest.mark.parametrize(
    ("code", "part", "reason"),
    [
        ("8461000000024610029110005460339006958950610", "length", "length 43, expected 44"),
        (
            "74610000000246100291100054603390069589506108",
            "product id",
            "first digit is 7, expected 8 (arrecadação)",
        ),
        ("8461x000000246100291100054603390069589506108", "code", "non-digit character 'x'"),
    ],
)
def test_other_rejections(code: str, part: str, reason: str) -> None:
    with pytest.raises(BoletoError) as error:
        parse_arrecadacao(code)

    assert error.value.part == part
    assert error.value.reason.startswith(reason)


def test_segment_6_identifies_the_company_by_cnpj_root() -> None:
    # GIVEN a segment-6 barcode built with the right DV geral (value id 8, módulo 11)
    body = "868" + "00000012345" + "12345678" + "9" * 21
    barcode = body[:3] + str(arrecadacao_dv(body, "mod11")) + body[3:]

    code = parse_arrecadacao(barcode)

    assert code.empresa_orgao == "12345678"
    assert code.amount == Decimal("123.45")


@given(
    segment=st.sampled_from("1234567"),
    value_id=st.sampled_from("6789"),
    rest=st.text(alphabet="0123456789", min_size=40, max_size=40),
)
def test_barcode_to_linha_and_back(segment: str, value_id: str, rest: str) -> None:
    body = "8" + segment + value_id + rest
    method: DvMethod = "mod10" if value_id in "67" else "mod11"
    barcode = body[:3] + str(arrecadacao_dv(body, method)) + body[3:]

    linha = arrecadacao_linha(barcode)

    assert len(linha) == 48
    assert parse_arrecadacao(linha).barcode == barcode
