"""A bank simulator: write the retorno a bank would send for what happened to some titles.

Tests and the local demo "pay" boletos by writing a retorno here and feeding it to the same
reader the ``bank_return`` function uses. Records use the very tables the reader reads (the
bank's segmento T and FEBRABAN's segmento U in CNAB 240; the bank's detail record in CNAB 400),
so ``read_retorno(write_retorno(...))`` returns the events' values for every supported bank.

The ocorrência written for each event is the bank's usual code for it (``Catalogue.primary``):
FEBRABAN 06 for a liquidação, 02 for an entrada confirmada, 09 for a baixa, and so on. On a
liquidação the account is credited ``amount_paid - bank_fee``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from cobranca.domain.money import ZERO, money
from cobranca.instruments.cnab import layout240 as l240
from cobranca.instruments.cnab import layout400 as l400
from cobranca.instruments.cnab.banks import bank_240, bank_400, registered_nosso_numero
from cobranca.instruments.cnab.fields import CnabError, RecordLayout, Value, only_digits
from cobranca.instruments.cnab.models import BankEvent, Beneficiario, Layout, Occurrence
from cobranca.instruments.cnab.remessa import document_type, join_records


def write_retorno(
    beneficiario: Beneficiario,
    events: Sequence[BankEvent],
    *,
    layout: Layout,
    generated_on: date,
    file_sequence: int = 1,
) -> bytes:
    """The retorno file the beneficiário's bank would send for ``events``, as bytes."""
    if not events:
        raise CnabError("a retorno needs at least one event")
    if layout is Layout.CNAB240:
        lines = _retorno_240(beneficiario, events, generated_on, file_sequence)
    else:
        lines = _retorno_400(beneficiario, events, generated_on, file_sequence)
    return join_records(lines)


def _credited(event: BankEvent) -> Decimal:
    if event.occurrence is not Occurrence.LIQUIDACAO:
        return ZERO
    credited = money(event.amount_paid) - money(event.bank_fee)
    if credited < ZERO:
        raise CnabError(
            f"title {event.title.seu_numero!r}: tarifa larger than the amount paid",
            field="valor_liquido",
        )
    return credited


def _motivos(event: BankEvent, width: int) -> str:
    return "".join(code.rjust(width, "0") for code in event.motivos)


def _retorno_240(
    beneficiario: Beneficiario, events: Sequence[BankEvent], generated_on: date, sequence: int
) -> list[str]:
    profile = bank_240(beneficiario.bank)
    bank = profile.code
    company = only_digits(beneficiario.document)
    identity: dict[str, Value] = {
        "banco": bank,
        "inscricao_tipo": document_type(company),
        "inscricao": company,
        "convenio": beneficiario.convenio,
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
        "banco_nome": profile.name,
        "remessa_retorno": "2",
        "data_geracao": generated_on,
        "nsa": str(sequence),
    }
    batch = {
        **identity,
        "lote": "0001",
        "registro": l240.TYPE_BATCH_HEADER,
        "operacao": "T",
        "numero_remessa_retorno": str(sequence),
        "data_gravacao": generated_on,
    }
    lines = [_render(profile.file_header, header), _render(profile.batch_header, batch)]

    details: list[str] = []
    for event in events:
        title = event.title
        code = profile.catalogue.primary[event.occurrence]
        control: dict[str, Value] = {
            "banco": bank,
            "lote": "0001",
            "registro": l240.TYPE_DETAIL,
            "movimento": code,
        }
        payer_document = only_digits(title.payer.document)
        segment_t: dict[str, Value] = {
            **control,
            "sequencial": str(len(details) + 1),
            "segmento": "T",
            "agencia": beneficiario.agencia,
            "agencia_dv": beneficiario.agencia_dv,
            "conta": beneficiario.conta,
            "conta_dv": beneficiario.conta_dv,
            "codigo_beneficiario": beneficiario.convenio,
            "nosso_numero": registered_nosso_numero(profile.nosso_numero_width, title.nosso_numero),
            "carteira": beneficiario.carteira,
            "seu_numero": title.seu_numero,
            "vencimento": title.due_date,
            "valor_titulo": money(title.amount),
            "banco_cobrador": bank,
            "agencia_cobradora": beneficiario.agencia,
            "uso_empresa": title.uso_empresa or title.seu_numero,
            "pagador_tipo": document_type(payer_document),
            "pagador_documento": payer_document,
            "pagador_nome": title.payer.name,
            "tarifa": money(event.bank_fee),
            "motivos": _motivos(event, profile.catalogue.motivo_width),
        }
        details.append(_render(profile.segment_t, segment_t))

        paid = event.occurrence is Occurrence.LIQUIDACAO
        segment_u: dict[str, Value] = {
            **control,
            "sequencial": str(len(details) + 1),
            "segmento": "U",
            "juros_multa": money(event.fees_paid),
            "desconto": money(event.discount),
            "abatimento": money(title.abatimento),
            "valor_pago": money(event.amount_paid) if paid else ZERO,
            "valor_liquido": _credited(event),
            "data_ocorrencia": event.occurred_on,
            "data_credito": (event.credited_on or event.occurred_on) if paid else None,
        }
        details.append(_render(l240.SEGMENT_U, segment_u))
    lines.extend(details)

    liquidated = [event for event in events if event.occurrence is Occurrence.LIQUIDACAO]
    batch_trailer: dict[str, Value] = {
        "banco": bank,
        "lote": "0001",
        "registro": l240.TYPE_BATCH_TRAILER,
        "quantidade_registros": str(
            len(details) if profile.batch_count_details else len(details) + 2
        ),
        "quantidade_simples": str(len(liquidated)),
        "valor_simples": sum((money(event.amount_paid) for event in liquidated), ZERO),
    }
    lines.append(_render(l240.BATCH_TRAILER, batch_trailer))
    trailer: dict[str, Value] = {
        "banco": bank,
        "lote": "9999",
        "registro": l240.TYPE_FILE_TRAILER,
        "quantidade_lotes": "1",
        "quantidade_registros": str(len(lines) + 1),
    }
    lines.append(_render(l240.FILE_TRAILER, trailer))
    return lines


def _retorno_400(
    beneficiario: Beneficiario, events: Sequence[BankEvent], generated_on: date, sequence: int
) -> list[str]:
    profile = bank_400(beneficiario.bank)
    credit_dates = [event.credited_on or event.occurred_on for event in events]
    header: dict[str, Value] = {
        "empresa": beneficiario.convenio,
        "empresa_nome": beneficiario.name,
        "banco": profile.code,
        "banco_nome": profile.name,
        "data_gravacao": generated_on,
        "aviso": str(sequence).rjust(5, "0"),
        "data_credito": max(credit_dates),
        "sequencial": "1",
    }
    lines = [_render(l400.RETORNO_HEADER, header)]

    for event in events:
        title = event.title
        paid = event.occurrence is Occurrence.LIQUIDACAO
        company = only_digits(beneficiario.document)
        values: dict[str, Value] = {
            "registro": profile.detail_type,
            "inscricao_tipo": "0" + document_type(company),
            "inscricao": company,
            "agencia": beneficiario.agencia,
            "conta": beneficiario.conta,
            "conta_dv": beneficiario.conta_dv,
            "convenio": beneficiario.convenio,
            "uso_empresa": title.uso_empresa or title.seu_numero,
            "nosso_numero": registered_nosso_numero(profile.nosso_numero_width, title.nosso_numero),
            "carteira": beneficiario.carteira,
            "ocorrencia": profile.catalogue.primary[event.occurrence],
            "data_ocorrencia": event.occurred_on,
            "seu_numero": title.seu_numero,
            "vencimento": title.due_date,
            "valor_titulo": money(title.amount),
            "banco_cobrador": profile.code,
            "agencia_cobradora": beneficiario.agencia,
            "tarifa": money(event.bank_fee),
            "abatimento": money(title.abatimento),
            "desconto": money(event.discount),
            "valor_pago": money(event.amount_paid) if paid else ZERO,
            "juros_mora": money(event.fees_paid),
            "data_credito": (event.credited_on or event.occurred_on) if paid else None,
            "valor_lancamento": _credited(event),
            "pagador_nome": title.payer.name,
            "motivos": _motivos(event, profile.catalogue.motivo_width),
            "sequencial": str(len(lines) + 1),
        }
        lines.append(_render(profile.detail, values))

    trailer: dict[str, Value] = {
        "banco": profile.code,
        "quantidade_titulos": str(len(events)),
        "valor_titulos": sum((money(event.title.amount) for event in events), ZERO),
        "sequencial": str(len(lines) + 1),
    }
    lines.append(_render(l400.RETORNO_TRAILER, trailer))
    return lines


def _render(layout: RecordLayout, values: Mapping[str, Value]) -> str:
    """Render the values this layout has; the shared dictionaries carry every bank's names."""
    return layout.render({name: value for name, value in values.items() if name in layout})
