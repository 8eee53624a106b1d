"""Which tables and code catalogues each bank uses, per layout.

A bank profile ties a bank code (the three digits in every header) to its record tables and
ocorrência catalogue, and says how wide the bank keeps the nosso número, so that a title
registered in a remessa and reported back in a retorno carries the same nosso número.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobranca.instruments.cnab import layout240 as l240
from cobranca.instruments.cnab import layout400 as l400
from cobranca.instruments.cnab.fields import CnabError, Field, RecordLayout
from cobranca.instruments.cnab.occurrences import (
    BANCO_DO_BRASIL_400,
    BANRISUL_400,
    BRADESCO_400,
    CAIXA_240,
    FEBRABAN_240,
    ITAU,
    SANTANDER_400,
    Catalogue,
)

# Where most banks' CNAB 400 retorno header numbers the file (número do aviso bancário).
AVISO = Field("aviso", 109, 113)


@dataclass(frozen=True, slots=True)
class Bank240:
    """How one bank fills CNAB 240 retornos (header tables, segmento T, ocorrência codes).

    ``nosso_numero_width`` is the width the bank zero-pads the nosso número to, or ``None``
    when it keeps it as text left-aligned (Banco do Brasil, Bradesco). ``batch_count_details``
    says the batch trailer counts detail records only, as Santander's retornos do, instead of
    FEBRABAN's count that includes the batch header and trailer.
    """

    code: str
    name: str
    segment_t: RecordLayout
    catalogue: Catalogue
    nosso_numero_width: int | None = None
    file_header: RecordLayout = l240.FILE_HEADER_FEBRABAN
    batch_header: RecordLayout = l240.BATCH_HEADER_FEBRABAN
    batch_count_details: bool = False


@dataclass(frozen=True, slots=True)
class Bank400:
    """How one bank fills CNAB 400 retornos: its detail record type, table and codes."""

    code: str
    name: str
    detail: RecordLayout
    catalogue: Catalogue
    nosso_numero_width: int | None = None
    detail_type: str = "1"
    file_sequence: Field = AVISO


BANKS_240: dict[str, Bank240] = {
    "001": Bank240("001", "Banco do Brasil", l240.SEGMENT_T_FEBRABAN, FEBRABAN_240),
    "033": Bank240(
        "033",
        "Santander",
        l240.SEGMENT_T_SANTANDER,
        FEBRABAN_240,
        nosso_numero_width=13,
        file_header=l240.FILE_HEADER_SANTANDER,
        batch_header=l240.BATCH_HEADER_SANTANDER,
        batch_count_details=True,
    ),
    "104": Bank240("104", "Caixa", l240.SEGMENT_T_CAIXA, CAIXA_240, nosso_numero_width=17),
    "237": Bank240("237", "Bradesco", l240.SEGMENT_T_FEBRABAN, FEBRABAN_240),
    "341": Bank240("341", "Itaú", l240.SEGMENT_T_ITAU, ITAU, nosso_numero_width=8),
    "756": Bank240("756", "Sicoob", l240.SEGMENT_T_SICOOB, FEBRABAN_240, nosso_numero_width=10),
}

BANKS_400: dict[str, Bank400] = {
    "001": Bank400(
        "001",
        "Banco do Brasil",
        l400.RETORNO_BANCO_DO_BRASIL,
        BANCO_DO_BRASIL_400,
        detail_type="7",
        file_sequence=Field("sequencia", 101, 107),
    ),
    "033": Bank400("033", "Santander", l400.RETORNO_SANTANDER, SANTANDER_400, 8),
    "041": Bank400("041", "Banrisul", l400.RETORNO_BANRISUL, BANRISUL_400, 10),
    "237": Bank400("237", "Bradesco", l400.RETORNO_BRADESCO, BRADESCO_400, 12),
    "341": Bank400("341", "Itaú", l400.RETORNO_ITAU, ITAU, 8),
}


def generic_240(code: str) -> Bank240:
    """A profile for a bank without its own table: plain FEBRABAN positions and codes."""
    return Bank240(code, f"banco {code}", l240.SEGMENT_T_FEBRABAN, FEBRABAN_240)


def bank_240(code: str) -> Bank240:
    """The CNAB 240 profile of ``code``; :class:`CnabError` if the bank has none."""
    try:
        return BANKS_240[code]
    except KeyError:
        raise CnabError(f"no CNAB 240 profile for bank {code!r}", field="banco") from None


def bank_400(code: str) -> Bank400:
    """The CNAB 400 profile of ``code``; :class:`CnabError` if the bank has none."""
    try:
        return BANKS_400[code]
    except KeyError:
        supported = ", ".join(sorted(BANKS_400))
        raise CnabError(
            f"CNAB 400 from bank {code!r} is not supported (supported: {supported})",
            field="banco (77-79)",
        ) from None


def registered_nosso_numero(width: int | None, nosso_numero: str) -> str:
    """The nosso número as the bank keeps it: zero-padded to ``width``, or trimmed text.

    Raises :class:`CnabError` when it does not fit, rather than cutting digits off.
    """
    value = nosso_numero.strip()
    if width is None:
        return value
    if len(value) > width or not value.isalnum() or not value.isascii():
        raise CnabError(
            f"nosso número {nosso_numero!r} does not fit the bank's {width} characters",
            field="nosso_numero",
        )
    return value.rjust(width, "0")
