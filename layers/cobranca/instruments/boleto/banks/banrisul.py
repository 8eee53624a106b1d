"""Banrisul (041): campo livre and the duplo dígito (número de controle).

Layout from Banrisul's boleto manual (as implemented by brcobranca and laravel-boleto):
produto (1: 1 cobrança normal, fichário emitido pelo Banrisul; 2 cobrança direta, emitido pelo
cliente) + constant 1 + agência (4) + código do beneficiário (7) + nosso número (8) + constant
40 + duplo dígito (2) over positions 20-42.

The duplo dígito is a módulo 10 digit followed by a módulo 11 digit (weights 2..7) over the
field plus the first digit; when the módulo 11 remainder is 1 the first digit goes up by one
(9 wraps to 0) and the second is computed again.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.check_digits import mod10, mod11_sum

BANK = "041"
PRODUTO_COBRANCA_DIRETA = "2"


def duplo_digito(digits: str) -> str:
    """Banrisul's two check digits (número de controle) of ``digits``."""
    first = mod10(digits)
    for _ in range(10):
        remainder = mod11_sum(digits + str(first), 7) % 11
        if remainder != 1:
            second = 0 if remainder == 0 else 11 - remainder
            return f"{first}{second}"
        first = (first + 1) % 10
    raise AssertionError("unreachable: some first digit always leaves a remainder other than 1")


def campo_livre(
    *,
    agencia: str,
    codigo_beneficiario: str,
    nosso_numero: int | str,
    produto: str = PRODUTO_COBRANCA_DIRETA,
) -> str:
    """Banrisul campo livre."""
    body = (
        fit(produto, 1, "produto")
        + "1"
        + fit(agencia, 4, "agência")
        + fit(codigo_beneficiario, 7, "código do beneficiário")
        + fit(nosso_numero, 8, "nosso número")
        + "40"
    )
    return body + duplo_digito(body)


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a Banrisul campo livre back, checking its constants and duplo dígito."""
    check_campo_livre(campo_livre)
    expect_digit("constant 1", campo_livre[1], "1")
    expect_digit("constant 40", campo_livre[21:23], "40")
    expect_digit("duplo dígito", campo_livre[23:25], duplo_digito(campo_livre[:23]))
    number = campo_livre[13:21]
    fields = {
        "produto": campo_livre[0],
        "agencia": campo_livre[2:6],
        "codigo_beneficiario": campo_livre[6:13],
    }
    return CampoLivre(BANK, number, duplo_digito(number), fields)
