"""Módulo 10 and módulo 11 check digits against the shared vectors."""

from __future__ import annotations

from typing import Any

import pytest
from cobranca.instruments.boleto.arrecadacao import arrecadacao_dv
from cobranca.instruments.boleto.check_digits import dv_geral, mod10, mod11_arrecadacao

from tests.vectors import case_id, cases


@pytest.mark.parametrize("case", cases("mod10_dac"), ids=case_id)
def test_mod10_matches_the_bb_manual_example(case: dict[str, Any]) -> None:
    assert mod10(case["input"]["digits"]) == case["expected"]["dv"]


@pytest.mark.parametrize("case", cases("mod11_boleto_dv"), ids=case_id)
def test_dv_geral_matches_the_bb_manual_example(case: dict[str, Any]) -> None:
    digits43 = case["input"]["digits43"]

    assert dv_geral(digits43) == case["expected"]["dv"]


@pytest.mark.parametrize("case", cases("mod11_arrecadacao_dac"), ids=case_id)
def test_mod11_arrecadacao_matches_the_febraban_example(case: dict[str, Any]) -> None:
    assert mod11_arrecadacao(case["input"]["digits"]) == case["expected"]["dv"]


@pytest.mark.parametrize("case", cases("arrecadacao_dv_geral"), ids=case_id)
def test_arrecadacao_dv_geral_in_either_modulus(case: dict[str, Any]) -> None:
    # GIVEN the FEBRABAN example's first three digits and the 40 after the DV
    first3, rest40 = case["input"]["first3"], case["input"]["rest40"]

    # WHEN the DV geral is computed in the vector's modulus
    dv = arrecadacao_dv(first3 + rest40, case["input"]["method"])

    # THEN it is the manual's digit and completes the manual's barcode
    assert dv == case["expected"]["dv"]
    assert first3 + str(dv) + rest40 == case["expected"]["barcode"]


def test_dv_geral_maps_zero_ten_and_eleven_to_one() -> None:
    # 11 - remainder gives 11 for remainder 0 and 10 for remainder 1; both print as 1.
    assert dv_geral("0" * 43) == 1
    assert dv_geral("0" * 42 + "5") == 1


def test_mod10_of_a_product_above_nine_sums_its_digits() -> None:
    # 9 * 2 = 18 counts as 1 + 8 = 9, so the DV is 1.
    assert mod10("9") == 1
