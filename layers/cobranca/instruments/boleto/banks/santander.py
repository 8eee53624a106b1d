"""Santander (033): campo livre and the nosso número DV.

Layout from Santander's boleto manual (as implemented by brcobranca, pyboleto and
laravel-boleto): 9 + código do beneficiário (7) + nosso número (12) + its DV (1) + IOF (1, 0
except for insurers) + carteira (3: 101 rápida com registro, 102 sem registro, 201 penhor).
The DV is módulo 11, weights 2..9, 11 minus the remainder, with 10 and 11 becoming 0.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.check_digits import mod11_sum

BANK = "033"


def nosso_numero_dv(nosso_numero: str) -> int:
    """DV of the 12-digit nosso número."""
    digit = 11 - mod11_sum(fit(nosso_numero, 12, "nosso número")) % 11
    return 0 if digit >= 10 else digit


def campo_livre(
    *, codigo_beneficiario: str, nosso_numero: int | str, carteira: str = "101", iof: str = "0"
) -> str:
    """Santander campo livre."""
    number = fit(nosso_numero, 12, "nosso número")
    return (
        "9"
        + fit(codigo_beneficiario, 7, "código do beneficiário")
        + number
        + str(nosso_numero_dv(number))
        + fit(iof, 1, "IOF")
        + fit(carteira, 3, "carteira")
    )


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a Santander campo livre back, checking the constant 9 and the nosso número DV."""
    check_campo_livre(campo_livre)
    expect_digit("constant 9", campo_livre[0], "9")
    number = campo_livre[8:20]
    expect_digit("nosso número DV", campo_livre[20], str(nosso_numero_dv(number)))
    fields = {
        "codigo_beneficiario": campo_livre[1:8],
        "iof": campo_livre[21],
        "carteira": campo_livre[22:25],
    }
    return CampoLivre(BANK, number, campo_livre[20], fields)
