"""BR Codes: every shared vector read back, the field rules, and building."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from cobranca.instruments.pix import (
    BRCodeError,
    brcode_crc,
    build_brcode,
    build_dynamic,
    build_static,
    check_api_txid,
    parse_brcode,
)
from cobranca.instruments.pix.emv import TLVError, read_tlv, tlv
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import case_id, cases

EVP = "123e4567-e12b-12d1-a456-426655440000"
# Field names of the vectors that map one to one onto BRCode attributes.
SCALAR_FIELDS = (
    "crc",
    "crc_valid",
    "mai_tag",
    "gui",
    "key",
    "url",
    "poi",
    "mcc",
    "currency",
    "country",
    "name",
    "city",
    "txid",
    "info_adicional",
    "fss",
    "postal_code",
    "unreserved",
)


def _policy_verdict(case: dict[str, Any]) -> str | None:
    """The reason our documented policies reject a vector the sources read as fine, if any."""
    payload = case["input"]
    if "6008BRASÍLIA" in payload:
        # Accent policy: non-ASCII city marked invalid (the CRC over bytes is still right).
        return "merchant_city (60) has non-ASCII character 'Í' at position 5"
    if "-" in str(case["expected"].get("txid", "")):
        # Pix allows only [A-Za-z0-9] in a static txid. The BCB Manual do BR Code example
        # predates Pix (a generic BR Code) and laravel-boleto's fixture breaks the rule.
        return "txid (62-05) has character '-'"
    return None


@pytest.mark.parametrize("case", cases("pix_brcode"), ids=case_id)
def test_brcode_vectors(case: dict[str, Any]) -> None:
    expected = case["expected"]

    code = parse_brcode(case["input"])

    for name in SCALAR_FIELDS:
        if name in expected:
            assert getattr(code, name) == expected[name], name
    if "tags" in expected:
        assert list(code.tags) == expected["tags"]
    if "amount" in expected:
        assert code.amount_text == expected["amount"]
        assert code.amount == Decimal(expected["amount"]).quantize(Decimal("0.01"))

    policy = _policy_verdict(case)
    if policy is None:
        assert code.valid, code.reason
        assert code.reason is None
    else:
        assert not code.valid
        assert code.reason is not None
        assert code.reason.startswith(policy)


def test_a_dynamic_code_with_a_txid_is_valid_with_a_warning() -> None:
    case = next(c for c in cases("pix_brcode") if c["expected"].get("txid") == "5656565656565656")

    code = parse_brcode(case["input"])

    assert code.valid
    assert code.dynamic
    assert code.warnings == (
        "dynamic BR Code carries txid '5656565656565656' in 62-05; readers ignore it and use "
        "the txid of the payload at the URL",
    )


def test_other_scheme_accounts_are_kept_apart() -> None:
    case = next(c for c in cases("pix_brcode") if c["expected"].get("crc") == "AD38")

    code = parse_brcode(case["input"])

    assert code.other_accounts == {
        "04": "12345678901234",
        "27": "0012BR.COM.OUTRO01100123456789",
    }


@pytest.mark.parametrize("case", cases("pix_brcode_invalid"), ids=case_id)
def test_invalid_vectors_name_the_field(case: dict[str, Any]) -> None:
    expected = case["expected"]

    code = parse_brcode(case["input"])

    assert not code.valid
    if "crc_valid" in expected:
        assert code.crc_valid is expected["crc_valid"]
    reason = expected["reason"]
    if reason.startswith("invalid CRC"):
        assert code.field == "crc (63)"
        assert code.reason == "CRC (63) is EFB2, expected 2BFE"
    elif reason.startswith("merchant_city"):
        assert code.field == "merchant_city (60)"
        assert code.city == "Brasília"
        assert code.reason == (
            "merchant_city (60) has non-ASCII character 'í' at position 5; "
            "BR Code text must be printable ASCII"
        )
    else:
        assert code.field == "url (26-25)"
        assert code.reason == reason + " (https://)"


def _valid_static() -> str:
    return build_static(key=EVP, name="Fulano de Tal", city="BRASILIA")


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("5303986", "5303840", "currency (53)", "currency is '840', expected 986 (real)"),
        ("5802BR", "5802US", "country (58)", "country is 'US', expected BR"),
        ("52040000", "5204000A", "mcc (52)", "merchant category code is '000A'"),
        ("000201", "000202", "payload_format (00)", "payload format is '02', expected 01"),
        ("62070503***", "62070503a b", "txid (62-05)", "txid (62-05) has character ' '"),
        ("62070503***", "", "additional data (62)", "additional data (62) with the txid is"),
        ("5913Fulano de Tal", "", "merchant_name (59)", "merchant_name (59) is missing"),
        ("0014br.gov.bcb.pix", "0014br.gov.bcb.pox", "merchant account (26)", "no Pix merchant"),
    ],
)
def test_broken_fields_are_named(old: str, new: str, field: str, reason: str) -> None:
    # GIVEN a valid static code with one field changed and the CRC recomputed
    body = _valid_static()[:-8].replace(old, new)
    payload = body + "6304" + brcode_crc(body + "6304")

    # WHEN read
    code = parse_brcode(payload)

    # THEN only the broken field fails, by name
    assert code.crc_valid
    assert not code.valid
    assert code.field == field
    assert code.reason is not None
    assert code.reason.startswith(reason)


def test_a_truncated_payload_names_the_length() -> None:
    code = parse_brcode("000201265800")

    assert not code.valid
    assert "declares 58 characters" in " ".join(code.problems)


def test_lengths_count_characters_not_bytes() -> None:
    assert tlv("60", "BRASÍLIA") == "6008BRASÍLIA"
    assert read_tlv("6008BRASÍLIA")[0].value == "BRASÍLIA"
    with pytest.raises(TLVError, match="declares 9 characters, only 8 remain"):
        read_tlv("6009BRASÍLIA")


def test_build_static_with_everything() -> None:
    payload = build_static(
        key="fulano@example.com",
        name="Fulano de Tal",
        city="BRASILIA",
        amount=Decimal("1234.5"),
        txid="PEDIDO123",
        info_adicional="Pedido 123",
    )

    code = parse_brcode(payload)
    assert code.valid
    assert code.key == "fulano@example.com"
    assert code.amount_text == "1234.50"
    assert code.amount == Decimal("1234.50")
    assert code.txid == "PEDIDO123"
    assert code.info_adicional == "Pedido 123"
    assert code.poi is None


def test_build_dynamic_points_at_the_url_with_poi_12_and_no_txid() -> None:
    payload = build_dynamic(url="pix.example.com/qr/v2/1234", name="Fulano de Tal", city="Brasilia")

    # The same code as brazilian-utils' documented example (vector FC66).
    assert payload == next(
        c["input"] for c in cases("pix_brcode") if c["expected"].get("crc") == "FC66"
    )
    code = parse_brcode(payload)
    assert code.dynamic
    assert code.poi == "12"
    assert code.txid == "***"


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"name": "A" * 26}, "merchant_name (59)", "merchant_name (59) has 26 characters"),
        ({"city": "B" * 16}, "merchant_city (60)", "merchant_city (60) has 16 characters"),
        ({"name": "Zoë 😀"}, "merchant_name (59)", "merchant_name (59) has non-ASCII"),
        ({"txid": "A" * 26}, "txid (62-05)", "txid (62-05) has 26 characters"),
        ({"txid": "pedido-1"}, "txid (62-05)", "txid (62-05) has character '-'"),
        ({"amount": "0"}, "amount (54)", "amount (54) 0.00 must be positive"),
        ({"amount": "12345678901.00"}, "amount (54)", "amount (54) 12345678901.00 has more"),
        ({"amount": "1,00"}, "amount (54)", "amount (54): not a decimal amount"),
        ({"key": "not a key"}, "key (26-01)", "key (26-01) 'not a key' is not a CPF"),
        ({"key": "a" * 70 + "@b.com.br"}, "key (26-01)", "key (26-01) has 79 characters"),
        ({"mcc": "12"}, "mcc (52)", "mcc (52) '12' must be four digits"),
    ],
)
def test_build_refuses_fields_against_the_rules(
    kwargs: dict[str, Any], field: str, reason: str
) -> None:
    fields: dict[str, Any] = {"key": EVP, "name": "Fulano", "city": "BRASILIA"}
    fields.update(kwargs)

    with pytest.raises(BRCodeError) as error:
        build_brcode(**fields)

    assert error.value.field == field
    assert error.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"url": "https://pix.example.com/x"}, "must not contain the protocol"),
        ({"url": "pix.example.com/x", "txid": "ABC"}, "a dynamic BR Code carries txid ***"),
        ({"key": EVP, "url": "pix.example.com/x"}, "exactly one of key"),
        ({"key": None}, "exactly one of key"),
    ],
)
def test_build_dynamic_rules(kwargs: dict[str, Any], reason: str) -> None:
    fields: dict[str, Any] = {"name": "Fulano", "city": "BRASILIA"}
    fields.update(kwargs)

    with pytest.raises(BRCodeError, match=re.escape(reason)):
        build_brcode(**fields)


@pytest.mark.parametrize(
    "key",
    [EVP, "12345678909", "12345678000195", "12ABC34501DE35", "+5561912345678", "a@b.co"],
)
def test_build_accepts_every_key_type(key: str) -> None:
    assert parse_brcode(build_static(key=key, name="Fulano", city="BRASILIA")).key == key


@pytest.mark.parametrize(
    ("txid", "ok"),
    [
        ("a" * 26, True),
        ("A1" * 17 + "B", True),
        ("a" * 25, False),
        ("a" * 36, False),
        ("a" * 25 + "-", False),
    ],
)
def test_api_txid_is_26_to_35_alphanumeric(txid: str, ok: bool) -> None:
    for charge in ("cob", "cobv"):
        if ok:
            check_api_txid(txid, charge)
        else:
            with pytest.raises(BRCodeError, match=f"{charge} txid must be 26 to 35"):
                check_api_txid(txid, charge)


_printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1)


@given(
    name=_printable.filter(lambda text: len(text) <= 25),
    city=_printable.filter(lambda text: len(text) <= 15),
    cents=st.one_of(st.none(), st.integers(min_value=1, max_value=99_999_999_99)),
    txid=st.one_of(st.just("***"), st.from_regex(r"\A[A-Za-z0-9]{1,25}\Z")),
)
def test_build_then_parse_gives_back_every_field(
    name: str, city: str, cents: int | None, txid: str
) -> None:
    amount = None if cents is None else Decimal(cents) / 100

    code = parse_brcode(build_static(key=EVP, name=name, city=city, amount=amount, txid=txid))

    assert code.valid, code.reason
    assert (code.key, code.name, code.city, code.txid) == (EVP, name, city, txid)
    assert code.amount == (None if amount is None else amount.quantize(Decimal("0.01")))
