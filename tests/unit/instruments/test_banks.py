"""Banks' campo livre layouts: built from fields, read back, and their check digits.

Expected campo livres come from the shared vectors (boleto_pair) where a bank has one, and
otherwise from published examples (pyboleto's and brcobranca's bank tests), each cited.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cobranca.instruments.boleto import BoletoError, build_boleto, parse_boleto
from cobranca.instruments.boleto.banks import (
    banco_do_brasil,
    banrisul,
    bradesco,
    caixa,
    itau,
    parse_campo_livre,
    santander,
    sicoob,
    sicredi,
)
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import cases


def _vector_campo_livre(note: str) -> str:
    """The campo livre of the boleto_pair vector whose note starts with ``note``."""
    for case in cases("boleto_pair"):
        if case["note"].startswith(note):
            return str(case["expected"]["campo_livre"])
    raise LookupError(note)


# --------------------------------------------------------------------------- Banco do Brasil


def test_bb_convenio_7_matches_the_vector() -> None:
    campo = banco_do_brasil.campo_livre(convenio="7777777", sequencial=87654, carteira="18")

    assert campo == _vector_campo_livre("001 Banco do Brasil (convênio 7")
    read = banco_do_brasil.parse_campo_livre(campo)
    assert read.nosso_numero == "77777770000087654"
    assert read.nosso_numero_dv is None
    assert read.fields == {"convenio": "7777777", "sequencial": "0000087654", "carteira": "18"}


@pytest.mark.parametrize(("convenio", "sequencial"), [("0500", 9401448), ("050094", 1448)])
def test_bb_convenios_4_and_6_match_the_official_example(convenio: str, sequencial: int) -> None:
    # BB's Doc5175 example: the same 11-digit nosso número reads as either convênio size.
    campo = banco_do_brasil.campo_livre(
        convenio=convenio, sequencial=sequencial, carteira="31", agencia="1606", conta="6809350"
    )

    assert campo == _vector_campo_livre("001 BB official example")
    read = banco_do_brasil.parse_campo_livre(campo, convenio_digits=len(convenio))
    assert read.nosso_numero == "05009401448"
    assert read.fields["convenio"] == convenio
    assert read.fields["agencia"] == "1606"
    assert read.fields["conta"] == "06809350"


def test_bb_convenio_4_or_6_cannot_be_read_without_the_hint() -> None:
    with pytest.raises(BoletoError, match="pass convenio_digits") as error:
        banco_do_brasil.parse_campo_livre(_vector_campo_livre("001 BB official example"))

    assert error.value.part == "convênio"


def test_bb_convenio_6_with_the_17_digit_nosso_numero_ends_in_service_21() -> None:
    campo = banco_do_brasil.campo_livre(
        convenio="123456", sequencial=12345678901234567, carteira="18", nosso_numero_17=True
    )

    assert campo == "1234561234567890123456721"
    read = banco_do_brasil.parse_campo_livre(campo, convenio_digits=6)
    assert read.nosso_numero == "12345678901234567"


def test_bb_nosso_numero_17_needs_carteira_16_or_18() -> None:
    with pytest.raises(BoletoError, match="carteira 16 or 18"):
        banco_do_brasil.campo_livre(
            convenio="123456", sequencial=1, carteira="17", nosso_numero_17=True
        )


@pytest.mark.parametrize(
    ("nosso_numero", "dv"),
    [
        ("05009401448", "1"),
        # weighted sum 0: remainder 0, digit 11 prints 0
        ("00000000000", "0"),
        # weighted sum 6 * 2 = 12 leaves remainder 1: digit 10 prints X
        ("00000000006", "X"),
    ],
)
def test_bb_nosso_numero_dv(nosso_numero: str, dv: str) -> None:
    assert banco_do_brasil.nosso_numero_dv(nosso_numero) == dv


def test_bb_refuses_a_convenio_of_another_size() -> None:
    with pytest.raises(BoletoError, match="4, 6 or 7 digits"):
        banco_do_brasil.campo_livre(convenio="12345", sequencial=1, carteira="18")


# --------------------------------------------------------------------------- Itaú


def test_itau_matches_pyboleto_carteira_109_example() -> None:
    # pyboleto tests/test_banco_itau.py: agência 0293, conta 01328, nosso número 157,
    # barcode 34199439500000029801090000015710293013280000 (DAC 1, agência/conta DAC 0).
    campo = itau.campo_livre(carteira="109", nosso_numero=157, agencia="0293", conta="01328")

    assert campo == "1090000015710293013280000"
    boleto = build_boleto("341", due_date=date(2009, 10, 19), amount="29.80", campo_livre=campo)
    assert boleto.barcode == "34199439500000029801090000015710293013280000"
    assert boleto.linha_formatada == "34191.09008 00015.710296 30132.800001 9 43950000002980"
    read = parse_campo_livre("341", campo)
    assert (read.nosso_numero, read.nosso_numero_dv) == ("00000157", "1")
    assert read.fields == {"carteira": "109", "agencia": "0293", "conta": "01328"}


def test_itau_dac_of_carteiras_without_account_covers_carteira_and_nosso_numero() -> None:
    # módulo 10 of 126 00000157 alone: products 5+5+2+3+2+2 = 19, DAC 1
    dac = itau.nosso_numero_dac(agencia="0293", conta="01328", carteira="126", nosso_numero="157")

    assert dac == 1
    with_account = itau.nosso_numero_dac(
        agencia="0293", conta="01328", carteira="126", nosso_numero="157", sem_conta=False
    )
    assert with_account == 5


def test_itau_carteira_198_carries_seu_numero_and_cliente() -> None:
    campo = itau.campo_livre(
        carteira="198",
        nosso_numero=12345678,
        agencia="0293",
        conta="01328",
        seu_numero=1234567,
        codigo_cliente=12345,
    )

    assert campo[:23] == "19812345678123456712345"
    assert campo[24] == "0"
    read = itau.parse_campo_livre(campo)
    assert read.fields == {"carteira": "198", "seu_numero": "1234567", "codigo_cliente": "12345"}


def test_itau_special_carteira_needs_seu_numero() -> None:
    with pytest.raises(BoletoError, match="needs seu número"):
        itau.campo_livre(carteira="198", nosso_numero=1, agencia="1", conta="1")


def test_itau_reading_names_a_wrong_dac() -> None:
    with pytest.raises(BoletoError) as error:
        itau.parse_campo_livre("1090000015720293013280000")

    assert error.value.reason == "nosso número DAC is 2, expected 1"


# --------------------------------------------------------------------------- Bradesco


def test_bradesco_matches_the_vector() -> None:
    campo = bradesco.campo_livre(
        agencia="0278", carteira="06", nosso_numero=2125525, conta="0039232"
    )

    assert campo == _vector_campo_livre("237 Bradesco")
    read = parse_campo_livre("237", campo)
    assert read.nosso_numero == "00002125525"
    assert read.fields == {"agencia": "0278", "carteira": "06", "conta": "0039232"}


@pytest.mark.parametrize(
    ("carteira", "nosso_numero", "dv"),
    [
        # weights 2..7 over 06 + 00002125525: sum 126, remainder 5, digit 6
        ("06", "00002125525", "6"),
        # sum 12 leaves remainder 1: P
        ("00", "00000000006", "P"),
        # sum 0: 0
        ("00", "00000000000", "0"),
    ],
)
def test_bradesco_nosso_numero_dv(carteira: str, nosso_numero: str, dv: str) -> None:
    assert bradesco.nosso_numero_dv(carteira, nosso_numero) == dv


# --------------------------------------------------------------------------- Santander


def test_santander_matches_the_vector() -> None:
    campo = santander.campo_livre(
        codigo_beneficiario="0707077", nosso_numero=1234567, carteira="102"
    )

    assert campo == _vector_campo_livre("033 Santander")
    read = parse_campo_livre("033", campo)
    assert (read.nosso_numero, read.nosso_numero_dv) == ("000001234567", "9")
    assert read.fields == {"codigo_beneficiario": "0707077", "iof": "0", "carteira": "102"}


def test_santander_reading_names_a_wrong_nosso_numero_dv() -> None:
    with pytest.raises(BoletoError) as error:
        santander.parse_campo_livre("9070707700000123456780102")

    assert error.value.part == "nosso número DV"
    assert error.value.reason == "nosso número DV is 8, expected 9"


# --------------------------------------------------------------------------- Caixa


def test_caixa_sigcb_matches_the_vector() -> None:
    number = caixa.nosso_numero(9972639)

    campo = caixa.campo_livre(codigo_beneficiario="200656", nosso_numero=number)

    assert number == "14000000009972639"
    assert campo == _vector_campo_livre("104 Caixa")
    read = parse_campo_livre("104", campo)
    assert read.nosso_numero == number
    assert read.fields == {"beneficiario": "2006561", "modalidade": "1", "emissao": "4"}


def test_caixa_seven_digit_beneficiario_has_no_dv() -> None:
    # Codes from 1100000 go into positions 20-26 as they are (SIGCB specification, p. 26).
    campo = caixa.campo_livre(codigo_beneficiario="1234567", nosso_numero=caixa.nosso_numero(1))

    assert campo.startswith("1234567")
    assert caixa.beneficiario_field("200656") == "2006561"


def test_caixa_reading_names_a_wrong_dv() -> None:
    with pytest.raises(BoletoError, match="campo livre DV is 1, expected 0"):
        caixa.parse_campo_livre("2006561000100040099726391")


# --------------------------------------------------------------------------- Sicoob


def test_sicoob_matches_the_vector() -> None:
    campo = sicoob.campo_livre(cooperativa="1111", codigo_cliente="123123", nosso_numero=1)

    assert campo == _vector_campo_livre("756 Sicoob")
    read = parse_campo_livre("756", campo)
    assert (read.nosso_numero, read.nosso_numero_dv) == ("0000001", "6")
    assert read.fields["parcela"] == "001"


# --------------------------------------------------------------------------- Banrisul


def test_banrisul_matches_pyboleto_example() -> None:
    # pyboleto tests/test_banco_banrisul.py: agência 1102, código 9000150, nosso número
    # 22832563, campo livre 2111029000150228325634059, linha 04192.11107 29000.150226 ...
    campo = banrisul.campo_livre(
        agencia="1102", codigo_beneficiario="9000150", nosso_numero="22832563"
    )

    assert campo == "2111029000150228325634059"
    boleto = build_boleto("041", due_date=date(2000, 7, 4), amount=550, campo_livre=campo)
    assert boleto.barcode == "04198100100000550002111029000150228325634059"
    assert boleto.linha_formatada == "04192.11107 29000.150226 83256.340593 8 10010000055000"
    assert parse_campo_livre("041", campo).fields["codigo_beneficiario"] == "9000150"


def test_banrisul_duplo_digito_raises_the_first_digit_when_the_remainder_is_1() -> None:
    # "00000016": módulo 10 gives 6; with 6 the módulo 11 sum is 34, remainder 1, so the first
    # digit becomes 7 and the sum 36 leaves remainder 3: second digit 8.
    assert banrisul.duplo_digito("00000016") == "78"


def test_banrisul_duplo_digito_wraps_a_first_digit_9_to_0() -> None:
    # "00000265": módulo 10 gives 9, whose módulo 11 sum 67 leaves remainder 1; the first digit
    # wraps to 0, the sum becomes 49, remainder 5: second digit 6.
    assert banrisul.duplo_digito("00000265") == "06"


def test_banrisul_reading_names_a_wrong_duplo_digito() -> None:
    with pytest.raises(BoletoError, match="duplo dígito is 58, expected 59"):
        banrisul.parse_campo_livre("2111029000150228325634058")


# --------------------------------------------------------------------------- Sicredi


def test_sicredi_matches_brcobranca_example() -> None:
    # brcobranca spec/brcobranca/boleto/sicredi_spec.rb: cooperativa 1234, posto 18,
    # beneficiário 12345, year 12, byte 2, sequence 13871 -> nosso número 12/213871-5,
    # campo livre 3112213871512341812345100, linha 74893.11220 13871.512342 18123.451009 ...
    number = sicredi.nosso_numero(
        ano=12,
        byte=2,
        sequencial=13871,
        cooperativa="1234",
        posto="18",
        codigo_beneficiario="12345",
    )
    campo = sicredi.campo_livre(
        nosso_numero=number,
        cooperativa="1234",
        posto="18",
        codigo_beneficiario="12345",
        tipo_cobranca="3",
    )

    assert number == "122138715"
    assert campo == "3112213871512341812345100"
    boleto = parse_boleto(
        "74893.11220 13871.512342 18123.451009 1 52220000295295", reference_date=date(2012, 1, 1)
    )
    assert boleto.campo_livre == campo
    assert boleto.due_date == date(2012, 1, 24)
    assert boleto.amount == Decimal("2952.95")
    read = parse_campo_livre("748", campo)
    assert (read.nosso_numero, read.nosso_numero_dv) == ("12213871", "5")


def test_sicredi_without_an_amount_flags_position_42_zero() -> None:
    campo = sicredi.campo_livre(
        nosso_numero="122138715",
        cooperativa="1234",
        posto="18",
        codigo_beneficiario="12345",
        com_valor=False,
    )

    assert campo[22] == "0"
    assert sicredi.parse_campo_livre(campo).fields["com_valor"] == "0"


# --------------------------------------------------------------------------- shared


def test_an_unknown_bank_has_no_layout() -> None:
    with pytest.raises(BoletoError, match="no campo livre layout for bank 399"):
        parse_campo_livre("399", "3903036010001010312014592")


@pytest.mark.parametrize(
    ("value", "reason"),
    [("12a", "digits only"), ("12345", "has 5 digits, at most 4")],
)
def test_fields_too_long_or_not_digits_are_named(value: str, reason: str) -> None:
    with pytest.raises(BoletoError, match=reason) as error:
        bradesco.campo_livre(agencia=value, carteira="06", nosso_numero=1, conta="1")

    assert error.value.part == "agência"


@given(
    agencia=st.integers(min_value=0, max_value=9999),
    conta=st.integers(min_value=0, max_value=99999),
    carteira=st.sampled_from(["109", "112", "157", "175"]),
    nosso_numero=st.integers(min_value=0, max_value=99_999_999),
)
def test_itau_build_then_read(agencia: int, conta: int, carteira: str, nosso_numero: int) -> None:
    campo = itau.campo_livre(
        carteira=carteira, nosso_numero=nosso_numero, agencia=str(agencia), conta=str(conta)
    )

    read = itau.parse_campo_livre(campo)

    assert read.nosso_numero == f"{nosso_numero:08d}"
    assert read.fields["agencia"] == f"{agencia:04d}"
    assert read.fields["conta"] == f"{conta:05d}"


@given(
    agencia=st.integers(min_value=0, max_value=9999),
    codigo=st.integers(min_value=0, max_value=9_999_999),
    nosso_numero=st.integers(min_value=0, max_value=99_999_999),
)
def test_banrisul_build_then_read(agencia: int, codigo: int, nosso_numero: int) -> None:
    campo = banrisul.campo_livre(
        agencia=str(agencia), codigo_beneficiario=str(codigo), nosso_numero=nosso_numero
    )

    read = banrisul.parse_campo_livre(campo)

    assert read.nosso_numero == f"{nosso_numero:08d}"


@given(
    sequencial=st.integers(min_value=0, max_value=10**15 - 1),
    codigo=st.integers(min_value=0, max_value=999_999),
)
def test_caixa_build_then_read(sequencial: int, codigo: int) -> None:
    number = caixa.nosso_numero(sequencial)
    campo = caixa.campo_livre(codigo_beneficiario=str(codigo), nosso_numero=number)

    read = caixa.parse_campo_livre(campo)

    assert read.nosso_numero == number
    assert read.fields["beneficiario"][:6] == f"{codigo:06d}"
