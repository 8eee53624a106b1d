"""Charges: issue, reissue (segunda via) and cancel a receivable's charge at its provider.

Where things are stored (all in the receivable's partition, pattern 5):

- the receivable item's ``charge`` map is the current charge: provider, generation, key,
  status (``issuing`` → ``issued`` → ``paid``, or ``cancelled`` / ``failed``), amount, due date
  and what the payer needs (linha digitável, Pix copia-e-cola, links);
- ``CHARGE#<generation>`` items keep every generation's history and the provider's raw answer;
- ``CHARGEREF#<provider>#<id>`` items (pattern 8) lead a callback that lacks the hub's
  reference back to the receivable.

Exactly one charge per generation, whatever fails:

1. the intent is written first (``issuing``, with the generation's idempotency key derived
   from tenant, receivable and generation);
2. the provider is asked to find-or-create with that key (see ``adapters.gateways``);
3. its answer is stored in the generation's history item before anything else can fail;
4. the receivable's ``charge`` map, the lookup items and the audit entry are committed.

A retry resumes at the first step not done: a stored answer is reused without calling the
provider, and a crash between the provider's answer and step 3 is covered by the provider's
own lookup by key. A reissue cancels the current charge at the provider before the next
generation is issued with the receivable's current balance, due date and late charge rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from cobranca.adapters.gateways import (
    ChargeMethod,
    ChargeRequest,
    IssuedCharge,
    Provider,
    ProviderRefused,
    ProviderUnavailable,
    charge_key,
    charge_reference,
    provider_for,
)
from cobranca.adapters.secrets import tenant_secrets
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import CustomerRecord, ReceivableRecord
from cobranca.adapters.storage.table import Put, Table, Update, table
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.late_charges import (
    CONSUMER_FINE_CAP,
    Juros,
    LateChargeError,
    LateChargeRules,
    Multa,
    quote,
)
from cobranca.domain.money import ZERO, money
from cobranca.model.customers import Customer
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger, metrics
from cobranca.services import links
from cobranca.services.confirmations import park

ACTOR = "charge_issuer"
MAX_ROUNDS = 5
PAY_LINK_TTL = timedelta(days=60)
REF_SK = "REF"
Outcome = Literal["issued", "adopted", "unchanged", "skipped", "cancelled", "failed"]
DEFAULT_METHODS = {
    "asaas": ChargeMethod.UNDEFINED,
    "stripe": ChargeMethod.UNDEFINED,
    "pix_api": ChargeMethod.PIX,
    "cnab": ChargeMethod.BOLETO,
}


@dataclass
class ChargeOutcome:
    """What one charge request did."""

    receivable_id: str
    action: str
    outcome: Outcome
    reason: str | None = None
    charge: dict[str, Any] | None = None


@dataclass
class _State:
    record: ReceivableRecord | None
    history: dict[int, dict[str, Any]] = field(default_factory=dict)


def history_sk(generation: int) -> str:
    return f"CHARGE#{generation:04d}"


def charge_terms(tenant: Tenant, customer: Customer) -> tuple[Decimal, Decimal, bool]:
    """(multa %, juros % a month, consumer?) for a tenant's customer, the CDC cap applied."""
    consumer = tenant.consumer_customers and customer.kind == "person"
    fine = Decimal(tenant.late_charges.fine_percent)
    interest = Decimal(tenant.late_charges.interest_percent_per_month)
    if consumer and fine > CONSUMER_FINE_CAP:
        fine = CONSUMER_FINE_CAP
    return fine, interest, consumer


OVERDUE_GRACE_BUSINESS_DAYS = 3


def overdue_terms(
    balance: Decimal, due_date: date, today: date, rules: LateChargeRules, *, consumer: bool
) -> tuple[Decimal, date]:
    """Amount and due date of a charge: as owed, or updated when the receivable is overdue.

    A bank will not register a title that is already due, and a customer should not be
    handed one: an overdue receivable is charged with a new due date a few business days
    ahead, for its balance plus the multa and juros accrued up to that date (the "boleto
    atualizado"). Lateness after the new date is charged by the rules sent with the charge.
    """
    if due_date >= today:
        return money(balance), due_date
    calendar = BusinessCalendar()
    new_due = calendar.add_business_days(today, OVERDUE_GRACE_BUSINESS_DAYS)
    updated = quote(money(balance), due_date, new_due, rules, calendar, consumer=consumer)
    return updated.total, new_due


def rules_of(fine: Decimal, interest: Decimal) -> LateChargeRules:
    """The late charge rules of a charge (percent multa, percent-a-month juros)."""
    return LateChargeRules(
        multa=Multa.percent(fine) if fine > 0 else None,
        juros=Juros.percent_per_month(interest) if interest > 0 else None,
    )


def payment_link(tenant_id: str, receivable_id: str, *, ttl: timedelta = PAY_LINK_TTL) -> str:
    """The customer's signed payment page URL for a receivable."""
    token = links.sign("pay", tenant_id, receivable_id, ttl=ttl)
    return links.url_for("pay", token)


class Charging:
    """Issues and cancels one tenant's charges; construct per batch."""

    def __init__(
        self,
        tenant: Tenant,
        *,
        store: Table | None = None,
        provider: Provider | None = None,
        secrets: dict[str, Any] | None = None,
    ) -> None:
        self.tenant = tenant
        self.store = store or table()
        self._provider = provider
        self._secrets = secrets
        self._providers: dict[str, Provider] = {}

    @classmethod
    def for_tenant(cls, tenant_id: str, *, store: Table | None = None) -> Charging:
        return cls(load_tenant(tenant_id, store), store=store)

    @property
    def provider(self) -> Provider:
        """The tenant's default provider (``Tenant.charge_provider``)."""
        return self.provider_named(self.tenant.charge_provider)

    def provider_named(self, name: str) -> Provider:
        """One of the tenant's providers, built once per batch."""
        if self._provider is not None:
            return self._provider
        if name not in self._providers:
            secrets = (
                self._secrets
                if self._secrets is not None
                else tenant_secrets(self.tenant.tenant_id)
            )
            self._providers[name] = provider_for(self.tenant, secrets, name, store=self.store)
        return self._providers[name]

    def method_of(self, receivable: Any) -> ChargeMethod:
        """How this receivable is to be paid: the ERP's choice, else the tenant's default."""
        default = DEFAULT_METHODS[self.tenant.charge_provider]
        return ChargeMethod(str(receivable.metadata.get("payment_method") or default))

    def provider_for_method(self, method: ChargeMethod) -> Provider:
        """The provider the tenant routes ``method`` to (boleto at the bank, Pix at the PSP...)."""
        name = self.tenant.charge_routes.get(method.value, self.tenant.charge_provider)
        return self.provider_named(name)

    # ------------------------------------------------------------------ entry point

    def handle(self, action: str, receivable_id: str, reason: str = "") -> ChargeOutcome:
        """Run one charge-queue request (``issue``, ``reissue`` or ``cancel``).

        Raises :class:`ProviderUnavailable` when the provider may answer later (the queue
        retries); refusals are recorded as a failed charge and parked for an operator.
        """
        if action == "cancel":
            return self.cancel(receivable_id, reason)
        return self.issue(receivable_id, reissue=action == "reissue")

    def issue(self, receivable_id: str, *, reissue: bool = False) -> ChargeOutcome:
        """Make sure the receivable has a charge matching its current terms."""
        action = "reissue" if reissue else "issue"
        state = self._read(receivable_id)
        record = state.record
        if record is None:
            return ChargeOutcome(receivable_id, action, "skipped", "unknown receivable")
        if not record.is_open:
            return ChargeOutcome(receivable_id, action, "skipped", f"receivable is {record.status}")
        if record.balance <= ZERO:
            return ChargeOutcome(receivable_id, action, "skipped", "nothing left to charge")

        charge = dict(record.charge or {})
        status = charge.get("status")
        if status in ("issued", "paid"):
            if not reissue or not self._terms_changed(record, charge):
                return ChargeOutcome(receivable_id, action, "unchanged", None, charge)
            self._cancel_current(record, charge, "terms changed (segunda via)")
            state = self._read(receivable_id)
            record = state.record
            if record is None:
                return ChargeOutcome(receivable_id, action, "skipped", "unknown receivable")
            charge = dict(record.charge or {})
            status = charge.get("status")

        if status == "issuing":
            generation = int(charge["generation"])
        else:
            generation = int(charge.get("generation") or 0) + 1
        return self._issue_generation(receivable_id, generation, action)

    def cancel(self, receivable_id: str, reason: str = "") -> ChargeOutcome:
        """Cancel the receivable's current charge at the provider (renegotiation, ERP)."""
        state = self._read(receivable_id)
        record = state.record
        if record is None:
            return ChargeOutcome(receivable_id, "cancel", "skipped", "unknown receivable")
        charge = dict(record.charge or {})
        if charge.get("status") not in ("issued", "issuing"):
            return ChargeOutcome(
                receivable_id, "cancel", "unchanged", f"no open charge ({charge.get('status')})"
            )
        self._cancel_current(record, charge, reason or "cancel requested")
        return ChargeOutcome(receivable_id, "cancel", "cancelled", reason or None)

    # ------------------------------------------------------------------ issuing

    def _issue_generation(self, receivable_id: str, generation: int, action: str) -> ChargeOutcome:
        try:
            request, customer_id = self._request(receivable_id, generation)
        except (LookupError, LateChargeError) as error:
            return self._fail(receivable_id, generation, action, str(error))
        if request is None:
            return ChargeOutcome(receivable_id, action, "skipped", customer_id)

        self._write_intent(request)
        stored = self._read_history(receivable_id, generation)
        answer = stored.get("answer") if stored else None
        if answer is not None:
            issued = _issued_from(answer)
        else:
            try:
                issued = self.provider_for_method(request.method).issue(request)
            except ProviderUnavailable:
                metrics.add_metric(name="ChargeProviderUnavailable", unit="Count", value=1)
                raise
            except ProviderRefused as error:
                return self._fail(receivable_id, generation, action, error.reason)
            self._store_answer(request, issued)

        charge = self._commit_issued(request, issued)
        outcome: Outcome = "adopted" if issued.adopted else "issued"
        metrics.add_metric(name="ChargesIssued", unit="Count", value=1)
        logger.info(
            "charge issued",
            extra={
                "tenant": self.tenant.tenant_id,
                "receivable": receivable_id,
                "generation": generation,
                "provider": issued.provider,
                "outcome": outcome,
            },
        )
        return ChargeOutcome(receivable_id, action, outcome, None, charge)

    def _request(self, receivable_id: str, generation: int) -> tuple[ChargeRequest | None, str]:
        record = self._read(receivable_id).record
        if record is None:
            return None, "unknown receivable"
        receivable = record.receivable
        item = self.store.get(
            keys.customer(self.tenant.tenant_id, receivable.customer_id), keys.PROFILE
        )
        if item is None:
            raise LookupError(f"customer {receivable.customer_id} is not known to the hub")
        customer = CustomerRecord.from_item(item).customer
        fine, interest, consumer = charge_terms(self.tenant, customer)
        method = self.method_of(receivable)
        amount, due_date = money(record.balance), receivable.due_date
        if self.provider_for_method(method).requires_future_due_date:
            amount, due_date = overdue_terms(
                record.balance,
                receivable.due_date,
                clock.today(),
                rules_of(fine, interest),
                consumer=consumer,
            )
        request = ChargeRequest(
            tenant_id=self.tenant.tenant_id,
            receivable_id=receivable_id,
            generation=generation,
            amount=amount,
            due_date=due_date,
            issue_date=clock.today(),
            method=method,
            customer=customer,
            rules=rules_of(fine, interest),
            fine_percent=fine,
            interest_percent_per_month=interest,
            description=receivable.description,
            document_number=receivable.number,
            consumer=consumer,
        )
        return request, customer.customer_id

    def _write_intent(self, request: ChargeRequest) -> None:
        """Step 1: the receivable says a charge of this generation is being issued."""
        for _ in range(MAX_ROUNDS):
            record = self._read(request.receivable_id).record
            if record is None:
                return
            current = dict(record.charge or {})
            if current.get("generation") == request.generation and current.get("status") in (
                "issuing",
                "issued",
                "paid",
            ):
                return
            now = clock.now()
            charge = {
                "provider": self.provider_for_method(request.method).name,
                "generation": request.generation,
                "key": request.key,
                "reference": request.reference,
                "status": "issuing",
                "amount": request.amount,
                "due_date": request.due_date,
                # What the charge was issued for, to tell a change of terms from the update
                # of an overdue charge (amount with multa and juros, a new due date).
                "principal": money(record.balance),
                "receivable_due_date": record.receivable.due_date,
                "method": request.method.value,
                "fine_percent": request.fine_percent,
                "interest_percent_per_month": request.interest_percent_per_month,
                "requested_at": now,
            }
            history = {
                "pk": keys.receivable(self.tenant.tenant_id, request.receivable_id),
                "sk": history_sk(request.generation),
                "type": "charge",
                **charge,
            }
            unit = UnitOfWork(self.tenant.tenant_id, self.store)
            unit.add(
                [
                    _put_record(record.evolve(charge=charge), now),
                    Put(history, condition="attribute_not_exists(pk)"),
                ],
                [
                    Change(
                        f"receivable:{request.receivable_id}",
                        "charge.requested",
                        ACTOR,
                        now,
                        _charge_summary(current),
                        _charge_summary(charge),
                    )
                ],
                receivable_id=request.receivable_id,
            )
            if not unit.commit().rejected:
                return
        raise ProviderUnavailable(self.provider.name, "receivable kept changing; retry later")

    def _store_answer(self, request: ChargeRequest, issued: IssuedCharge) -> None:
        """Step 3: keep the provider's answer before anything else can fail."""
        self.store.update(
            Update(
                {
                    "pk": keys.receivable(self.tenant.tenant_id, request.receivable_id),
                    "sk": history_sk(request.generation),
                },
                "SET answer = :answer, #status = :status, answered_at = :at",
                names={"#status": "status"},
                values={":answer": _answer_of(issued), ":status": "issued", ":at": clock.now()},
            )
        )

    def _commit_issued(self, request: ChargeRequest, issued: IssuedCharge) -> dict[str, Any]:
        """Step 4: the receivable's charge map, the lookup items and the audit entry."""
        tenant_id = self.tenant.tenant_id
        for _ in range(MAX_ROUNDS):
            record = self._read(request.receivable_id).record
            if record is None:
                return {}
            current = dict(record.charge or {})
            if current.get("generation") not in (None, request.generation):
                # A later generation took over meanwhile: this one stays in its history only.
                return current
            now = clock.now()
            charge = {
                **current,
                "provider": issued.provider,
                "generation": request.generation,
                "key": request.key,
                "reference": request.reference,
                "provider_id": issued.provider_id,
                "method": issued.method.value,
                "amount": issued.amount,
                "due_date": issued.due_date,
                "status": "paid" if current.get("status") == "paid" else "issued",
                "issued_at": current.get("issued_at") or now,
                **issued.display(),
            }
            if current == charge:
                return charge
            refs = [
                Put(
                    {
                        "pk": keys.charge_ref(tenant_id, issued.provider, ref),
                        "sk": REF_SK,
                        "type": "charge_ref",
                        "tenant_id": tenant_id,
                        "receivable_id": request.receivable_id,
                        "generation": request.generation,
                        "reference": request.reference,
                    }
                )
                for ref in issued.refs
            ]
            unit = UnitOfWork(tenant_id, self.store)
            unit.add(
                [_put_record(record.evolve(charge=charge), now), *refs],
                [
                    Change(
                        f"receivable:{request.receivable_id}",
                        "charge.issued",
                        ACTOR,
                        now,
                        _charge_summary(current),
                        _charge_summary(charge),
                    )
                ],
                receivable_id=request.receivable_id,
            )
            if not unit.commit().rejected:
                return charge
        raise ProviderUnavailable(self.provider.name, "receivable kept changing; retry later")

    # ------------------------------------------------------------------ cancelling

    def _cancel_current(
        self, record: ReceivableRecord, charge: dict[str, Any], reason: str
    ) -> None:
        if charge.get("provider_id"):
            try:
                self.provider_named(str(charge.get("provider") or self.provider.name)).cancel(
                    charge
                )
            except ProviderRefused as error:
                logger.warning(
                    "charge cancel refused",
                    extra={
                        "tenant": self.tenant.tenant_id,
                        "receivable": record.receivable_id,
                        "why": error.reason,
                    },
                )
        self._set_status(
            record.receivable_id, int(charge.get("generation") or 0), "cancelled", reason
        )

    def _set_status(
        self, receivable_id: str, generation: int, status: str, reason: str
    ) -> dict[str, Any]:
        for _ in range(MAX_ROUNDS):
            record = self._read(receivable_id).record
            if record is None:
                return {}
            current = dict(record.charge or {})
            now = clock.now()
            charge = {**current, "status": status, "status_reason": reason, f"{status}_at": now}
            if not current:
                charge = {"generation": generation, "status": status, "status_reason": reason}
            writes: list[Any] = [_put_record(record.evolve(charge=charge), now)]
            if generation:
                writes.append(
                    Update(
                        {
                            "pk": keys.receivable(self.tenant.tenant_id, receivable_id),
                            "sk": history_sk(generation),
                        },
                        "SET #status = :status, status_reason = :reason, updated_at = :at",
                        names={"#status": "status"},
                        values={":status": status, ":reason": reason, ":at": now},
                    )
                )
            unit = UnitOfWork(self.tenant.tenant_id, self.store)
            unit.add(
                writes,
                [
                    Change(
                        f"receivable:{receivable_id}",
                        f"charge.{status}",
                        ACTOR,
                        now,
                        _charge_summary(current),
                        _charge_summary(charge) | {"reason": reason},
                    )
                ],
                receivable_id=receivable_id,
            )
            if not unit.commit().rejected:
                return charge
        raise ProviderUnavailable(self.provider.name, "receivable kept changing; retry later")

    def _fail(self, receivable_id: str, generation: int, action: str, reason: str) -> ChargeOutcome:
        charge = self._set_status(receivable_id, generation, "failed", reason)
        park(
            self.tenant.tenant_id,
            kind="charge",
            ref=f"{receivable_id}#{generation}",
            reason=f"charge could not be issued: {reason}",
            detail={"receivable_id": receivable_id, "generation": generation, "action": action},
            store=self.store,
        )
        metrics.add_metric(name="ChargesFailed", unit="Count", value=1)
        logger.warning(
            "charge failed",
            extra={"tenant": self.tenant.tenant_id, "receivable": receivable_id, "why": reason},
        )
        return ChargeOutcome(receivable_id, action, "failed", reason, charge)

    # ------------------------------------------------------------------ reading

    def _read(self, receivable_id: str) -> _State:
        item = self.store.get(
            keys.receivable(self.tenant.tenant_id, receivable_id), keys.RECEIVABLE
        )
        return _State(ReceivableRecord.from_item(item) if item else None)

    def _read_history(self, receivable_id: str, generation: int) -> dict[str, Any] | None:
        return self.store.get(
            keys.receivable(self.tenant.tenant_id, receivable_id), history_sk(generation)
        )

    def _terms_changed(self, record: ReceivableRecord, charge: dict[str, Any]) -> bool:
        amount = money(charge.get("principal") or charge.get("amount") or ZERO)
        due = str(charge.get("receivable_due_date") or charge.get("due_date") or "")
        return amount != money(record.balance) or due != record.receivable.due_date.isoformat()


def _put_record(record: ReceivableRecord, now: datetime) -> Put:
    return Put(record.to_item(now), condition="version = :v", values={":v": record.version})


def _charge_summary(charge: dict[str, Any]) -> dict[str, Any]:
    wanted = ("provider", "generation", "status", "provider_id", "amount", "due_date")
    return {name: charge.get(name) for name in wanted if charge.get(name) is not None}


def _answer_of(issued: IssuedCharge) -> dict[str, Any]:
    return {
        "provider": issued.provider,
        "provider_id": issued.provider_id,
        "method": issued.method.value,
        "amount": issued.amount,
        "due_date": issued.due_date,
        "status": issued.status,
        "display": issued.display(),
        "refs": list(issued.refs),
        "adopted": issued.adopted,
        "raw": _plain(issued.raw),
    }


def _issued_from(answer: dict[str, Any]) -> IssuedCharge:
    from datetime import date

    display = dict(answer.get("display") or {})
    return IssuedCharge(
        provider=str(answer["provider"]),
        provider_id=str(answer["provider_id"]),
        method=ChargeMethod(str(answer["method"])),
        amount=money(answer["amount"]),
        due_date=date.fromisoformat(str(answer["due_date"])),
        status=str(answer.get("status") or "issued"),
        linha_digitavel=display.get("linha_digitavel"),
        barcode=display.get("barcode"),
        nosso_numero=display.get("nosso_numero"),
        pix_copia_e_cola=display.get("pix_copia_e_cola"),
        txid=display.get("txid"),
        payment_url=display.get("payment_url"),
        boleto_url=display.get("boleto_url"),
        printed={
            name: str(display[name]) for name in ("agencia_codigo", "carteira") if name in display
        },
        refs=tuple(str(ref) for ref in answer.get("refs") or ()),
        adopted=True,
        raw=dict(answer.get("raw") or {}),
    )


def _plain(value: Any) -> Any:
    """A provider's JSON made storable (floats never appear: bodies are read as Decimal)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items() if item not in (None, "")}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


__all__ = [
    "ChargeOutcome",
    "Charging",
    "charge_key",
    "charge_reference",
    "charge_terms",
    "payment_link",
    "rules_of",
]


class ChargeMessageError(ValueError):
    """A charge-queue message that breaks the contract in ``services.outbox``."""


def handle_message(message: Any, *, store: Table | None = None) -> ChargeOutcome:
    """Run one charge-queue message (see ``services.outbox`` for the contract)."""
    if not isinstance(message, dict):
        raise ChargeMessageError("a charge message is a JSON object")
    action = message.get("action")
    if action not in ("issue", "reissue", "cancel"):
        raise ChargeMessageError(f"action {action!r} is not issue, reissue or cancel")
    tenant_id, receivable_id = message.get("tenant_id"), message.get("receivable_id")
    if not isinstance(tenant_id, str) or not isinstance(receivable_id, str):
        raise ChargeMessageError("tenant_id and receivable_id are required strings")
    charging = Charging.for_tenant(tenant_id, store=store)
    return charging.handle(str(action), receivable_id, str(message.get("reason") or ""))


# ---------------------------------------------------------------------- what the payer sees


@dataclass(frozen=True)
class PaymentView:
    """Everything the payment page shows about one receivable, as of today."""

    tenant: Tenant
    record: ReceivableRecord
    customer: Customer | None
    today: Any
    principal: Decimal
    fine: Decimal
    interest: Decimal
    discount: Decimal
    total: Decimal
    days_late: int

    @property
    def charge(self) -> dict[str, Any]:
        return dict(self.record.charge or {})

    @property
    def payable(self) -> bool:
        return self.record.is_open and self.charge.get("status") in ("issued", "issuing")


def payment_view(tenant_id: str, receivable_id: str, *, store: Table | None = None) -> PaymentView:
    """The receivable's amount updated with multa and juros as of today, and its charge.

    Raises LookupError when the tenant or the receivable is unknown.
    """
    from datetime import date

    from cobranca.domain.calendar import BusinessCalendar
    from cobranca.domain.late_charges import quote

    store = store or table()
    tenant = load_tenant(tenant_id, store)
    item = store.get(keys.receivable(tenant_id, receivable_id), keys.RECEIVABLE, consistent=False)
    if item is None:
        raise LookupError(f"unknown receivable {receivable_id}")
    record = ReceivableRecord.from_item(item)
    profile = store.get(
        keys.customer(tenant_id, record.receivable.customer_id), keys.PROFILE, consistent=False
    )
    customer = CustomerRecord.from_item(profile).customer if profile else None
    today = clock.today()
    principal = money(record.balance)
    if principal <= 0:
        return PaymentView(tenant, record, customer, today, principal, ZERO, ZERO, ZERO, ZERO, 0)

    charge = record.charge or {}
    fine = Decimal(str(charge.get("fine_percent") or tenant.late_charges.fine_percent))
    interest = Decimal(
        str(
            charge.get("interest_percent_per_month")
            or tenant.late_charges.interest_percent_per_month
        )
    )
    consumer = tenant.consumer_customers and (customer is None or customer.kind == "person")
    holidays = frozenset(date.fromisoformat(day) for day in tenant.municipal_holidays)
    quoted = quote(
        principal,
        record.receivable.due_date,
        today,
        rules_of(fine, interest),
        BusinessCalendar.with_extra_holidays(holidays),
        consumer=consumer,
    )
    return PaymentView(
        tenant,
        record,
        customer,
        today,
        principal,
        quoted.fine,
        quoted.interest,
        quoted.discount,
        quoted.total,
        quoted.days_late,
    )
