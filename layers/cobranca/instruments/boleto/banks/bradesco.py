"""Bradesco (237): campo livre and the nosso número DV.

Layout from Bradesco's boleto manual (as implemented by brcobranca, pyboleto and
laravel-boleto): agência (4) + carteira (2) + nosso número (11) + conta (7) + 0. The nosso
número DV is módulo 11 with weights 2..7 over carteira and nosso número; remainder 1 gives 'P',
remainder 0 gives 0.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.check_digits import mod11_sum

BANK = "237"


def nosso_numero_dv(carteira: str, nosso_numero: str) -> str:
    """DV of the nosso número ('P' when the remainder is 1)."""
    remainder = mod11_sum(fit(carteira, 2, "carteira") + fit(nosso_numero, 11, "nosso número"), 7)
    remainder %= 11
    if remainder == 0:
        return "0"
    return "P" if remainder == 1 else str(11 - remainder)


def campo_livre(*, agencia: str, carteira: str, nosso_numero: int | str, conta: str) -> str:
    """Bradesco campo livre."""
    return (
        fit(agencia, 4, "agência")
        + fit(carteira, 2, "carteira")
        + fit(nosso_numero, 11, "nosso número")
        + fit(conta, 7, "conta")
        + "0"
    )


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a Bradesco campo livre back (the nosso número DV is computed, not carried)."""
    check_campo_livre(campo_livre)
    expect_digit("constant zero", campo_livre[24], "0")
    carteira = campo_livre[4:6]
    number = campo_livre[6:17]
    fields = {"agencia": campo_livre[0:4], "carteira": carteira, "conta": campo_livre[17:24]}
    return CampoLivre(BANK, number, nosso_numero_dv(carteira, number), fields)
