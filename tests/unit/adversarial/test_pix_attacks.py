"""Hostile BR Codes: look-alike digits, duplicated sub-IDs, oversize payloads, bad bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cobranca.cli.main import main
from cobranca.instruments.pix.brcode import BRCodeError, build_brcode, parse_brcode
from cobranca.instruments.pix.crc import brcode_crc
from cobranca.instruments.pix.emv import TLVError, read_tlv, tlv

EVP = "123e4567-e89b-12d3-a456-426614174000"
ACCOUNT = tlv("26", tlv("00", "br.gov.bcb.pix") + tlv("01", EVP))
HEAD = tlv("00", "01") + ACCOUNT + tlv("52", "0000") + tlv("53", "986")
MERCHANT = tlv("58", "BR") + tlv("59", "Fulano de Tal") + tlv("60", "BRASILIA")
TXID_NONE = tlv("62", tlv("05", "***"))


def _seal(body: str) -> str:
    """Close a payload with its (correct) CRC, so only the rule under test can fail."""
    body += "6304"
    return body + brcode_crc(body)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_a_well_formed_code_is_the_baseline() -> None:
    code = parse_brcode(_seal(HEAD + tlv("54", "10.00") + MERCHANT + TXID_NONE))

    assert code.valid
    assert str(code.amount) == "10.00"


def test_a_length_written_with_a_superscript_digit_is_invalid_not_a_crash() -> None:
    # "²".isdigit() is True but int("0²") raises ValueError
    code = parse_brcode(_seal(HEAD + "540²10" + MERCHANT + TXID_NONE))

    assert not code.valid
    assert code.field == "payload"
    assert "not two digits" in (code.reason or "")


def test_full_width_ids_and_lengths_are_not_tlv() -> None:
    with pytest.raises(TLVError, match="ID"):
        read_tlv("５４0510.00")
    with pytest.raises(TLVError, match="not two digits"):
        read_tlv("54０５10.00")


def test_a_full_width_amount_is_refused() -> None:
    code = parse_brcode(_seal(HEAD + "5405１０.００" + MERCHANT + TXID_NONE))

    assert not code.valid
    assert code.field == "amount (54)"
    assert code.amount is None


def test_an_amount_with_a_trailing_newline_is_refused() -> None:
    code = parse_brcode(_seal(HEAD + tlv("54", "10.0\n") + MERCHANT + TXID_NONE))

    assert not code.valid
    assert code.field == "amount (54)"


def test_a_txid_with_a_trailing_newline_is_refused_by_reader_and_builder() -> None:
    code = parse_brcode(_seal(HEAD + MERCHANT + tlv("62", tlv("05", "ABC\n"))))

    assert not code.valid
    assert code.field == "txid (62-05)"
    with pytest.raises(BRCodeError) as error:
        build_brcode(key=EVP, name="Fulano", city="BRASILIA", txid="ABC\n")
    assert error.value.field == "txid (62-05)"


def test_a_duplicated_key_inside_the_pix_account_is_refused() -> None:
    # Two keys in template 26: the reader used to keep the last one and call the code valid,
    # so a payer app reading the first key and the hub reading the second disagreed.
    account = tlv("26", tlv("00", "br.gov.bcb.pix") + tlv("01", EVP) + tlv("01", "x@evil.com"))
    code = parse_brcode(
        _seal(
            tlv("00", "01") + account + tlv("52", "0000") + tlv("53", "986") + MERCHANT + TXID_NONE
        )
    )

    assert not code.valid
    assert code.field == "merchant account (26)"
    assert "ID 01 appears more than once" in (code.reason or "")


def test_a_duplicated_txid_in_additional_data_is_refused() -> None:
    code = parse_brcode(_seal(HEAD + MERCHANT + tlv("62", tlv("05", "***") + tlv("05", "ABC"))))

    assert not code.valid
    assert code.field == "additional data (62)"
    assert "ID 05 appears more than once" in (code.reason or "")


def test_a_payload_longer_than_512_characters_is_refused() -> None:
    unreserved = "".join(tlv(str(number), tlv("00", "x" * 90)) for number in range(80, 86))
    payload = _seal(HEAD + MERCHANT + TXID_NONE + unreserved)
    assert len(payload) == 725

    code = parse_brcode(payload)

    assert not code.valid
    assert code.field == "payload"
    assert "725 characters, at most 512" in (code.reason or "")


@pytest.mark.parametrize(
    "key",
    [
        "１２３４５６７８９０１",
        "fulâno@exemplo.com",
        EVP + "\n",
        "+5511999999999\n",
        "52998224725\n",
    ],
)
def test_the_builder_refuses_keys_that_are_not_plain_ascii(key: str) -> None:
    with pytest.raises(BRCodeError) as error:
        build_brcode(key=key, name="Fulano", city="BRASILIA")

    assert error.value.field == "key (26-01)"


def test_the_reader_refuses_a_full_width_cpf_key() -> None:
    account = tlv("26", tlv("00", "br.gov.bcb.pix") + tlv("01", "１２３４５６７８９０１"))
    code = parse_brcode(
        _seal(
            tlv("00", "01") + account + tlv("52", "0000") + tlv("53", "986") + MERCHANT + TXID_NONE
        )
    )

    assert not code.valid
    assert code.field == "key (26-01)"


def test_a_full_width_mcc_is_refused() -> None:
    code = parse_brcode(
        _seal(
            tlv("00", "01")
            + ACCOUNT
            + tlv("52", "００００")
            + tlv("53", "986")
            + MERCHANT
            + TXID_NONE
        )
    )

    assert not code.valid
    assert code.field == "mcc (52)"


def test_a_lower_case_crc_is_accepted_with_a_warning() -> None:
    # Policy: the CRC is hex and compared without case (payer apps do), but the BR Code
    # manual prints it in upper case and this builder always writes it so; say so.
    good = _seal(HEAD + MERCHANT + TXID_NONE)
    code = parse_brcode(good[:-4] + good[-4:].lower())

    assert good[-4:] != good[-4:].lower()
    assert code.valid
    assert code.crc_valid
    assert any("lower case" in warning for warning in code.warnings)


def test_pix_build_with_a_huge_amount_names_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(
        capsys,
        "pix",
        "build",
        "--key",
        EVP,
        "--name",
        "Fulano",
        "--city",
        "BRASILIA",
        "--amount",
        "1e30",
    )

    assert status == 1
    assert out["field"] == "amount (54)"
    assert "too large" in out["reason"]


def test_pix_build_refuses_a_full_width_amount(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(
        capsys,
        "pix",
        "build",
        "--key",
        EVP,
        "--name",
        "Fulano",
        "--city",
        "BRASILIA",
        "--amount",
        "１００",
    )

    assert status == 1
    assert out["field"] == "amount (54)"


def test_pix_inspect_of_bytes_that_are_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    # A shell argument with the byte 0xFF arrives as the lone surrogate U+DCFF; the CRC step
    # raised UnicodeEncodeError, and echoing it produced JSON that is not UTF-8.
    payload = _seal(HEAD + MERCHANT + TXID_NONE)
    status = main(["pix", "inspect", payload[:30] + "\udcff" + payload[30:]])
    text = capsys.readouterr().out
    out = json.loads(text)

    assert status == 1
    assert out["valid"] is False
    assert out["field"] == "payload"
    assert "not valid UTF-8" in out["reason"]
    text.encode("utf-8")


def test_pix_inspect_of_a_bare_undecodable_byte(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["pix", "inspect", "\udcff"])
    text = capsys.readouterr().out

    assert status == 1
    assert json.loads(text)["field"] == "payload"
    text.encode("utf-8")
