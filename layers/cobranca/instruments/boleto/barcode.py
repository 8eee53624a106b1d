"""Boleto bancário: the 44-digit código de barras and the 47-digit linha digitável.

Barcode layout (FEBRABAN), positions 1-based:

====== ===========================================================================
1-3    bank code (código do banco na compensação)
4      currency (9 = real)
5      DV geral, módulo 11 over the other 43 digits
6-9    fator de vencimento (0000 = no due date)
10-19  amount in centavos
20-44  campo livre, laid out by each bank
====== ===========================================================================

An amount above R$ 99.999.999,99 does not fit in ten digits; FEBRABAN then lets it take the
fator's four positions too (fourteen digits of amount, no due date in the barcode). Reading such
a barcode needs to be told so (``large_amount=True``), since its first digits otherwise read as
a factor.

The linha digitável regroups the same digits into five fields: three carrying bank, currency and
the campo livre, each closed by a módulo 10 DV, then the DV geral, then fator and amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from cobranca.domain.money import MoneyError, from_cents, money, to_cents
from cobranca.instruments.boleto.check_digits import dv_geral, mod10
from cobranca.instruments.boleto.fator import (
    NO_DUE_DATE,
    FatorError,
    business_date,
    check_fator,
    date_from_fator,
    fator_from_date,
)

BARCODE_LENGTH = 44
LINHA_LENGTH = 47
CAMPO_LIVRE_LENGTH = 25
CURRENCY_REAL = "9"
MAX_AMOUNT_CENTS = 10**10 - 1
ARRECADACAO_PREFIX = "8"

# Separators people and banks print inside codes; anything else is a typo worth naming.
_SEPARATORS = frozenset(" .-\t\n\r")
_BANK_CODE = re.compile(r"^[0-9]{3}$")


class BoletoError(ValueError):
    """A boleto code or field that fails a check; ``part`` names what failed."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(reason)
        self.part = part
        self.reason = reason


@dataclass(frozen=True)
class Boleto:
    """A boleto bancário read from, or built into, its barcode.

    ``fator`` is ``None`` only for a large amount that took over the fator's positions;
    ``due_date`` is ``None`` for fator 0000 and for large amounts.
    """

    barcode: str
    bank: str
    currency: str
    dv_geral: int
    fator: int | None
    due_date: date | None
    amount: Decimal
    campo_livre: str

    @property
    def linha_digitavel(self) -> str:
        """The 47-digit linha digitável, bare."""
        return barcode_to_linha(self.barcode)

    @property
    def linha_formatada(self) -> str:
        """The linha digitável as printed: ``AAABC.CCCCX DDDDD.DDDDDY EEEEE.EEEEEZ K UUUUV…``."""
        return format_linha(self.linha_digitavel)


def clean_code(code: str) -> str:
    """Digits of a code typed or printed with dots, spaces or hyphens; other characters fail."""
    digits: list[str] = []
    for position, char in enumerate(code, start=1):
        if char.isascii() and char.isdigit():
            digits.append(char)
        elif char not in _SEPARATORS:
            raise BoletoError("code", f"non-digit character {char!r} at position {position}")
    return "".join(digits)


def amount_cents(amount: Decimal | int | str) -> int:
    """Whole centavos of an amount, rounded once by the money policy (float is refused)."""
    try:
        return to_cents(money(amount))
    except MoneyError as error:
        raise BoletoError("amount", str(error)) from None


def amount_field(amount: Decimal | int | str, *, width: int = 10) -> str:
    """Amount as the barcode's zero-padded centavos, rounded by the money policy (never float)."""
    cents = amount_cents(amount)
    if cents < 0:
        raise BoletoError("amount", f"amount {from_cents(cents)} is negative")
    if cents >= 10**width:
        raise BoletoError("amount", f"amount {from_cents(cents)} needs more than {width} digits")
    return f"{cents:0{width}d}"


def build_boleto(
    bank: str,
    *,
    due_date: date | datetime | None,
    amount: Decimal | int | str,
    campo_livre: str,
) -> Boleto:
    """Assemble a boleto's barcode from its parts and compute the DV geral.

    ``due_date=None`` writes fator 0000. An amount above R$ 99.999.999,99 is written in
    fourteen digits over the fator's positions, which FEBRABAN allows only with no due date.
    """
    if not _BANK_CODE.match(bank):
        raise BoletoError("bank", f"bank code {bank!r} must be three digits")
    if len(campo_livre) != CAMPO_LIVRE_LENGTH or not _ascii_digits(campo_livre):
        raise BoletoError(
            "campo livre",
            f"campo livre must be {CAMPO_LIVRE_LENGTH} digits, got {campo_livre!r}",
        )

    if amount_cents(amount) > MAX_AMOUNT_CENTS:
        if due_date is not None:
            raise BoletoError(
                "amount",
                f"amount {money(amount)} exceeds 10 digits; it may use the fator positions "
                "only on a boleto with no due date",
            )
        fator: int | None = None
        fator_and_amount = amount_field(amount, width=14)
        resolved_due: date | None = None
    else:
        try:
            fator = NO_DUE_DATE if due_date is None else fator_from_date(due_date)
        except FatorError as error:
            raise BoletoError("due date", str(error)) from None
        fator_and_amount = f"{fator:04d}" + amount_field(amount)
        resolved_due = None if due_date is None else business_date(due_date)

    body = bank + CURRENCY_REAL + fator_and_amount + campo_livre
    dv = dv_geral(body)
    barcode = body[:4] + str(dv) + body[4:]
    return Boleto(
        barcode=barcode,
        bank=bank,
        currency=CURRENCY_REAL,
        dv_geral=dv,
        fator=fator,
        due_date=resolved_due,
        amount=from_cents(amount_cents(amount)),
        campo_livre=campo_livre,
    )


def barcode_to_linha(barcode: str) -> str:
    """Linha digitável of a 44-digit barcode (field DVs computed, nothing else checked)."""
    field1 = barcode[0:4] + barcode[19:24]
    field2 = barcode[24:34]
    field3 = barcode[34:44]
    return (
        field1
        + str(mod10(field1))
        + field2
        + str(mod10(field2))
        + field3
        + str(mod10(field3))
        + barcode[4]
        + barcode[5:19]
    )


def linha_to_barcode(linha: str) -> str:
    """Barcode of a 47-digit linha digitável (field DVs dropped, nothing checked)."""
    return linha[0:4] + linha[32] + linha[33:47] + linha[4:9] + linha[10:20] + linha[21:31]


def format_linha(linha: str) -> str:
    """Print form of a bare linha digitável: dots inside fields 1-3, spaces between fields."""
    return (
        f"{linha[0:5]}.{linha[5:10]} {linha[10:15]}.{linha[15:21]} "
        f"{linha[21:26]}.{linha[26:32]} {linha[32]} {linha[33:47]}"
    )


def check_linha_fields(linha: str) -> None:
    """Check the three módulo 10 field DVs of a linha digitável, naming the first that fails."""
    fields = ((1, linha[0:9], linha[9]), (2, linha[10:20], linha[20]), (3, linha[21:31], linha[31]))
    for number, digits, printed in fields:
        expected = mod10(digits)
        if int(printed) != expected:
            raise BoletoError(
                f"campo {number}", f"campo {number} DV is {printed}, expected {expected}"
            )


def parse_boleto(
    code: str,
    *,
    reference_date: date | datetime,
    large_amount: bool = False,
) -> Boleto:
    """Read and validate a boleto bancário from its barcode or linha digitável.

    ``code`` may be bare or formatted (dots, spaces). The due date is resolved against
    ``reference_date`` (see :mod:`cobranca.instruments.boleto.fator`). ``large_amount`` reads
    positions 6-19 as a fourteen-digit amount with no due date. Raises :class:`BoletoError`
    naming the first failing part, checked in this order: characters, length, the linha's
    field DVs, fator, currency, DV geral (a fator that names no date is reported as such even
    when the DV geral is also off).
    """
    digits = clean_code(code)
    if digits.startswith(ARRECADACAO_PREFIX) and len(digits) in (BARCODE_LENGTH, 48):
        raise BoletoError("code", "code starts with 8: an arrecadação code, not a boleto")
    if len(digits) == LINHA_LENGTH:
        check_linha_fields(digits)
        barcode = linha_to_barcode(digits)
    elif len(digits) == BARCODE_LENGTH:
        barcode = digits
    else:
        raise BoletoError(
            "length",
            f"length {len(digits)}, expected {BARCODE_LENGTH} (barcode) "
            f"or {LINHA_LENGTH} (linha digitável)",
        )

    if large_amount:
        fator: int | None = None
        due_date = None
        amount = from_cents(int(barcode[5:19]))
    else:
        fator = int(barcode[5:9])
        try:
            check_fator(fator)
            due_date = date_from_fator(fator, reference_date)
        except FatorError as error:
            raise BoletoError("fator", str(error)) from None
        amount = from_cents(int(barcode[9:19]))

    if barcode[3] != CURRENCY_REAL:
        raise BoletoError(
            "currency", f"currency code is {barcode[3]}, expected {CURRENCY_REAL} (real)"
        )
    expected_dv = dv_geral(barcode[:4] + barcode[5:])
    if int(barcode[4]) != expected_dv:
        raise BoletoError("DV geral", f"DV geral is {barcode[4]}, expected {expected_dv}")

    return Boleto(
        barcode=barcode,
        bank=barcode[0:3],
        currency=barcode[3],
        dv_geral=expected_dv,
        fator=fator,
        due_date=due_date,
        amount=amount,
        campo_livre=barcode[19:44],
    )


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
