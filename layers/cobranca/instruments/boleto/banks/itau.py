"""Itaú (341): campo livre and the nosso número DAC.

Layouts from Itaú's boleto manual as implemented by brcobranca and laravel-boleto:

* most carteiras: carteira (3) + nosso número (8) + DAC (1) + agência (4) + conta (5) +
  DAC of agência/conta (1) + 000. The nosso número DAC is módulo 10 over agência, conta,
  carteira and nosso número, except carteiras 112, 126, 131, 146, 150 and 168, where it covers
  only carteira and nosso número;
* carteiras 106, 107, 122, 142, 143, 195, 196 and 198 (nosso número of 15 positions): carteira
  (3) + nosso número (8) + seu número (7) + código do cliente (5) + DAC of positions 20-42
  (módulo 10) + 0.
"""

from __future__ import annotations

from cobranca.instruments.boleto.banks.layout import (
    CampoLivre,
    check_campo_livre,
    expect_digit,
    fit,
)
from cobranca.instruments.boleto.barcode import BoletoError
from cobranca.instruments.boleto.check_digits import mod10

BANK = "341"
CARTEIRAS_SEU_NUMERO = frozenset({"106", "107", "122", "142", "143", "195", "196", "198"})
# Maintenance: Itaú's manual words this set as "126, 131, 146, 150, 168 and the escriturais";
# 112 is the escritural carteira confirmed by users against bank-printed boletos. Other
# escritural carteiras (104, for one) are unconfirmed, so callers can override the rule.
CARTEIRAS_DAC_SEM_CONTA = frozenset({"112", "126", "131", "146", "150", "168"})


def nosso_numero_dac(
    *, agencia: str, conta: str, carteira: str, nosso_numero: str, sem_conta: bool | None = None
) -> int:
    """DAC of the nosso número (módulo 10); ``sem_conta`` overrides the carteira rule."""
    carteira = fit(carteira, 3, "carteira")
    number = fit(nosso_numero, 8, "nosso número")
    skip_account = carteira in CARTEIRAS_DAC_SEM_CONTA if sem_conta is None else sem_conta
    if skip_account:
        return mod10(carteira + number)
    return mod10(fit(agencia, 4, "agência") + fit(conta, 5, "conta") + carteira + number)


def campo_livre(
    *,
    carteira: str,
    nosso_numero: int | str,
    agencia: str,
    conta: str,
    seu_numero: int | str | None = None,
    codigo_cliente: int | str | None = None,
    dac_sem_conta: bool | None = None,
) -> str:
    """Itaú campo livre; carteiras of the 15-position layout need seu número and cliente."""
    carteira = fit(carteira, 3, "carteira")
    number = fit(nosso_numero, 8, "nosso número")
    if carteira in CARTEIRAS_SEU_NUMERO:
        if seu_numero is None or codigo_cliente is None:
            raise BoletoError(
                "seu número", f"carteira {carteira} needs seu número and código do cliente"
            )
        body = (
            carteira + number + fit(seu_numero, 7, "seu número") + fit(codigo_cliente, 5, "cliente")
        )
        return body + str(mod10(body)) + "0"

    agencia = fit(agencia, 4, "agência")
    conta = fit(conta, 5, "conta")
    dac = nosso_numero_dac(
        agencia=agencia,
        conta=conta,
        carteira=carteira,
        nosso_numero=number,
        sem_conta=dac_sem_conta,
    )
    return carteira + number + str(dac) + agencia + conta + str(mod10(agencia + conta)) + "000"


def parse_campo_livre(campo_livre: str, *, dac_sem_conta: bool | None = None) -> CampoLivre:
    """Read an Itaú campo livre back, checking its DACs and constant zeros."""
    check_campo_livre(campo_livre)
    carteira = campo_livre[0:3]
    number = campo_livre[3:11]
    if carteira in CARTEIRAS_SEU_NUMERO:
        expect_digit("DAC", campo_livre[23], str(mod10(campo_livre[:23])))
        expect_digit("constant zero", campo_livre[24], "0")
        fields = {
            "carteira": carteira,
            "seu_numero": campo_livre[11:18],
            "codigo_cliente": campo_livre[18:23],
        }
        return CampoLivre(BANK, number, None, fields)

    agencia = campo_livre[12:16]
    conta = campo_livre[16:21]
    dac = nosso_numero_dac(
        agencia=agencia,
        conta=conta,
        carteira=carteira,
        nosso_numero=number,
        sem_conta=dac_sem_conta,
    )
    expect_digit("nosso número DAC", campo_livre[11], str(dac))
    expect_digit("agência/conta DAC", campo_livre[21], str(mod10(agencia + conta)))
    expect_digit("constant zeros", campo_livre[22:25], "000")
    fields = {"carteira": carteira, "agencia": agencia, "conta": conta}
    return CampoLivre(BANK, number, str(dac), fields)
