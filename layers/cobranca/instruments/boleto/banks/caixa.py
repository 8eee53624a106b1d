"""Caixa Econômica Federal (104), SIGCB: campo livre and the nosso número DV.

Layout from Caixa's "Especificação do Código de Barras SIGCB" (as implemented by laravel-boleto,
brcobranca and openboleto):

* código do beneficiário: 6 digits plus their módulo 11 DV, or a 7-digit code (from 1100000)
  written as is, with no DV;
* nosso número: 17 digits, modalidade (1 registrada, 2 sem registro) + emissão (4, by the
  beneficiário) + 15 free digits;
* campo livre = beneficiário (7) + nosso número 3-5 + modalidade + nosso número 6-8 + emissão +
  nosso número 9-17 + DV of the campo livre (módulo 11).

Every módulo 11 here is 11 minus the remainder with results above 9 becoming 0.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.barcode import BoletoError
from cobranca.instruments.boleto.check_digits import mod11_sum

BANK = "104"
FIRST_SEVEN_DIGIT_CODE = 1_100_000
MODALIDADE_REGISTRADA = "1"
MODALIDADE_SEM_REGISTRO = "2"
EMISSAO_BENEFICIARIO = "4"


def dv(digits: str) -> int:
    """Caixa's módulo 11 digit (results 10 and 11 become 0)."""
    digit = 11 - mod11_sum(digits) % 11
    return 0 if digit > 9 else digit


def beneficiario_field(codigo_beneficiario: int | str) -> str:
    """The seven positions of the beneficiário: a 6-digit code with its DV, or a 7-digit code."""
    code = str(codigo_beneficiario)
    if len(code) == 7 and int(code) >= FIRST_SEVEN_DIGIT_CODE:
        return fit(code, 7, "código do beneficiário")
    six = fit(code, 6, "código do beneficiário")
    return six + str(dv(six))


def nosso_numero(sequencial: int | str, *, registrada: bool = True) -> str:
    """The 17-digit nosso número for a boleto the beneficiário issues."""
    modalidade = MODALIDADE_REGISTRADA if registrada else MODALIDADE_SEM_REGISTRO
    return modalidade + EMISSAO_BENEFICIARIO + fit(sequencial, 15, "sequencial")


def nosso_numero_dv(number: str) -> int:
    """DV printed after the 17-digit nosso número."""
    return dv(fit(number, 17, "nosso número"))


def campo_livre(*, codigo_beneficiario: int | str, nosso_numero: str) -> str:
    """Caixa SIGCB campo livre for a 17-digit nosso número."""
    number = fit(nosso_numero, 17, "nosso número")
    if number[0] not in (MODALIDADE_REGISTRADA, MODALIDADE_SEM_REGISTRO):
        raise BoletoError("nosso número", "SIGCB nosso número starts with modalidade 1 or 2")
    body = (
        beneficiario_field(codigo_beneficiario)
        + number[2:5]
        + number[0]
        + number[5:8]
        + number[1]
        + number[8:17]
    )
    return body + str(dv(body))


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a SIGCB campo livre back, checking its DV.

    The beneficiário's seven positions are returned as printed: a 6-digit code plus DV and a
    7-digit code cannot be told apart from the digits alone.
    """
    check_campo_livre(campo_livre)
    expect_digit("campo livre DV", campo_livre[24], str(dv(campo_livre[:24])))
    number = (
        campo_livre[10]
        + campo_livre[14]
        + campo_livre[7:10]
        + campo_livre[11:14]
        + campo_livre[15:24]
    )
    fields = {
        "beneficiario": campo_livre[0:7],
        "modalidade": campo_livre[10],
        "emissao": campo_livre[14],
    }
    return CampoLivre(BANK, number, str(nosso_numero_dv(number)), fields)
