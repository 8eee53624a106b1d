"""Arrecadação: the utility and tax codes (convênio / concessionárias) that start with 8.

Barcode layout (FEBRABAN Layout Padrão de Arrecadação), positions 1-based:

====== ===========================================================================
1      product id, always 8
2      segment (1 prefeituras, 2 saneamento, 3 energia e gás, 4 telecomunicações, ...)
3      value id: 6/7 use módulo 10 DVs, 8/9 módulo 11; 6/8 carry the amount in reais,
       7/9 a reference value (quantity of a currency or index)
4      DV geral over the other 43 digits
5-15   value (11 digits)
16-19  company / agency code (16-23: CNPJ root for segment 6)
20-44  free field of the company
====== ===========================================================================

The linha digitável has 48 digits: four blocks of eleven barcode digits, each followed by its
DV in the same modulus as the DV geral.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from cobranca.domain.money import from_cents
from cobranca.instruments.boleto.barcode import BoletoError, clean_code
from cobranca.instruments.boleto.check_digits import mod10, mod11_arrecadacao

BARCODE_LENGTH = 44
LINHA_LENGTH = 48
BLOCK_LENGTH = 11
PRODUCT_ID = "8"

SEGMENTS = {
    "1": "Prefeituras",
    "2": "Saneamento",
    "3": "Energia Elétrica e Gás",
    "4": "Telecomunicações",
    "5": "Órgãos Governamentais",
    "6": "Carnês e Assemelhados ou demais Empresas / Órgãos identificados pelo CNPJ",
    "7": "Multas de trânsito",
    "9": "Uso exclusivo do banco",
}
_MOD10_VALUE_IDS = frozenset("67")
_MOD11_VALUE_IDS = frozenset("89")
_EFFECTIVE_VALUE_IDS = frozenset("68")
_CNPJ_SEGMENT = "6"

DvMethod = Literal["mod10", "mod11"]


@dataclass(frozen=True)
class Arrecadacao:
    """An arrecadação code read from its barcode or linha digitável."""

    barcode: str
    segment: str
    segment_name: str | None
    value_id: str
    dv_method: DvMethod
    effective_value: bool
    value_digits: str
    amount: Decimal | None
    empresa_orgao: str
    dv_geral: int

    @property
    def linha_digitavel(self) -> str:
        """The 48-digit linha digitável, bare."""
        return arrecadacao_linha(self.barcode)


def method_for(value_id: str) -> DvMethod:
    """Which modulus a value id selects (6/7 módulo 10, 8/9 módulo 11)."""
    if value_id in _MOD10_VALUE_IDS:
        return "mod10"
    if value_id in _MOD11_VALUE_IDS:
        return "mod11"
    raise BoletoError("value id", f"third digit (value id) is {value_id}, expected 6, 7, 8 or 9")


def arrecadacao_dv(digits: str, method: DvMethod) -> int:
    """DV of a block or of the whole barcode in the given modulus."""
    return mod10(digits) if method == "mod10" else mod11_arrecadacao(digits)


def arrecadacao_linha(barcode: str) -> str:
    """Linha digitável of a 44-digit arrecadação barcode (block DVs computed)."""
    method = method_for(barcode[2])
    blocks = [barcode[start : start + BLOCK_LENGTH] for start in range(0, 44, BLOCK_LENGTH)]
    return "".join(block + str(arrecadacao_dv(block, method)) for block in blocks)


def parse_arrecadacao(code: str) -> Arrecadacao:
    """Read and validate an arrecadação code (44-digit barcode or 48-digit linha).

    Raises :class:`~cobranca.instruments.boleto.barcode.BoletoError` naming the failing part:
    the length, the product id, the value id, a block DV or the DV geral.
    """
    digits = clean_code(code)
    if len(digits) not in (BARCODE_LENGTH, LINHA_LENGTH):
        raise BoletoError(
            "length",
            f"length {len(digits)}, expected {BARCODE_LENGTH} (barcode) "
            f"or {LINHA_LENGTH} (linha digitável)",
        )
    if digits[0] != PRODUCT_ID:
        raise BoletoError("product id", f"first digit is {digits[0]}, expected 8 (arrecadação)")
    method = method_for(digits[2])

    barcode = _barcode_from_linha(digits, method) if len(digits) == LINHA_LENGTH else digits

    expected = arrecadacao_dv(barcode[:3] + barcode[4:], method)
    if int(barcode[3]) != expected:
        raise BoletoError("DV geral", f"DV geral is {barcode[3]}, expected {expected}")

    value_id = barcode[2]
    effective = value_id in _EFFECTIVE_VALUE_IDS
    segment = barcode[1]
    company_length = 8 if segment == _CNPJ_SEGMENT else 4
    return Arrecadacao(
        barcode=barcode,
        segment=segment,
        segment_name=SEGMENTS.get(segment),
        value_id=value_id,
        dv_method=method,
        effective_value=effective,
        value_digits=barcode[4:15],
        amount=from_cents(int(barcode[4:15])) if effective else None,
        empresa_orgao=barcode[15 : 15 + company_length],
        dv_geral=expected,
    )


def _barcode_from_linha(linha: str, method: DvMethod) -> str:
    """Drop the four block DVs after checking each, naming the first block that fails."""
    blocks: list[str] = []
    for number in range(1, 5):
        start = (number - 1) * (BLOCK_LENGTH + 1)
        block = linha[start : start + BLOCK_LENGTH]
        printed = int(linha[start + BLOCK_LENGTH])
        expected = arrecadacao_dv(block, method)
        if printed != expected:
            raise BoletoError(
                f"bloco {number}", f"bloco {number} DV is {printed}, expected {expected}"
            )
        blocks.append(block)
    return "".join(blocks)
