"""CPF and CNPJ (numeric and alphanumeric): validation, formatting, masking."""

from __future__ import annotations

import string

import pytest
from cobranca.domain.documents import (
    check_document,
    cnpj_check_digits,
    cpf_check_digits,
    format_document,
    is_valid_cnpj,
    is_valid_cpf,
    mask_document,
    normalize_document,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("value", "kind", "normalized", "formatted"),
    [
        ("123.456.789-09", "cpf", "12345678909", "123.456.789-09"),
        ("12345678909", "cpf", "12345678909", "123.456.789-09"),
        ("11.222.333/0001-81", "cnpj", "11222333000181", "11.222.333/0001-81"),
        ("12.ABC.345/01DE-35", "cnpj", "12ABC34501DE35", "12.ABC.345/01DE-35"),
        (" 12abc345/01de-35 ", "cnpj", "12ABC34501DE35", "12.ABC.345/01DE-35"),
    ],
)
def test_valid_documents(value: str, kind: str, normalized: str, formatted: str) -> None:
    check = check_document(value)

    assert check.valid
    assert check.reason is None
    assert (check.kind, check.normalized, check.formatted) == (kind, normalized, formatted)


def test_receita_alphanumeric_example_check_digits() -> None:
    # The Receita's example: each letter counts as its ASCII code minus 48 (A=17, ... E=21).
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert cpf_check_digits("123456789") == "09"


@pytest.mark.parametrize(
    ("value", "kind", "reason"),
    [
        ("111.111.111-11", "cpf", "a CPF cannot repeat one digit throughout"),
        ("000.000.000-00", "cpf", "a CPF cannot repeat one digit throughout"),
        ("00.000.000/0000-00", "cnpj", "a CNPJ cannot repeat one character throughout"),
        ("123.456.789-19", "cpf", "first check digit of the CPF is 1, expected 0"),
        ("123.456.789-00", "cpf", "second check digit of the CPF is 0, expected 9"),
        ("12.ABC.345/01DE-45", "cnpj", "first check digit of the CNPJ is 4, expected 3"),
        ("12.ABC.345/01DE-36", "cnpj", "second check digit of the CNPJ is 6, expected 5"),
        ("12.ABC.345/01DE-3A", "cnpj", "the two check digits of a CNPJ (last two) must be digits"),
        ("1234567890A", "cpf", "a CPF has only digits"),
        ("123.456.789", None, "a CPF has 11 digits and a CNPJ 14 characters; got 9"),
        ("123456789012", None, "a CPF has 11 digits and a CNPJ 14 characters; got 12"),
        ("123.456.789-0#", None, "characters not allowed in a CPF or CNPJ: '#'"),
        ("", None, "empty document"),
    ],
)
def test_invalid_documents_say_why(value: str, kind: str | None, reason: str) -> None:
    check = check_document(value)

    assert not check.valid
    assert check.kind == kind
    assert check.reason == reason
    assert check.formatted is None


def test_non_text_is_invalid() -> None:
    check = check_document(12345678909)  # type: ignore[arg-type]
    assert (check.valid, check.reason) == (False, "expected text, got int")


def test_kind_helpers() -> None:
    assert is_valid_cpf("123.456.789-09")
    assert not is_valid_cpf("11.222.333/0001-81")
    assert is_valid_cnpj("11.222.333/0001-81")
    assert not is_valid_cnpj("123.456.789-09")


def test_masking_for_logs() -> None:
    assert mask_document("123.456.789-09") == "***.456.789-**"
    assert mask_document("11222333000181") == "**.222.333/0001-**"
    assert mask_document("12.ABC.345/01DE-35") == "**.ABC.345/01DE-**"
    assert mask_document("12345") == "*****"


def test_format_rejects_other_lengths() -> None:
    with pytest.raises(ValueError, match="not the length of a CPF or CNPJ: 5"):
        format_document("12345")


@pytest.mark.parametrize("base", ["12345678", "1234567890", "12345678X"])
def test_cpf_base_must_be_nine_digits(base: str) -> None:
    with pytest.raises(ValueError, match="a CPF base is 9 digits"):
        cpf_check_digits(base)


@pytest.mark.parametrize("base", ["12ABC34501D", "12abc34501de", "12ABC34501D#"])
def test_cnpj_base_must_be_twelve_alphanumerics(base: str) -> None:
    with pytest.raises(ValueError, match="a CNPJ base is 12 characters"):
        cnpj_check_digits(base)


cpf_bases = st.text(alphabet=string.digits, min_size=9, max_size=9).filter(
    lambda base: len(set(base)) > 1
)
cnpj_bases = st.text(
    alphabet=string.digits + string.ascii_uppercase, min_size=12, max_size=12
).filter(lambda base: len(set(base)) > 1)


@given(base=cpf_bases)
def test_generated_cpf_round_trips(base: str) -> None:
    cpf = base + cpf_check_digits(base)
    formatted = format_document(cpf)
    check = check_document(formatted)

    assert check.valid
    assert check.kind == "cpf"
    assert check.normalized == cpf == normalize_document(formatted)
    assert check.formatted == formatted


@given(base=cnpj_bases)
def test_generated_cnpj_round_trips(base: str) -> None:
    cnpj = base + cnpj_check_digits(base)
    formatted = format_document(cnpj)
    check = check_document(formatted.lower())

    assert check.valid
    assert check.kind == "cnpj"
    assert check.normalized == cnpj == normalize_document(formatted)
    assert check.formatted == formatted


@given(base=cnpj_bases, position=st.sampled_from([0, 1]), shift=st.integers(1, 9))
def test_a_wrong_check_digit_is_named(base: str, position: int, shift: int) -> None:
    digits = list(cnpj_check_digits(base))
    digits[position] = str((int(digits[position]) + shift) % 10)

    check = check_document(base + "".join(digits))

    assert not check.valid
    expected = "first" if position == 0 else "second"
    assert check.reason is not None
    assert check.reason.startswith(f"{expected} check digit of the CNPJ")
