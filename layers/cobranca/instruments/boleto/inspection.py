"""One entry point for "what is this code?": boleto bancário or arrecadação, valid or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from cobranca.instruments.boleto.arrecadacao import LINHA_LENGTH as ARRECADACAO_LINHA_LENGTH
from cobranca.instruments.boleto.arrecadacao import parse_arrecadacao
from cobranca.instruments.boleto.barcode import (
    ARRECADACAO_PREFIX,
    BARCODE_LENGTH,
    LINHA_LENGTH,
    BoletoError,
    clean_code,
    parse_boleto,
)

CodeKind = Literal["bancario", "arrecadacao"]


@dataclass(frozen=True)
class Inspection:
    """The verdict on a code; on failure ``reason`` says why and ``part`` names what failed."""

    valid: bool
    kind: CodeKind | None
    barcode: str | None = None
    linha_digitavel: str | None = None
    bank: str | None = None
    amount: Decimal | None = None
    due_date: date | None = None
    fator: int | None = None
    reason: str | None = None
    part: str | None = None


def kind_of(digits: str) -> CodeKind | None:
    """Which family a bare code belongs to by length and first digit, or ``None``."""
    if len(digits) == ARRECADACAO_LINHA_LENGTH:
        return "arrecadacao"
    if len(digits) == BARCODE_LENGTH and digits.startswith(ARRECADACAO_PREFIX):
        return "arrecadacao"
    if len(digits) in (BARCODE_LENGTH, LINHA_LENGTH):
        return "bancario"
    return None


def inspect_code(code: str, *, reference_date: date, large_amount: bool = False) -> Inspection:
    """Validate a boleto or arrecadação code and describe it; never raises for bad input."""
    try:
        digits = clean_code(code)
    except BoletoError as error:
        return Inspection(valid=False, kind=None, reason=error.reason, part=error.part)

    kind = kind_of(digits)
    if kind is None:
        reason = (
            f"length {len(digits)}, expected {BARCODE_LENGTH} (barcode), {LINHA_LENGTH} "
            f"(linha digitável) or {ARRECADACAO_LINHA_LENGTH} (arrecadação linha digitável)"
        )
        return Inspection(valid=False, kind=None, reason=reason, part="length")

    try:
        if kind == "arrecadacao":
            arrecadacao = parse_arrecadacao(digits)
            return Inspection(
                valid=True,
                kind=kind,
                barcode=arrecadacao.barcode,
                linha_digitavel=arrecadacao.linha_digitavel,
                amount=arrecadacao.amount,
            )
        boleto = parse_boleto(digits, reference_date=reference_date, large_amount=large_amount)
    except BoletoError as error:
        return Inspection(valid=False, kind=kind, reason=error.reason, part=error.part)

    return Inspection(
        valid=True,
        kind=kind,
        barcode=boleto.barcode,
        linha_digitavel=boleto.linha_digitavel,
        bank=boleto.bank,
        amount=boleto.amount,
        due_date=boleto.due_date,
        fator=boleto.fator,
    )
