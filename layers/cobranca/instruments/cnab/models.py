"""Typed values going in and out of the CNAB code: retorno records, remessa titles, bank events.

All models are frozen dataclasses; amounts are ``Decimal`` with two places and dates are plain
``date`` values (CNAB dates carry no time or zone: they are business dates of the bank).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cobranca.domain.money import ZERO


class Layout(StrEnum):
    """The two CNAB families: FEBRABAN's 240-character and the banks' older 400-character one."""

    CNAB240 = "240"
    CNAB400 = "400"


class Occurrence(StrEnum):
    """What a retorno record (ocorrência) means for the receivable, whatever the bank's code.

    ``liquidacao`` covers every kind of payment (normal, em cartório, após baixa, parcial);
    ``baixa`` is a write-off without payment; ``tarifa`` is a fee-only record;
    ``alteracao`` confirms a change of due date, amount, abatimento or other data;
    ``protesto`` gathers the notary-protest steps; ``instrucao_rejeitada`` is a refused
    instruction on an already registered boleto (the boleto itself stays valid).
    """

    ENTRADA_CONFIRMADA = "entrada_confirmada"
    ENTRADA_REJEITADA = "entrada_rejeitada"
    LIQUIDACAO = "liquidacao"
    BAIXA = "baixa"
    TARIFA = "tarifa"
    ALTERACAO = "alteracao"
    PROTESTO = "protesto"
    INSTRUCAO_REJEITADA = "instrucao_rejeitada"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Motivo:
    """A reason code a bank attaches to an ocorrência; ``description`` is None when unknown."""

    code: str
    description: str | None


@dataclass(frozen=True, slots=True)
class LineIssue:
    """A warning about, or the rejection of, one physical line of a file (1-based)."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class RetornoRecord:
    """One title's ocorrência in a retorno (segments T+U in CNAB 240, one detail in CNAB 400).

    Amounts are what the bank wrote, field by field. ``amount_paid`` is what the payer paid
    (juros and multa included); ``bank_fee`` (tarifa) is the bank's charge to the beneficiário
    and never reduces what the payer settled (TRAPS 4); ``amount_credited`` is the net credit
    to the account when the layout carries it (CNAB 240 valor líquido, BB 400 valor de
    lançamento), else ``None``.
    """

    line_number: int
    nosso_numero: str
    occurrence_code: str
    occurrence: Occurrence
    occurrence_description: str
    amount_title: Decimal
    amount_paid: Decimal
    fees_paid: Decimal
    discount: Decimal
    abatimento: Decimal
    bank_fee: Decimal
    iof: Decimal = ZERO
    other_expenses: Decimal = ZERO
    other_credits: Decimal = ZERO
    amount_credited: Decimal | None = None
    due_date: date | None = None
    occurred_on: date | None = None
    credited_on: date | None = None
    seu_numero: str = ""
    uso_empresa: str = ""
    carteira: str = ""
    payer_document: str | None = None
    payer_name: str | None = None
    collecting_bank: str = ""
    collecting_agency: str = ""
    motivos: tuple[Motivo, ...] = ()

    @property
    def settled_amount(self) -> Decimal:
        """What this record settles on the receivable: the amount paid on a liquidação, else 0.

        The tarifa is deliberately absent: a title of 100.00 paid with 100.00 and credited
        98.60 after a 1.40 fee is fully settled (TRAPS 4).
        """
        return self.amount_paid if self.occurrence is Occurrence.LIQUIDACAO else ZERO


@dataclass(frozen=True, slots=True)
class RetornoFile:
    """A retorno file read end to end: its layout and bank, records, and what was tolerated."""

    layout: Layout
    bank: str
    bank_name: str
    generated_on: date | None
    file_sequence: str
    records: tuple[RetornoRecord, ...]
    warnings: tuple[LineIssue, ...] = ()
    rejected_lines: tuple[LineIssue, ...] = ()


@dataclass(frozen=True, slots=True)
class Beneficiario:
    """The company that issues the boletos, as its bank knows it.

    ``convenio`` is the bank's id of the collection contract (BB convênio, Bradesco código da
    empresa, Santander código de transmissão, Sicoob código do cliente); ``carteira`` the
    portfolio and ``variacao`` BB's variação da carteira.
    """

    bank: str
    name: str
    document: str
    agencia: str
    conta: str
    agencia_dv: str = ""
    conta_dv: str = ""
    convenio: str = ""
    carteira: str = ""
    variacao: str = ""


@dataclass(frozen=True, slots=True)
class Payer:
    """The payer (pagador) printed on the boleto and registered with the bank."""

    name: str
    document: str
    address: str = ""
    neighbourhood: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""


@dataclass(frozen=True, slots=True)
class RemessaTitle:
    """A boleto to register with the bank through a remessa file.

    ``nosso_numero`` is the bank's number as the boleto module composed it (check digit
    included where the bank prints one); ``seu_numero`` the company's document number.
    ``multa_percent`` is charged from ``multa_from`` (default: the day after the due date);
    ``juros_per_day`` is an amount in reais per day late; ``discount`` applies up to
    ``discount_until``. ``especie`` overrides the bank's code for duplicata mercantil.
    """

    nosso_numero: str
    seu_numero: str
    due_date: date
    amount: Decimal
    issue_date: date
    payer: Payer
    multa_percent: Decimal = ZERO
    multa_from: date | None = None
    juros_per_day: Decimal = ZERO
    discount: Decimal = ZERO
    discount_until: date | None = None
    abatimento: Decimal = ZERO
    protest_days: int = 0
    especie: str | None = None
    uso_empresa: str = ""


@dataclass(frozen=True, slots=True)
class BankEvent:
    """Something the bank did to a title, for the retorno simulator to report.

    For a liquidação, ``amount_paid`` is the payer's payment (``fees_paid`` of it being juros
    and multa) and ``bank_fee`` the tarifa; the simulator credits ``amount_paid - bank_fee``.
    """

    title: RemessaTitle
    occurrence: Occurrence
    occurred_on: date
    amount_paid: Decimal = ZERO
    fees_paid: Decimal = ZERO
    discount: Decimal = ZERO
    bank_fee: Decimal = ZERO
    credited_on: date | None = None
    motivos: tuple[str, ...] = field(default=())
