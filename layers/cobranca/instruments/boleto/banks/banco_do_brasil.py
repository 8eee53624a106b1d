"""Banco do Brasil (001): campo livre by convênio size, and the nosso número DV.

Layouts from BB's "Especificações Técnicas para Confecção de Boleto de Cobrança" (Doc5175),
as also implemented by brcobranca, pyboleto and laravel-boleto:

* convênio of 4 digits: nosso número = convênio + 7-digit sequence (11 digits, with DV);
  campo livre = nosso número (11) + agência (4) + conta (8) + carteira (2);
* convênio of 6 digits: nosso número = convênio + 5-digit sequence, same campo livre;
* convênio of 6 digits, carteira 16 or 18 with the 17-digit free nosso número: campo livre =
  convênio (6) + nosso número (17) + service code 21;
* convênio of 7 digits: nosso número = convênio + 10-digit sequence (17 digits, no DV);
  campo livre = 000000 + nosso número (17) + carteira (2).
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import CampoLivre, check_campo_livre, fit
from cobranca.instruments.boleto.barcode import BoletoError
from cobranca.instruments.boleto.check_digits import mod11_sum

BANK = "001"
SERVICE_NOSSO_NUMERO_17 = "21"
_SEQUENCE_DIGITS = {4: 7, 6: 5, 7: 10}
_CARTEIRAS_NOSSO_NUMERO_17 = frozenset({"16", "18"})


def nosso_numero_dv(nosso_numero: str) -> str:
    """DV of an 11-digit nosso número: módulo 11, weights 2..9 from the right, 10 is 'X'."""
    digit = 11 - mod11_sum(nosso_numero) % 11
    if digit == 10:
        return "X"
    return "0" if digit == 11 else str(digit)


def nosso_numero(convenio: str, sequencial: int | str) -> str:
    """Nosso número for a convênio of 4, 6 or 7 digits (11, 11 and 17 digits, DV apart)."""
    size = len(convenio)
    if size not in _SEQUENCE_DIGITS:
        raise BoletoError("convênio", f"convênio {convenio!r} must have 4, 6 or 7 digits")
    return fit(convenio, size, "convênio") + fit(sequencial, _SEQUENCE_DIGITS[size], "sequencial")


def campo_livre(
    *,
    convenio: str,
    sequencial: int | str,
    carteira: str,
    agencia: str | None = None,
    conta: str | None = None,
    nosso_numero_17: bool = False,
) -> str:
    """Banco do Brasil campo livre; agência and conta are needed for convênios of 4 and 6."""
    carteira = fit(carteira, 2, "carteira")
    if nosso_numero_17:
        if len(convenio) != 6 or carteira not in _CARTEIRAS_NOSSO_NUMERO_17:
            raise BoletoError(
                "convênio",
                "the 17-digit nosso número needs a 6-digit convênio and carteira 16 or 18",
            )
        return fit(convenio, 6, "convênio") + fit(sequencial, 17, "sequencial") + "21"

    number = nosso_numero(convenio, sequencial)
    if len(convenio) == 7:
        return "000000" + number + carteira
    if agencia is None or conta is None:
        raise BoletoError("agência", "convênios of 4 and 6 digits need agência and conta")
    return number + fit(agencia, 4, "agência") + fit(conta, 8, "conta") + carteira


def parse_campo_livre(campo_livre: str, *, convenio_digits: int | None = None) -> CampoLivre:
    """Read a BB campo livre back.

    ``000000`` in front means a 7-digit convênio; convênios of 4 and 6 digits share one layout
    and cannot be told apart from the digits, so ``convenio_digits`` must say which.
    """
    check_campo_livre(campo_livre)
    if campo_livre.startswith("000000") and convenio_digits in (None, 7):
        number = campo_livre[6:23]
        fields = {"convenio": number[:7], "sequencial": number[7:], "carteira": campo_livre[23:]}
        return CampoLivre(BANK, number, None, fields)

    if convenio_digits == 6 and campo_livre.endswith(SERVICE_NOSSO_NUMERO_17):
        fields = {"convenio": campo_livre[:6], "servico": SERVICE_NOSSO_NUMERO_17}
        return CampoLivre(BANK, campo_livre[6:23], None, fields)

    if convenio_digits not in (4, 6):
        raise BoletoError(
            "convênio",
            "a BB campo livre without 000000 in front has a 4- or 6-digit convênio; "
            "pass convenio_digits to read it",
        )
    number = campo_livre[:11]
    fields = {
        "convenio": number[:convenio_digits],
        "sequencial": number[convenio_digits:],
        "agencia": campo_livre[11:15],
        "conta": campo_livre[15:23],
        "carteira": campo_livre[23:25],
    }
    return CampoLivre(BANK, number, nosso_numero_dv(number), fields)
