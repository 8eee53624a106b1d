"""Write remessa files that register boletos with the bank (CNAB 240 P/Q/R and CNAB 400).

Output is ASCII bytes (accents removed, upper case), CRLF after every record, every record
exactly 240 or 400 characters, record sequence numbers consecutive, and trailers carrying the
counts (and, where the layout has them, the sums).

Supported (positions from the tables in :mod:`layout240` and :mod:`layout400`):

- CNAB 240: Banco do Brasil (001), Bradesco (237) and Sicoob (756) on FEBRABAN's segments P, Q
  and R; Santander (033) with its own header and segment P.
- CNAB 400: Bradesco (237), Itaú (341), Banco do Brasil CBR641 with 7-digit convênio (001) and
  Santander (033).

An instruction a bank's layout here cannot carry (multa on Itaú or BB 400, protest on
Santander or BB 400) raises :class:`CnabError` instead of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from cobranca.domain.money import ZERO, money
from cobranca.instruments.cnab import layout240 as l240
from cobranca.instruments.cnab import layout400 as l400
from cobranca.instruments.cnab.banks import registered_nosso_numero
from cobranca.instruments.cnab.fields import CnabError, RecordLayout, Value, only_digits
from cobranca.instruments.cnab.models import Beneficiario, Layout, RemessaTitle

CRLF = "\r\n"
ENCODING = "ascii"
# FEBRABAN's and the 400 layouts' code for duplicata mercantil, the default espécie.
DUPLICATA_MERCANTIL_240 = "02"
DUPLICATA_MERCANTIL_400 = "01"
# FEBRABAN C006 código da carteira: 1 = cobrança simples (the portfolio number goes elsewhere).
SIMPLES = "1"
SANTANDER_ELECTRONIC_FROM = 200


@dataclass(frozen=True, slots=True)
class Remessa240Profile:
    """What differs between banks writing CNAB 240 remessas on FEBRABAN's skeleton."""

    bank_name: str
    file_version: str
    batch_version: str
    segment_p: RecordLayout
    file_header: RecordLayout
    batch_header: RecordLayout
    convenio: Callable[[Beneficiario], str]
    nosso_numero: Callable[[str], str]
    juros_exempt_code: str
    no_protest_code: str
    density: str = "00000"


def _bb_convenio(beneficiario: Beneficiario) -> str:
    # BB: convênio (9), "0014" (cobrança cedente), carteira (2), variação (3), 2 blanks.
    return (
        beneficiario.convenio.rjust(9, "0")
        + "0014"
        + beneficiario.carteira.rjust(2, "0")
        + beneficiario.variacao.rjust(3, "0")
    )


def _sicoob_nosso_numero(nosso_numero: str) -> str:
    # Sicoob: nosso número (10), parcela 01, modalidade 01 (simples com registro), formulário 4.
    return registered_nosso_numero(10, nosso_numero) + "01" + "01" + "4"


# Maintenance: Caixa (SIGCB) and Itaú write CNAB 240 remessas with their own segment P
# positions; only their retornos are read here.
REMESSA_240: dict[str, Remessa240Profile] = {
    "001": Remessa240Profile(
        bank_name="BANCO DO BRASIL S.A.",
        file_version="084",
        batch_version="042",
        segment_p=l240.SEGMENT_P_FEBRABAN,
        file_header=l240.FILE_HEADER_FEBRABAN,
        batch_header=l240.BATCH_HEADER_FEBRABAN,
        convenio=_bb_convenio,
        nosso_numero=lambda value: registered_nosso_numero(None, value),
        juros_exempt_code="3",
        no_protest_code="3",
        density="01600",
    ),
    # Maintenance: Bradesco's 240 layout versions (084/042) and its convênio as a 20-digit code
    # follow FEBRABAN v08 and have not been checked against a Bradesco homologation file.
    "237": Remessa240Profile(
        bank_name="BRADESCO",
        file_version="084",
        batch_version="042",
        segment_p=l240.SEGMENT_P_FEBRABAN,
        file_header=l240.FILE_HEADER_FEBRABAN,
        batch_header=l240.BATCH_HEADER_FEBRABAN,
        convenio=lambda beneficiario: beneficiario.convenio.rjust(20, "0"),
        nosso_numero=lambda value: registered_nosso_numero(None, value),
        juros_exempt_code="3",
        no_protest_code="3",
    ),
    "756": Remessa240Profile(
        bank_name="SICOOB",
        file_version="081",
        batch_version="040",
        segment_p=l240.SEGMENT_P_FEBRABAN,
        file_header=l240.FILE_HEADER_FEBRABAN,
        batch_header=l240.BATCH_HEADER_FEBRABAN,
        convenio=lambda beneficiario: "",
        nosso_numero=_sicoob_nosso_numero,
        juros_exempt_code="0",
        no_protest_code="3",
    ),
    "033": Remessa240Profile(
        bank_name="BANCO SANTANDER",
        file_version="040",
        batch_version="030",
        segment_p=l240.SEGMENT_P_SANTANDER,
        file_header=l240.FILE_HEADER_SANTANDER,
        batch_header=l240.BATCH_HEADER_SANTANDER,
        convenio=lambda beneficiario: beneficiario.convenio,
        nosso_numero=lambda value: registered_nosso_numero(13, value),
        juros_exempt_code="0",
        no_protest_code="0",
    ),
}


def write_remessa(
    beneficiario: Beneficiario,
    titles: Sequence[RemessaTitle],
    *,
    layout: Layout,
    generated_on: date,
    file_sequence: int = 1,
    generated_at: time | None = None,
) -> bytes:
    """A remessa registering ``titles`` for ``beneficiario`` at its bank, as file bytes."""
    if not titles:
        raise CnabError("a remessa needs at least one title")
    for title in titles:
        _check_title(title)

    if layout is Layout.CNAB240:
        lines = _remessa_240(beneficiario, titles, generated_on, file_sequence, generated_at)
    else:
        lines = _remessa_400(beneficiario, titles, generated_on, file_sequence)
    return join_records(lines)


def join_records(lines: Sequence[str]) -> bytes:
    """Records as file bytes: CRLF after each, ASCII (the formatters already folded text)."""
    return "".join(line + CRLF for line in lines).encode(ENCODING)


def _check_title(title: RemessaTitle) -> None:
    if money(title.amount) <= ZERO:
        raise CnabError(f"title {title.seu_numero!r}: amount must be positive", field="valor")
    if title.due_date < title.issue_date:
        raise CnabError(f"title {title.seu_numero!r}: due before issue", field="vencimento")


def santander_carteira_code(carteira: str) -> str:
    """Santander's one-digit code: 5 for carteira 101 (rápida com registro), 1 for 201 and up."""
    if len(carteira) <= 1:
        return carteira or "5"
    return "1" if int(carteira) > SANTANDER_ELECTRONIC_FROM else "5"


def document_type(document: str) -> str:
    """1 for a CPF (11 digits), 2 for a CNPJ (14), as CNAB's tipo de inscrição."""
    digits = only_digits(document)
    if len(digits) == 11:
        return "1"
    if len(digits) == 14:
        return "2"
    raise CnabError(f"document {document!r} is neither a CPF nor a CNPJ", field="inscricao")


def _multa_from(title: RemessaTitle) -> date:
    return title.multa_from or title.due_date + timedelta(days=1)


def _remessa_240(
    beneficiario: Beneficiario,
    titles: Sequence[RemessaTitle],
    generated_on: date,
    file_sequence: int,
    generated_at: time | None,
) -> list[str]:
    profile = REMESSA_240.get(beneficiario.bank)
    if profile is None:
        supported = ", ".join(sorted(REMESSA_240))
        raise CnabError(
            f"CNAB 240 remessa for bank {beneficiario.bank!r} is not supported ({supported})"
        )

    bank = beneficiario.bank
    company = only_digits(beneficiario.document)
    identity: dict[str, Value] = {
        "banco": bank,
        "inscricao_tipo": document_type(company),
        "inscricao": company,
        "convenio": profile.convenio(beneficiario),
        "codigo_transmissao": beneficiario.convenio,
        "agencia": beneficiario.agencia,
        "agencia_dv": beneficiario.agencia_dv,
        "conta": beneficiario.conta,
        "conta_dv": beneficiario.conta_dv,
        "empresa_nome": beneficiario.name,
    }
    header = {
        **identity,
        "lote": "0000",
        "registro": l240.TYPE_FILE_HEADER,
        "banco_nome": profile.bank_name,
        "remessa_retorno": "1",
        "data_geracao": generated_on,
        "hora_geracao": (generated_at or time()).strftime("%H%M%S"),
        "nsa": str(file_sequence),
        "versao_layout": profile.file_version,
        "densidade": profile.density,
    }
    batch = {
        **identity,
        "lote": "0001",
        "registro": l240.TYPE_BATCH_HEADER,
        "operacao": "R",
        "versao_layout": profile.batch_version,
        "numero_remessa_retorno": str(file_sequence),
        "data_gravacao": generated_on,
    }
    lines = [_render(profile.file_header, header), _render(profile.batch_header, batch)]

    details: list[str] = []
    for title in titles:
        for layout, values in _segments_240(profile, beneficiario, title):
            values.update(
                banco=bank,
                lote="0001",
                registro=l240.TYPE_DETAIL,
                sequencial=str(len(details) + 1),
                movimento="01",
            )
            details.append(_render(layout, values))
    lines.extend(details)

    batch_trailer = {"banco": bank, "lote": "0001", "registro": l240.TYPE_BATCH_TRAILER}
    batch_trailer["quantidade_registros"] = str(len(details) + 2)
    lines.append(_render(l240.BATCH_TRAILER_REMESSA, batch_trailer))
    trailer = {
        "banco": bank,
        "lote": "9999",
        "registro": l240.TYPE_FILE_TRAILER,
        "quantidade_lotes": "1",
        "quantidade_registros": str(len(lines) + 1),
    }
    lines.append(_render(l240.FILE_TRAILER, trailer))
    return lines


def _segments_240(
    profile: Remessa240Profile, beneficiario: Beneficiario, title: RemessaTitle
) -> list[tuple[RecordLayout, dict[str, Value]]]:
    """Segments P and Q of one title, and R when it carries a multa."""
    juros = money(title.juros_per_day)
    discount = money(title.discount)
    segment_p: dict[str, Value] = {
        "segmento": "P",
        "agencia": beneficiario.agencia,
        "agencia_dv": beneficiario.agencia_dv,
        "conta": beneficiario.conta,
        "conta_dv": beneficiario.conta_dv,
        "conta_cobranca": beneficiario.conta,
        "conta_cobranca_dv": beneficiario.conta_dv,
        "nosso_numero": profile.nosso_numero(title.nosso_numero),
        "carteira": santander_carteira_code(beneficiario.carteira)
        if beneficiario.bank == "033"
        else SIMPLES,
        "seu_numero": title.seu_numero,
        "vencimento": title.due_date,
        "valor": money(title.amount),
        "especie": title.especie or DUPLICATA_MERCANTIL_240,
        "emissao": title.issue_date,
        "juros_codigo": "1" if juros else profile.juros_exempt_code,
        "juros_data": title.due_date + timedelta(days=1) if juros else None,
        "juros_valor": juros,
        "desconto_codigo": "1" if discount else "0",
        "desconto_data": (title.discount_until or title.due_date) if discount else None,
        "desconto_valor": discount,
        "abatimento": money(title.abatimento),
        "uso_empresa": title.uso_empresa or title.seu_numero,
        "protesto_codigo": "1" if title.protest_days else profile.no_protest_code,
        "protesto_prazo": str(title.protest_days),
        "baixa_codigo": "2",
    }
    segment_p = {name: value for name, value in segment_p.items() if name in profile.segment_p}

    payer = title.payer
    postcode = only_digits(payer.postcode).rjust(8, "0")
    segment_q: dict[str, Value] = {
        "segmento": "Q",
        "inscricao_tipo": document_type(payer.document),
        "inscricao": only_digits(payer.document),
        "nome": payer.name,
        "endereco": payer.address,
        "bairro": payer.neighbourhood,
        "cep": postcode[:5],
        "cep_sufixo": postcode[5:],
        "cidade": payer.city,
        "uf": payer.state,
        "avalista_tipo": "0",
    }
    segments = [(profile.segment_p, segment_p), (l240.SEGMENT_Q, segment_q)]

    if title.multa_percent:
        segment_r: dict[str, Value] = {
            "segmento": "R",
            "multa_codigo": "2",
            "multa_data": _multa_from(title),
            "multa_valor": money(title.multa_percent),
        }
        segments.append((l240.SEGMENT_R, segment_r))
    return segments


def _remessa_400(
    beneficiario: Beneficiario,
    titles: Sequence[RemessaTitle],
    generated_on: date,
    file_sequence: int,
) -> list[str]:
    writer = _WRITERS_400.get(beneficiario.bank)
    if writer is None:
        supported = ", ".join(sorted(_WRITERS_400))
        raise CnabError(
            f"CNAB 400 remessa for bank {beneficiario.bank!r} is not supported ({supported})"
        )
    header_layout, header, detail_layout, detail = writer
    lines = [
        _render(
            header_layout,
            {**header(beneficiario, generated_on, file_sequence), "sequencial": "1"},
        )
    ]
    for title in titles:
        values = detail(beneficiario, title)
        values["sequencial"] = str(len(lines) + 1)
        lines.append(_render(detail_layout, values))

    if beneficiario.bank == "033":
        trailer: dict[str, Value] = {
            "quantidade_registros": str(len(lines) + 1),
            "valor_total": total_amount(titles),
            "sequencial": str(len(lines) + 1),
        }
        lines.append(_render(l400.REMESSA_TRAILER_SANTANDER, trailer))
    else:
        lines.append(_render(l400.REMESSA_TRAILER, {"sequencial": str(len(lines) + 1)}))
    return lines


def _common_400(title: RemessaTitle) -> dict[str, Value]:
    """Detail fields the four 400 layouts place identically (positions 109-351)."""
    payer = title.payer
    discount = money(title.discount)
    return {
        "ocorrencia": "01",
        "seu_numero": title.seu_numero,
        "vencimento": title.due_date,
        "valor": money(title.amount),
        "especie": title.especie or DUPLICATA_MERCANTIL_400,
        "emissao": title.issue_date,
        "juros_dia": money(title.juros_per_day),
        "desconto_data": (title.discount_until or title.due_date) if discount else None,
        "desconto_valor": discount,
        "abatimento": money(title.abatimento),
        "pagador_tipo": "0" + document_type(payer.document),
        "pagador_documento": only_digits(payer.document),
        "pagador_nome": payer.name,
        "pagador_endereco": payer.address,
        "pagador_bairro": payer.neighbourhood,
        "cep": only_digits(payer.postcode),
        "cidade": payer.city,
        "uf": payer.state,
        "uso_empresa": title.uso_empresa or title.seu_numero,
    }


# Maintenance: Itaú 400 (multa in an optional tipo 2 record), BB 400 (multa in a tipo 5
# record) and the protest instruction codes of BB and Santander 400 were not verifiable from
# the sources at hand, so those titles are refused rather than registered without them.
def _refuse(title: RemessaTitle, bank: str, *, multa: bool, protest: bool) -> None:
    if multa and title.multa_percent:
        raise CnabError(
            f"title {title.seu_numero!r}: multa is not written for bank {bank} CNAB 400 here",
            field="multa",
        )
    if protest and title.protest_days:
        raise CnabError(
            f"title {title.seu_numero!r}: protest is not written for bank {bank} CNAB 400 here",
            field="protesto",
        )


def _bradesco_header(beneficiario: Beneficiario, on: date, sequence: int) -> dict[str, Value]:
    return {
        "codigo_empresa": beneficiario.convenio,
        "empresa_nome": beneficiario.name,
        "banco": "237",
        "banco_nome": "BRADESCO",
        "data_gravacao": on,
        "sequencia_remessa": str(sequence),
    }


def _bradesco_detail(beneficiario: Beneficiario, title: RemessaTitle) -> dict[str, Value]:
    # Bradesco's nosso número is 11 digits plus a check digit that may be "P".
    registered = registered_nosso_numero(12, title.nosso_numero)
    values = _common_400(title)
    values.update(
        empresa="0"
        + beneficiario.carteira.rjust(3, "0")
        + beneficiario.agencia.rjust(5, "0")
        + beneficiario.conta.rjust(7, "0")
        + (beneficiario.conta_dv or "0"),
        multa_codigo="2" if title.multa_percent else "0",
        multa_percentual=money(title.multa_percent),
        nosso_numero=registered[:11],
        nosso_numero_dv=registered[11],
        instrucao_1="06" if title.protest_days else "00",
        instrucao_2=str(title.protest_days),
    )
    return values


def _itau_header(beneficiario: Beneficiario, on: date, sequence: int) -> dict[str, Value]:
    del sequence
    return {
        "agencia": beneficiario.agencia,
        "conta": beneficiario.conta,
        "conta_dv": beneficiario.conta_dv,
        "empresa_nome": beneficiario.name,
        "banco": "341",
        "banco_nome": "BANCO ITAU SA",
        "data_gravacao": on,
    }


def _itau_detail(beneficiario: Beneficiario, title: RemessaTitle) -> dict[str, Value]:
    _refuse(title, "341", multa=True, protest=False)
    company = only_digits(beneficiario.document)
    values = _common_400(title)
    juros = money(title.juros_per_day)
    values.update(
        inscricao_tipo="0" + document_type(company),
        inscricao=company,
        agencia=beneficiario.agencia,
        conta=beneficiario.conta,
        conta_dv=beneficiario.conta_dv,
        nosso_numero=registered_nosso_numero(8, title.nosso_numero),
        carteira=beneficiario.carteira,
        banco="341",
        instrucao_1="34" if title.protest_days else "00",
        data_mora=title.due_date + timedelta(days=1) if juros else None,
        prazo=str(title.protest_days),
    )
    return values


def _bb_header(beneficiario: Beneficiario, on: date, sequence: int) -> dict[str, Value]:
    return {
        "agencia": beneficiario.agencia,
        "agencia_dv": beneficiario.agencia_dv,
        "conta": beneficiario.conta,
        "conta_dv": beneficiario.conta_dv,
        "empresa_nome": beneficiario.name,
        "banco": "001",
        "banco_nome": "BANCODOBRASIL",
        "data_gravacao": on,
        "sequencia_remessa": str(sequence),
        "convenio_lider": beneficiario.convenio,
    }


def _bb_detail(beneficiario: Beneficiario, title: RemessaTitle) -> dict[str, Value]:
    _refuse(title, "001", multa=True, protest=True)
    company = only_digits(beneficiario.document)
    values = _common_400(title)
    values.update(
        inscricao_tipo="0" + document_type(company),
        inscricao=company,
        agencia=beneficiario.agencia,
        agencia_dv=beneficiario.agencia_dv,
        conta=beneficiario.conta,
        conta_dv=beneficiario.conta_dv,
        convenio=beneficiario.convenio,
        nosso_numero=registered_nosso_numero(17, title.nosso_numero),
        variacao=beneficiario.variacao,
        carteira=beneficiario.carteira,
        banco="001",
    )
    return values


def _santander_header(beneficiario: Beneficiario, on: date, sequence: int) -> dict[str, Value]:
    del sequence
    return {
        "codigo_transmissao": beneficiario.convenio,
        "empresa_nome": beneficiario.name,
        "banco": "033",
        "banco_nome": "SANTANDER",
        "data_gravacao": on,
    }


def _santander_detail(beneficiario: Beneficiario, title: RemessaTitle) -> dict[str, Value]:
    _refuse(title, "033", multa=False, protest=True)
    company = only_digits(beneficiario.document)
    values = _common_400(title)
    carteira = santander_carteira_code(beneficiario.carteira)
    values.update(
        inscricao_tipo="0" + document_type(company),
        inscricao=company,
        codigo_transmissao=beneficiario.convenio,
        nosso_numero=registered_nosso_numero(8, title.nosso_numero),
        multa_codigo="4" if title.multa_percent else "0",
        multa_percentual=money(title.multa_percent),
        multa_data=_multa_from(title) if title.multa_percent else None,
        carteira=carteira,
        banco="033",
        complemento=beneficiario.conta[-1:] + beneficiario.conta_dv,
    )
    return values


_HeaderBuilder = Callable[[Beneficiario, date, int], dict[str, Value]]
_DetailBuilder = Callable[[Beneficiario, RemessaTitle], dict[str, Value]]

_WRITERS_400: dict[str, tuple[RecordLayout, _HeaderBuilder, RecordLayout, _DetailBuilder]] = {
    "237": (
        l400.REMESSA_HEADER_BRADESCO,
        _bradesco_header,
        l400.REMESSA_BRADESCO,
        _bradesco_detail,
    ),
    "341": (l400.REMESSA_HEADER_ITAU, _itau_header, l400.REMESSA_ITAU, _itau_detail),
    "001": (
        l400.REMESSA_HEADER_BANCO_DO_BRASIL,
        _bb_header,
        l400.REMESSA_BANCO_DO_BRASIL,
        _bb_detail,
    ),
    "033": (
        l400.REMESSA_HEADER_SANTANDER,
        _santander_header,
        l400.REMESSA_SANTANDER,
        _santander_detail,
    ),
}


def _render(layout: RecordLayout, values: Mapping[str, Value]) -> str:
    """Render with the keys the layout knows; identity keys shared across layouts are dropped."""
    return layout.render({name: value for name, value in values.items() if name in layout})


def total_amount(titles: Sequence[RemessaTitle]) -> Decimal:
    """Sum of the titles' amounts, as trailers that carry a total write it."""
    return sum((money(title.amount) for title in titles), ZERO)
