"""Boleto bancário and arrecadação codes: build, read, validate and print.

* :mod:`.barcode` — the 44-digit barcode and 47-digit linha digitável;
* :mod:`.fator` — the fator de vencimento across the 2025-02-22 restart;
* :mod:`.banks` — each bank's campo livre and nosso número check digit;
* :mod:`.arrecadacao` — the 48-digit utility and tax codes;
* :mod:`.i25` and :mod:`.page` — the Interleaved 2 of 5 SVG and the printable page;
* :mod:`.inspection` — one verdict for any code, as the CLI shows it.
"""

from __future__ import annotations

from cobranca.instruments.boleto.arrecadacao import Arrecadacao, parse_arrecadacao
from cobranca.instruments.boleto.barcode import (
    Boleto,
    BoletoError,
    barcode_to_linha,
    build_boleto,
    format_linha,
    linha_to_barcode,
    parse_boleto,
)
from cobranca.instruments.boleto.fator import FatorError, date_from_fator, fator_from_date
from cobranca.instruments.boleto.inspection import Inspection, inspect_code
from cobranca.instruments.boleto.page import BoletoPage, Party, render_boleto_page

__all__ = [
    "Arrecadacao",
    "Boleto",
    "BoletoError",
    "BoletoPage",
    "FatorError",
    "Inspection",
    "Party",
    "barcode_to_linha",
    "build_boleto",
    "date_from_fator",
    "fator_from_date",
    "format_linha",
    "inspect_code",
    "linha_to_barcode",
    "parse_arrecadacao",
    "parse_boleto",
    "render_boleto_page",
]
