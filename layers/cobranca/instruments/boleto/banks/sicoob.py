"""Sicoob / Bancoob (756): campo livre and the nosso número DV.

Layout from Sicoob's "Manual de Boleto" (as implemented by laravel-boleto and brcobranca):
carteira (1) + cooperativa (4) + modalidade (2) + código do cliente (7) + nosso número (7) +
its DV (1) + parcela (3). The DV weighs cooperativa (4), código do cliente padded to 10 and the
7-digit nosso número with 3, 1, 9, 7 repeated from the left; remainders 0 and 1 give 0,
otherwise 11 minus the remainder.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)

BANK = "756"
_WEIGHTS = (3, 1, 9, 7)


def nosso_numero_dv(*, cooperativa: str, codigo_cliente: str, nosso_numero: int | str) -> int:
    """DV of the 7-digit nosso número."""
    digits = (
        fit(cooperativa, 4, "cooperativa")
        + fit(codigo_cliente, 10, "código do cliente")
        + fit(nosso_numero, 7, "nosso número")
    )
    total = sum(int(char) * _WEIGHTS[index % 4] for index, char in enumerate(digits))
    remainder = total % 11
    return 0 if remainder in (0, 1) else 11 - remainder


def campo_livre(
    *,
    cooperativa: str,
    codigo_cliente: str,
    nosso_numero: int | str,
    carteira: str = "1",
    modalidade: str = "01",
    parcela: int = 1,
) -> str:
    """Sicoob campo livre."""
    number = fit(nosso_numero, 7, "nosso número")
    check = nosso_numero_dv(
        cooperativa=cooperativa, codigo_cliente=codigo_cliente, nosso_numero=number
    )
    return (
        fit(carteira, 1, "carteira")
        + fit(cooperativa, 4, "cooperativa")
        + fit(modalidade, 2, "modalidade")
        + fit(codigo_cliente, 7, "código do cliente")
        + number
        + str(check)
        + fit(parcela, 3, "parcela")
    )


def parse_campo_livre(campo_livre: str) -> CampoLivre:
    """Read a Sicoob campo livre back, checking the nosso número DV."""
    check_campo_livre(campo_livre)
    cooperativa = campo_livre[1:5]
    cliente = campo_livre[7:14]
    number = campo_livre[14:21]
    check = nosso_numero_dv(cooperativa=cooperativa, codigo_cliente=cliente, nosso_numero=number)
    expect_digit("nosso número DV", campo_livre[21], str(check))
    fields = {
        "carteira": campo_livre[0],
        "cooperativa": cooperativa,
        "modalidade": campo_livre[5:7],
        "codigo_cliente": cliente,
        "parcela": campo_livre[22:25],
    }
    return CampoLivre(BANK, number, campo_livre[21], fields)
