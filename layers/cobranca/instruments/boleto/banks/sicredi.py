"""Sicredi (748): campo livre and the nosso número DV.

Layout from Sicredi's boleto manual (as implemented by brcobranca and laravel-boleto): tipo de
cobrança (1: 1 com registro, 3 sem registro) + carteira (1: 1 simples) + nosso número (9: year
(2) + byte (1, 2-9 when the beneficiário numbers) + sequence (5) + DV) + cooperativa (4) + posto
(2) + código do beneficiário (5) + 1 when the amount is printed, else 0 + filler 0 + DV of the
campo livre.

Both DVs are módulo 11, weights 2..9, 11 minus the remainder, with results above 9 becoming 0;
the nosso número DV covers cooperativa, posto, beneficiário, year, byte and sequence.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.check_digits import mod11_sum

BANK = "748"
COM_REGISTRO = "1"
CARTEIRA_SIMPLES = "1"


def dv(digits: str) -> int:
    """Sicredi's módulo 11 digit."""
    digit = 11 - mod11_sum(digits) % 11
    return 0 if digit > 9 else digit


def nosso_numero(
    *,
    ano: int | str,
    byte: int | str,
    sequencial: int | str,
    cooperativa: str,
    posto: str,
    codigo_beneficiario: str,
) -> str:
    """The 9-digit nosso número with its DV (``ano`` is the two-digit year)."""
    number = fit(ano, 2, "ano") + fit(byte, 1, "byte") + fit(sequencial, 5, "sequencial")
    account = (
        fit(cooperativa, 4, "cooperativa")
        + fit(posto, 2, "posto")
        + fit(codigo_beneficiario, 5, "código do beneficiário")
    )
    return number + str(dv(account + number))


def campo_livre(
    *,
    nosso_numero: str,
    cooperativa: str,
    posto: str,
    codigo_beneficiario: str,
    com_valor: bool = True,
    tipo_cobranca: str = COM_REGISTRO,
    carteira: str = CARTEIRA_SIMPLES,
) -> str:
    """Sicredi campo livre from the 9-digit nosso número (DV included)."""
    body = (
        fit(tipo_cobranca, 1, "tipo de cobrança")
        + fit(carteira, 1, "carteira")
        + fit(nosso_numero, 9, "nosso número")
        + fit(cooperativa, 4, "cooperativa")
        + fit(posto, 2, "posto")
        + fit(codigo_beneficiario, 5, "código do beneficiário")
        + ("1" if com_valor else "0")
        + "0"
    )
    return body + str(dv(body))


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a Sicredi campo livre back, checking both DVs."""
    check_campo_livre(campo_livre)
    expect_digit("campo livre DV", campo_livre[24], str(dv(campo_livre[:24])))
    number = campo_livre[2:10]
    account = campo_livre[11:22]
    expect_digit("nosso número DV", campo_livre[10], str(dv(account + number)))
    fields = {
        "tipo_cobranca": campo_livre[0],
        "carteira": campo_livre[1],
        "cooperativa": campo_livre[11:15],
        "posto": campo_livre[15:17],
        "codigo_beneficiario": campo_livre[17:22],
        "com_valor": campo_livre[22],
    }
    return CampoLivre(BANK, number, campo_livre[10], fields)
