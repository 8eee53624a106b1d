"""CRC-16/CCITT-FALSE of BR Codes, over UTF-8 bytes (TRAPS 3)."""

from __future__ import annotations

from typing import Any

import pytest
from cobranca.instruments.pix import brcode_crc, build_static, crc16_ccitt_false, parse_brcode

from tests.vectors import case_id, cases

EVP = "123e4567-e12b-12d1-a456-426655440000"
# The TRAPS 3 payload up to and including "6304": name of 17 characters (18 UTF-8 bytes).
ACCENTED_BODY = (
    "00020126580014br.gov.bcb.pix0136" + EVP + "52040000530398658"
    "02BR5917Café Exemplo Ltda6009SAO PAULO62070503***6304"
)


@pytest.mark.parametrize("case", cases("crc16_ccitt_false"), ids=case_id)
def test_crc_vectors(case: dict[str, Any]) -> None:
    assert brcode_crc(case["input"]) == case["expected"]
    assert crc16_ccitt_false(case["input"].encode()) == int(case["expected"], 16)


def test_traps_3_crc_over_utf8_bytes_is_f6d2() -> None:
    assert brcode_crc(ACCENTED_BODY) == "F6D2"


def test_traps_3_crc_over_code_points_would_be_the_wrong_0e93() -> None:
    # What a generator computing over characters (each reduced to one byte) produces.
    code_points = bytes(ord(char) for char in ACCENTED_BODY)

    assert f"{crc16_ccitt_false(code_points):04X}" == "0E93"


def test_traps_3_the_builder_removes_accents_and_gets_46a7() -> None:
    # Documented policy (cobranca.instruments.pix.brcode): accents are removed.
    payload = build_static(key=EVP, name="Café Exemplo Ltda", city="SAO PAULO")

    assert "5917Cafe Exemplo Ltda" in payload
    assert payload.endswith("630446A7")
    assert parse_brcode(payload).valid


def test_traps_3_the_reader_accepts_the_accented_crc_but_flags_the_name() -> None:
    code = parse_brcode(ACCENTED_BODY + "F6D2")

    assert code.crc_valid
    assert code.name == "Café Exemplo Ltda"
    assert not code.valid
    assert code.field == "merchant_name (59)"
