"""Registered boleto by CNAB: the hub numbers, prints and registers; the bank reports back.

The hub assigns the nosso número from a per-tenant, per-bank counter item in the table
(``ADD`` is atomic), computes the campo livre, barcode and linha digitável with
:mod:`cobranca.instruments.boleto`, and writes a remessa registering the title to S3 under
``remessa/<tenant>/<date>/<bank>-<nosso número>.rem`` for the tenant's bank connection to
pick up. What the bank did comes back as retorno files dropped under
``retorno/<tenant>/<file>``, read by ``bank_return`` (:func:`events_of_retorno`).

Idempotency: the number allocated to a charge key is remembered in an allocation item
(``NOSSO#<key>``), so a retry after a crash reuses the same number and rewrites the same remessa
object instead of registering a second boleto. A number allocated and lost to a concurrent
allocation is skipped: gaps in the sequence are harmless, duplicates are not.

Supported banks: Bradesco 237 (CNAB 400 and 240), Itaú 341 (CNAB 400) and Banco do Brasil 001
with a 7-digit convênio (CNAB 240 and 400). Itaú 400 and BB 400 remessas cannot carry a multa,
so for those the multa is printed on the boleto's instructions only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cobranca.adapters.archive import write_object
from cobranca.adapters.gateways.base import (
    CallbackRejected,
    ChargeMethod,
    ChargeRequest,
    EventKind,
    IssuedCharge,
    Provider,
    ProviderEvent,
    ProviderRefused,
)
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import ConditionFailed, Put, Table, Update, table
from cobranca.domain.money import ZERO, money, round_money
from cobranca.instruments.boleto import BoletoError, barcode_to_linha, build_boleto
from cobranca.instruments.boleto.banks import banco_do_brasil, bradesco, itau
from cobranca.instruments.cnab import (
    Beneficiario,
    CnabError,
    Layout,
    Occurrence,
    Payer,
    RemessaTitle,
    RetornoFile,
    RetornoRecord,
    write_remessa,
)
from cobranca.model.customers import Customer
from cobranca.model.tenants import Tenant
from cobranca.platform import clock

NAME = "cnab"
SUPPORTED = {"237": {"400", "240"}, "341": {"400"}, "001": {"400", "240"}}
MULTA_IN_REMESSA = {("237", "400"), ("237", "240"), ("001", "240")}


@dataclass(frozen=True)
class CnabConfig:
    """The tenant's ``cnab`` secret.

    ``{bank, layout ("400"|"240"), agencia, agencia_dv?, conta, conta_dv?, carteira,
    convenio?, variacao?}`` — the beneficiário's name and CNPJ come from the tenant profile.
    """

    bank: str
    layout: str
    agencia: str
    conta: str
    carteira: str
    agencia_dv: str = ""
    conta_dv: str = ""
    convenio: str = ""
    variacao: str = ""

    @classmethod
    def from_secret(cls, document: Mapping[str, Any]) -> CnabConfig:
        try:
            config = cls(
                bank=str(document["bank"]),
                layout=str(document.get("layout") or "400"),
                agencia=str(document["agencia"]),
                conta=str(document["conta"]),
                carteira=str(document["carteira"]),
                agencia_dv=str(document.get("agencia_dv") or ""),
                conta_dv=str(document.get("conta_dv") or ""),
                convenio=str(document.get("convenio") or ""),
                variacao=str(document.get("variacao") or ""),
            )
        except KeyError as missing:
            raise ProviderRefused(
                NAME, f"tenant secret cnab.{missing.args[0]} is missing"
            ) from None
        if config.layout not in SUPPORTED.get(config.bank, set()):
            raise ProviderRefused(
                NAME, f"bank {config.bank} CNAB {config.layout} is not supported for remessas"
            )
        if config.bank == "001" and len(config.convenio) != 7:
            raise ProviderRefused(NAME, "Banco do Brasil needs a 7-digit convênio")
        return config


def cnab_ref(nosso_numero: str) -> str:
    """The nosso número as a lookup key: trimmed, upper case, leading zeros dropped."""
    return nosso_numero.strip().upper().lstrip("0") or "0"


class CnabBank(Provider):
    """One tenant's collection contract with a bank, driven by remessa and retorno files."""

    requires_future_due_date = True

    name = NAME

    def __init__(self, tenant: Tenant, config: CnabConfig, store: Table | None = None) -> None:
        self.tenant = tenant
        self.config = config
        self.store = store or table()

    @property
    def beneficiario(self) -> Beneficiario:
        config = self.config
        return Beneficiario(
            bank=config.bank,
            name=self.tenant.name,
            document=self.tenant.document,
            agencia=config.agencia,
            conta=config.conta,
            agencia_dv=config.agencia_dv,
            conta_dv=config.conta_dv,
            convenio=config.convenio,
            carteira=config.carteira,
            variacao=config.variacao,
        )

    def ensure_customer(self, customer: Customer) -> None:
        return None

    # ------------------------------------------------------------------ numbering

    def allocate(self, key: str) -> int:
        """The sequence number of charge ``key``: the one allocated before, or the next one."""
        pk = keys.tenant(self.tenant.tenant_id)
        allocation = f"NOSSO#{key}"
        existing = self.store.get(pk, allocation)
        if existing is not None:
            return int(existing["number"])
        counter = self.store.update(
            Update(
                {"pk": pk, "sk": f"SEQ#NOSSO#{self.config.bank}"},
                "SET #type = :type ADD seq :one",
                names={"#type": "type"},
                values={":type": "sequence", ":one": 1},
            ),
            return_values="UPDATED_NEW",
        )
        number = int(counter["seq"])
        try:
            self.store.put(
                Put(
                    {"pk": pk, "sk": allocation, "type": "allocation", "number": number},
                    condition="attribute_not_exists(pk)",
                )
            )
        except ConditionFailed:
            taken = self.store.get(pk, allocation)
            if taken is None:
                raise
            return int(taken["number"])
        return number

    def _numbers(self, sequence: int) -> tuple[str, str, str]:
        """(campo livre, nosso número as registered in the remessa, as printed)."""
        config = self.config
        if config.bank == "237":
            number = f"{sequence:011d}"
            dv = bradesco.nosso_numero_dv(config.carteira, number)
            free = bradesco.campo_livre(
                agencia=config.agencia,
                carteira=config.carteira,
                nosso_numero=number,
                conta=config.conta,
            )
            return free, number + dv, f"{config.carteira}/{number}-{dv}"
        if config.bank == "341":
            number = f"{sequence:08d}"
            dac = itau.nosso_numero_dac(
                agencia=config.agencia,
                conta=config.conta,
                carteira=config.carteira,
                nosso_numero=number,
            )
            free = itau.campo_livre(
                carteira=config.carteira,
                nosso_numero=number,
                agencia=config.agencia,
                conta=config.conta,
            )
            return free, number, f"{config.carteira}/{number}-{dac}"
        number = banco_do_brasil.nosso_numero(config.convenio, sequence)
        free = banco_do_brasil.campo_livre(
            convenio=config.convenio, sequencial=sequence, carteira=config.carteira
        )
        return free, number, number

    # ------------------------------------------------------------------ charges

    def issue(self, request: ChargeRequest) -> IssuedCharge:
        try:
            return self._issue(request)
        except (CnabError, BoletoError) as error:
            raise ProviderRefused(NAME, f"the title cannot be registered: {error}") from None

    def _issue(self, request: ChargeRequest) -> IssuedCharge:
        sequence = self.allocate(request.key)
        free, registered, printed = self._numbers(sequence)
        boleto = build_boleto(
            self.config.bank, due_date=request.due_date, amount=request.amount, campo_livre=free
        )
        title = self._title(request, registered)
        layout = Layout.CNAB240 if self.config.layout == "240" else Layout.CNAB400
        remessa = write_remessa(
            self.beneficiario,
            [title],
            layout=layout,
            generated_on=request.issue_date,
            file_sequence=sequence % 10_000_000,
        )
        key = (
            f"remessa/{self.tenant.tenant_id}/{request.issue_date.isoformat()}/"
            f"{self.config.bank}-{registered}.rem"
        )
        write_object(key, remessa, "text/plain")
        return IssuedCharge(
            provider=NAME,
            provider_id=registered,
            method=ChargeMethod.BOLETO,
            amount=money(request.amount),
            due_date=request.due_date,
            linha_digitavel=barcode_to_linha(boleto.barcode),
            barcode=boleto.barcode,
            nosso_numero=printed,
            refs=(cnab_ref(registered),),
            raw={
                "bank": self.config.bank,
                "layout": self.config.layout,
                "sequence": sequence,
                "remessa_key": key,
            },
            printed={
                "agencia_codigo": f"{self.config.agencia}/{self.config.conta}"
                + (f"-{self.config.conta_dv}" if self.config.conta_dv else ""),
                "carteira": self.config.carteira,
            },
        )

    def _title(self, request: ChargeRequest, registered: str) -> RemessaTitle:
        customer = request.customer
        address = customer.address
        multa = request.fine_percent
        if (self.config.bank, self.config.layout) not in MULTA_IN_REMESSA:
            multa = ZERO
        # CNAB carries juros as reais a day: the monthly rate over 30 days, on the principal.
        juros_per_day = round_money(request.amount * request.interest_percent_per_month / 3000)
        return RemessaTitle(
            nosso_numero=registered,
            seu_numero=(request.document_number or request.receivable_id)[-10:],
            due_date=request.due_date,
            amount=money(request.amount),
            issue_date=request.issue_date,
            payer=Payer(
                name=customer.name,
                document=customer.document,
                address=" ".join(part for part in (address.street, address.number) if part),
                neighbourhood=address.district,
                city=address.city,
                state=address.state,
                postcode=address.postal_code,
            ),
            multa_percent=multa,
            juros_per_day=juros_per_day,
            uso_empresa=request.key[:25],
        )

    def cancel(self, charge: Mapping[str, Any]) -> None:
        # Maintenance: the remessa writer registers titles only (movimento 01); a pedido de
        # baixa (movimento 02) is not written yet, so a cancelled boleto stays registered at
        # the bank until it expires, and a payment of it arrives as customer credit.
        return None

    def refund(self, charge: Mapping[str, Any], amount: Decimal) -> str:
        raise ProviderRefused(NAME, "boleto payments are not given back through CNAB")

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, channel: str = "default"
    ) -> list[ProviderEvent]:
        raise CallbackRejected(404, "CNAB banks report through retorno files, not callbacks")


def events_of_retorno(retorno: RetornoFile) -> list[ProviderEvent]:
    """Each record of a retorno as a provider event (its id is stable across re-deliveries)."""
    events = []
    for record in retorno.records:
        events.append(event_of_record(retorno.bank, record))
    return events


def event_of_record(bank: str, record: RetornoRecord) -> ProviderEvent:
    """One retorno record in the hub's words."""
    ref = cnab_ref(record.nosso_numero)
    occurred = record.occurred_on or clock.today()
    event_id = f"{bank}:{ref}:{record.occurrence_code}:{occurred.isoformat()}:{record.amount_paid}"
    common: dict[str, Any] = {
        "provider": NAME,
        "event_id": event_id,
        "event_type": f"{record.occurrence.value}:{record.occurrence_code}",
        "charge_ref": ref,
        "method": "boleto",
    }
    if record.occurrence is Occurrence.LIQUIDACAO:
        return _liquidacao(record, occurred, common)
    problem = None
    if record.occurrence is Occurrence.ENTRADA_REJEITADA:
        reasons = ", ".join(
            f"{motivo.code} {motivo.description or ''}".strip() for motivo in record.motivos
        )
        problem = f"the bank rejected the registration ({reasons or 'no reason given'})"
    return ProviderEvent(kind=EventKind.STATUS, problem=problem, **common)


def _liquidacao(record: RetornoRecord, occurred: date, common: dict[str, Any]) -> ProviderEvent:
    paid = money(record.amount_paid)
    fee = money(record.bank_fee)
    expected_credit = paid - fee - money(record.iof) - money(record.other_expenses)
    expected_credit += money(record.other_credits)
    problem = None
    if paid <= 0:
        problem = f"liquidação of {paid} is not a positive amount"
    elif record.amount_credited is not None and money(record.amount_credited) != expected_credit:
        problem = (
            f"credited {record.amount_credited} is not the amount paid {paid} less the fee "
            f"{fee} and other costs ({expected_credit})"
        )
    return ProviderEvent(
        kind=EventKind.PAYMENT,
        payment_ref=f"{common['charge_ref']}:{occurred.isoformat()}:{paid}",
        amount=paid,
        paid_on=occurred,
        credited_on=record.credited_on,
        bank_fee=fee,
        credited=paid - fee,
        fees_paid=money(record.fees_paid),
        discount=money(record.discount) + money(record.abatimento),
        problem=problem,
        **common,
    )
