"""The printable boleto: recibo do pagador and ficha de compensação on one A4 page.

The page is a jinja2 template with autoescape on, so names and instructions from an ERP are
always escaped; the only markup inserted raw is the barcode SVG, which is built here from the
barcode's digits alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cobranca.domain.money import format_brl
from cobranca.instruments.boleto import i25
from cobranca.instruments.boleto.banks import BANK_NAMES
from cobranca.instruments.boleto.barcode import Boleto

# The DV printed after the bank code ("001-9") is assigned by each bank, not computed: 104 and
# 748 share a módulo 11 remainder yet print 0 and X.
BANK_CODE_DVS = {
    "001": "9",
    "033": "7",
    "041": "8",
    "104": "0",
    "237": "2",
    "341": "7",
    "748": "X",
    "756": "0",
}
DEFAULT_LOCAL_PAGAMENTO = "Pagável em qualquer banco até o vencimento"


@dataclass(frozen=True)
class Party:
    """Beneficiário or pagador as printed: name, CPF/CNPJ and address lines."""

    name: str
    document: str
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoletoPage:
    """Everything printed on a boleto besides what the barcode carries."""

    boleto: Boleto
    beneficiario: Party
    pagador: Party
    nosso_numero: str
    agencia_codigo_beneficiario: str
    numero_documento: str = ""
    especie_documento: str = "DM"
    aceite: str = "N"
    carteira: str = ""
    data_documento: date | None = None
    data_processamento: date | None = None
    local_pagamento: str = DEFAULT_LOCAL_PAGAMENTO
    instrucoes: tuple[str, ...] = field(default_factory=tuple)


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("cobranca.instruments.boleto", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["brl"] = format_brl
    environment.filters["data"] = _format_date
    return environment


def _format_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


def render_boleto_page(page: BoletoPage) -> str:
    """Render the boleto as a standalone pt-BR HTML page sized for A4."""
    boleto = page.boleto
    bank_dv = BANK_CODE_DVS.get(boleto.bank)
    template = _environment().get_template("boleto.html")
    return template.render(
        page=page,
        boleto=boleto,
        bank_label=f"{boleto.bank}-{bank_dv}" if bank_dv else boleto.bank,
        bank_name=BANK_NAMES.get(boleto.bank, ""),
        vencimento=(_format_date(boleto.due_date) if boleto.due_date else "Contra-apresentação"),
        barcode_svg=Markup(i25.svg(boleto.barcode)),  # noqa: S704 - built from digits only
    )
