"""Banks' campo livre layouts: one module per bank, each building its campo livre and nosso
número check digit and reading a campo livre back where the digits alone say what they are.

Verified layouts: Banco do Brasil (001), Santander (033), Banrisul (041), Caixa SIGCB (104),
Bradesco (237), Itaú (341), Sicredi (748), Sicoob (756).
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks import (
    banco_do_brasil,
    banrisul,
    bradesco,
    caixa,
    itau,
    santander,
    sicoob,
    sicredi,
)
from cobranca.instruments.boleto.banks.layout import CampoLivre
from cobranca.instruments.boleto.barcode import BoletoError

BANK_NAMES = {
    "001": "Banco do Brasil",
    "033": "Santander",
    "041": "Banrisul",
    "104": "Caixa Econômica Federal",
    "237": "Bradesco",
    "341": "Itaú",
    "748": "Sicredi",
    "756": "Sicoob",
}


def parse_campo_livre(
    bank: str, campo_livre: str, *, convenio_digits: int | None = None
) -> CampoLivre:
    """Read ``campo_livre`` with ``bank``'s layout, checking the check digits it carries.

    ``convenio_digits`` is needed only for Banco do Brasil convênios of 4 and 6 digits.
    Raises :class:`~cobranca.instruments.boleto.barcode.BoletoError` for an unknown bank.
    """
    if bank == banco_do_brasil.BANK:
        return banco_do_brasil.parse_campo_livre(campo_livre, convenio_digits=convenio_digits)
    readers = {
        santander.BANK: santander.parse_campo_livre,
        banrisul.BANK: banrisul.parse_campo_livre,
        caixa.BANK: caixa.parse_campo_livre,
        bradesco.BANK: bradesco.parse_campo_livre,
        itau.BANK: itau.parse_campo_livre,
        sicredi.BANK: sicredi.parse_campo_livre,
        sicoob.BANK: sicoob.parse_campo_livre,
    }
    reader = readers.get(bank)
    if reader is None:
        raise BoletoError("bank", f"no campo livre layout for bank {bank}")
    return reader(campo_livre)


__all__ = [
    "BANK_NAMES",
    "CampoLivre",
    "banco_do_brasil",
    "banrisul",
    "bradesco",
    "caixa",
    "itau",
    "parse_campo_livre",
    "santander",
    "sicoob",
    "sicredi",
]
