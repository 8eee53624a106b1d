"""The renegotiation state machine's tasks, one function per state.

Step Functions retries a task after a timeout or a transient error, so every task is
idempotent: ids are derived from the execution (offer) or the offer (agreement), writes are
conditional, and a task that finds its work done returns the same answer. Tasks read the state
of the world from the table rather than trusting the execution's input, so a retry or the
compensation sees what really landed.

Messages queued for other functions (charges, ERP write-backs) are re-queued on a retry: the
charge issuer and the ERP connectors honour them idempotently, and re-queueing is what makes
a crash between a commit and a send harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from cobranca.adapters.channels import TransientFailure
from cobranca.adapters.queues import QueueError
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Put, TransactionConflict, Update, table
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.calendar import local_date
from cobranca.domain.money import money
from cobranca.domain.receivables import (
    CANCELLED,
    RENEGOTIATED,
    StatusEvent,
    apply_status_event,
    open_receivable,
    reopen_cancelled,
)
from cobranca.domain.renegotiation import check_eligibility as decide_eligibility
from cobranca.domain.renegotiation import offer_plans, quote_debt
from cobranca.model.receivables import Receivable
from cobranca.platform import clock
from cobranca.platform.observability import logger, metrics
from cobranca.services import links
from cobranca.services.outbox import request_charges, request_writebacks
from cobranca.services.renegotiation import messages, store
from cobranca.services.renegotiation.errors import (
    CaseBusy,
    NoContactChannel,
    NothingToOffer,
    OfferNotAccepted,
    OfferStale,
    TransientError,
)
from cobranca.services.renegotiation.faults import checkpoint
from cobranca.services.renegotiation.store import (
    Agreement,
    Offer,
    Rejected,
    TenantContext,
    agreement_id_for,
    case_key,
    load_context,
    offer_id_for,
)

ACTOR = "renegotiation"
DEFAULT_DECISION_SECONDS = 72 * 3600
DECLINED = "OfferDeclined"
TIMEOUTS = frozenset({"States.Timeout", "States.HeartbeatTimeout"})
TRANSIENT_CODES = frozenset(
    {
        "InternalFailure",
        "InternalServerError",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "Throttling",
        "ThrottlingException",
        "TransactionInProgressException",
    }
)


# ---------------------------------------------------------------------- the execution's case


@dataclass(frozen=True)
class Case:
    """The execution's state as the tasks read it (see the ASL for its shape)."""

    tenant_id: str
    customer_id: str
    execution: str
    started: str
    attempt: int
    origin: str
    receivable_ids: tuple[str, ...]
    decision_seconds: int
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Case:
        state = dict(event.get("case") or {})
        timeouts = state.get("timeouts") or {}
        return cls(
            tenant_id=str(state["tenant"]),
            customer_id=str(state["customer_id"]),
            execution=str(event.get("execution") or state.get("execution") or "direct"),
            started=str(event.get("started") or ""),
            attempt=int(state.get("attempt") or 1),
            origin=str(state.get("origin") or "schedule"),
            receivable_ids=tuple(state.get("receivable_ids") or ()),
            decision_seconds=int(timeouts.get("decision_seconds") or DEFAULT_DECISION_SECONDS),
            state=state,
        )

    @property
    def offer_id(self) -> str:
        offer = self.state.get("offer") or {}
        return str(offer.get("offer_id") or offer_id_for(self.execution, self.attempt))

    @property
    def eligible_ids(self) -> tuple[str, ...]:
        eligibility = self.state.get("eligibility") or {}
        return tuple(eligibility.get("receivable_ids") or self.receivable_ids)

    @property
    def failure(self) -> dict[str, Any]:
        return dict(self.state.get("failure") or {})


def _summary(record: ReceivableRecord) -> dict[str, Any]:
    return {
        "status": record.status.value,
        "balance": record.balance,
        "due_date": record.receivable.due_date,
    }


def _metric(name: str) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def _consumer(context: TenantContext, customer_id: str) -> bool:
    customer = store.customer(context.tenant_id, customer_id)
    if customer is None:
        return context.tenant.consumer_customers
    return context.tenant.consumer_customers and customer.customer.kind == "person"


def _case_release(case: Case, *, agreement_id: str | None = None) -> Update | None:
    """Free the customer for another flow, if this execution holds it.

    With ``agreement_id`` the agreement is dropped from the case as well (a rollback). The
    update is conditional on what was read, so a concurrent change is retried, never lost.
    """
    held = store.case_state(case.tenant_id, case.customer_id)
    removals = []
    values: dict[str, Any] = {":at": clock.now()}
    conditions = []
    if held.active_case == case.execution:
        removals += ["active_case", "offer_id"]
        conditions.append("active_case = :case")
        values[":case"] = case.execution
    if agreement_id is not None and held.agreement_id == agreement_id:
        removals.append("agreement_id")
        conditions.append("agreement_id = :agreement")
        values[":agreement"] = agreement_id
    if not removals:
        return None
    return Update(
        case_key(case.tenant_id, case.customer_id),
        f"REMOVE {', '.join(removals)} SET updated_at = :at",
        " AND ".join(conditions),
        values=values,
    )


def _present(*writes: Put | Update | None) -> list[Put | Update]:
    return [write for write in writes if write is not None]


def _park(case: Case, reason: str, details: dict[str, Any]) -> Put:
    """An item for the operator's queue (access pattern 11), one per case, attempt and reason."""
    item_id = store.new_id("RN", case.execution, str(case.attempt), reason)
    return Put(
        {
            "pk": keys.parked(case.tenant_id),
            "sk": f"{case.started or clock.now().isoformat()}#{item_id}",
            "type": "parked",
            "kind": "renegotiation",
            "parked_id": item_id,
            "status": "open",
            "reason": reason,
            "customer_id": case.customer_id,
            "case": case.execution,
            "created_at": clock.now(),
            **details,
        }
    )


# ---------------------------------------------------------------------- CheckEligibility


def check_eligibility(event: dict[str, Any]) -> dict[str, Any]:
    """Which of the customer's receivables are late enough, and whether they earn an offer."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "check_eligibility", "before")

    records = [
        record
        for record in store.customer_receivables(case.tenant_id, case.customer_id)
        if not record.flags.get("agreement_id")
        and (not case.receivable_ids or record.receivable_id in case.receivable_ids)
    ]
    held = store.case_state(case.tenant_id, case.customer_id)
    debt = quote_debt(
        store.open_items(records),
        clock.today(),
        context.late_charge_rules,
        context.calendar,
        consumer=_consumer(context, case.customer_id),
    )
    result = decide_eligibility(
        debt,
        context.policy,
        agreement_in_force=held.agreement_id is not None,
        offer_pending=held.active_case not in (None, case.execution),
    )

    checkpoint(context, "check_eligibility", "after")
    logger.info(
        "eligibility checked",
        extra={"tenant": case.tenant_id, "case": case.execution, "reason": result.reason},
    )
    return {
        "eligible": result.eligible,
        "reason": result.reason,
        "receivable_ids": result.debt.receivable_ids,
        "total": str(result.debt.total),
        "days_late": result.debt.days_late,
    }


# ---------------------------------------------------------------------- BuildOffer


def _offer_answer(offer: Offer) -> dict[str, Any]:
    return {
        "offer_id": offer.offer_id,
        "attempt": offer.attempt,
        "plans": len(offer.plans),
        "total": str(offer.debt.total),
    }


def build_offer(event: dict[str, Any]) -> dict[str, Any]:
    """Quote the debt as of today and store the offer's plans; hold the customer's case."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "build_offer", "before")

    offer_id = offer_id_for(case.execution, case.attempt)
    existing = store.load_offer(case.tenant_id, offer_id)
    if existing is not None:
        return _offer_answer(existing)

    records = store.receivables(case.tenant_id, case.eligible_ids)
    today = clock.today()
    debt = quote_debt(
        store.open_items(records.values()),
        today,
        context.late_charge_rules,
        context.calendar,
        consumer=_consumer(context, case.customer_id),
    )
    if not debt.items:
        raise NothingToOffer("none of the receivables is still open")
    plans = offer_plans(debt, context.policy, today, context.calendar, attempt=case.attempt)
    if not plans:
        raise NothingToOffer("no plan fits the tenant's rules")

    now = clock.now()
    item = store.offer_item(
        tenant_id=case.tenant_id,
        offer_id=offer_id,
        case=case.execution,
        customer_id=case.customer_id,
        attempt=case.attempt,
        debt=debt,
        plans=[plan.to_dict() for plan in plans],
        at=now,
    )
    unit = UnitOfWork(case.tenant_id)
    unit.add(
        [
            Put(item, condition="attribute_not_exists(pk)"),
            Update(
                case_key(case.tenant_id, case.customer_id),
                "SET active_case = :case, offer_id = :offer, updated_at = :at",
                condition="(attribute_not_exists(active_case) AND "
                "attribute_not_exists(agreement_id)) OR active_case = :case",
                values={":case": case.execution, ":offer": offer_id, ":at": now},
            ),
        ],
        [
            Change(
                f"offer:{offer_id}",
                "offer.created",
                ACTOR,
                now,
                None,
                {
                    "customer_id": case.customer_id,
                    "receivable_ids": debt.receivable_ids,
                    "total": debt.total,
                    "plans": [plan.plan_id for plan in plans],
                    "attempt": case.attempt,
                },
                case.execution,
            )
        ],
    )
    try:
        store.commit(unit)
    except Rejected:
        existing = store.load_offer(case.tenant_id, offer_id)
        if existing is not None:
            return _offer_answer(existing)
        raise CaseBusy(f"customer {case.customer_id} is held by another renegotiation") from None

    checkpoint(context, "build_offer", "after")
    _metric("RenegotiationOfferCreated")
    logger.info(
        "offer created",
        extra={"tenant": case.tenant_id, "offer": offer_id, "plans": len(plans)},
    )
    return {
        "offer_id": offer_id,
        "attempt": case.attempt,
        "plans": len(plans),
        "total": str(debt.total),
    }


# ---------------------------------------------------------------------- SendOfferAndWait


def send_offer(event: dict[str, Any]) -> dict[str, Any]:
    """Park the task token with the offer, then send the signed portal link (once)."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "send_offer", "before")

    offer = store.load_offer(case.tenant_id, case.offer_id)
    if offer is None or offer.status != "pending":
        raise OfferStale(f"offer {case.offer_id} is not pending")
    customer = store.customer(case.tenant_id, case.customer_id)
    if customer is None:
        raise NoContactChannel(f"customer {case.customer_id} is unknown to the hub")

    now = clock.now()
    ttl = timedelta(seconds=case.decision_seconds)
    expires_at = now + ttl
    # The token is stored before the message leaves, so a click that beats it finds the token.
    table().update(
        Update(
            offer.key,
            "SET task_token = :token, token_at = :at, expires_at = :expires",
            condition="#status = :pending",
            names={"#status": "status"},
            values={
                ":token": str(event["task_token"]),
                ":at": now,
                ":expires": expires_at,
                ":pending": "pending",
            },
        )
    )
    if offer.channel is None:
        link = links.url_for("offer", links.sign("offer", case.tenant_id, offer.offer_id, ttl=ttl))
        sent = messages.send_offer(context, customer, offer, link, expires_at)
        unit = UnitOfWork(case.tenant_id)
        unit.add(
            [
                Update(
                    offer.key,
                    "SET channel = :channel, message_id = :message, sent_at = :at",
                    values={":channel": sent.channel, ":message": sent.message_id, ":at": now},
                )
            ],
            [
                Change(
                    f"offer:{offer.offer_id}",
                    "offer.sent",
                    ACTOR,
                    now,
                    None,
                    {"channel": sent.channel, "expires_at": expires_at},
                    case.execution,
                )
            ],
        )
        store.commit(unit)
        _metric("RenegotiationOfferSent")
        logger.info(
            "offer sent",
            extra={"tenant": case.tenant_id, "offer": offer.offer_id, "channel": sent.channel},
        )

    checkpoint(context, "send_offer", "after")
    return {"offer_id": offer.offer_id}


# ---------------------------------------------------------------------- ExpireOffer


def _expire(case: Case, offer: Offer, reason: str) -> bool:
    now = clock.now()
    unit = UnitOfWork(case.tenant_id)
    unit.add(
        [
            Update(
                offer.key,
                "SET #status = :expired, gsi1sk = :sort, decided_at = :at, expired_reason = :why "
                "REMOVE task_token",
                condition="#status = :pending",
                names={"#status": "status"},
                values={
                    ":expired": "expired",
                    ":pending": "pending",
                    ":sort": store.offer_status_sort(offer, "expired"),
                    ":at": now,
                    ":why": reason,
                },
            )
        ],
        [
            Change(
                f"offer:{offer.offer_id}",
                "offer.expired",
                ACTOR,
                now,
                {"status": "pending"},
                {"status": "expired", "reason": reason},
                case.execution,
            )
        ],
    )
    try:
        store.commit(unit)
    except Rejected:
        return False
    _metric("RenegotiationOfferExpired")
    return True


def expire_offer(event: dict[str, Any]) -> dict[str, Any]:
    """Withdraw a pending offer that timed out or could not be sent."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "expire_offer", "before")

    offer = store.load_offer(case.tenant_id, case.offer_id)
    expired = False
    if offer is not None and offer.status == "pending":
        expired = _expire(case, offer, str(case.failure.get("Error") or "timeout"))

    checkpoint(context, "expire_offer", "after")
    return {"expired": expired}


# ---------------------------------------------------------------------- CreateAgreement


def _installment_rows(agreement_id: str, plan: dict[str, Any]) -> list[dict[str, Any]]:
    parcelas = sorted(plan["parcelas"], key=lambda parcela: int(parcela["number"]))
    return [
        {
            "number": position,
            "receivable_id": f"{agreement_id}~{position}",
            "due_date": parcela["due_date"],
            "amount": parcela["amount"],
            "interest": parcela["interest"],
            "principal": parcela["principal"],
            "entrada": int(parcela["number"]) == 0,
        }
        for position, parcela in enumerate(parcelas, start=1)
    ]


def create_agreement(event: dict[str, Any]) -> dict[str, Any]:
    """Record the agreement (acordo) for the accepted plan, after checking nothing moved."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "create_agreement", "before")

    offer = store.load_offer(case.tenant_id, case.offer_id)
    if offer is None or offer.status != "accepted":
        raise OfferNotAccepted(f"offer {case.offer_id} is not accepted")
    agreement_id = agreement_id_for(offer.offer_id)
    if store.load_agreement(case.tenant_id, agreement_id) is not None:
        return {"agreement_id": agreement_id}
    plan = offer.plan(offer.plan_id)
    if plan is None:
        raise OfferNotAccepted(f"offer {offer.offer_id} has no plan {offer.plan_id}")

    records = store.receivables(case.tenant_id, offer.receivable_ids)
    originals = []
    for item in offer.debt.items:
        record = records.get(item.receivable_id)
        if record is None or not record.is_open or record.balance != item.principal:
            raise OfferStale(f"receivable {item.receivable_id} changed since the offer")
        originals.append(
            {
                "receivable_id": record.receivable_id,
                "erp_id": record.receivable.erp_id,
                "installment": record.receivable.installment,
                "number": record.receivable.number,
                "due_date": record.receivable.due_date,
                "balance": record.balance,
            }
        )

    now = clock.now()
    created = now.isoformat()
    agreement_item = {
        "pk": keys.agreement(case.tenant_id, agreement_id),
        "sk": keys.AGREEMENT,
        "type": "agreement",
        "tenant_id": case.tenant_id,
        "agreement_id": agreement_id,
        "offer_id": offer.offer_id,
        "case": case.execution,
        "customer_id": case.customer_id,
        "status": "applying",
        "plan": {key: value for key, value in plan.items() if key != "parcelas"},
        "debt": {key: value for key, value in offer.debt.to_dict().items() if key != "items"},
        "originals": originals,
        "installments": _installment_rows(agreement_id, plan),
        "created_at": now,
        "gsi1pk": keys.collection(case.tenant_id, store.AGREEMENTS),
        "gsi1sk": keys.by_status("applying", created, agreement_id),
    }
    unit = UnitOfWork(case.tenant_id)
    unit.add(
        [
            Put(agreement_item, condition="attribute_not_exists(pk)"),
            Update(
                offer.key,
                "SET agreement_id = :agreement REMOVE task_token",
                condition="#status = :accepted",
                names={"#status": "status"},
                values={":agreement": agreement_id, ":accepted": "accepted"},
            ),
            Update(
                case_key(case.tenant_id, case.customer_id),
                "SET agreement_id = :agreement, updated_at = :at",
                condition="active_case = :case",
                values={":agreement": agreement_id, ":case": case.execution, ":at": now},
            ),
        ],
        [
            Change(
                f"agreement:{agreement_id}",
                "agreement.created",
                ACTOR,
                now,
                None,
                {
                    "offer_id": offer.offer_id,
                    "plan_id": plan["plan_id"],
                    "originals": offer.receivable_ids,
                    "total": plan["total"],
                },
                case.execution,
            )
        ],
    )
    try:
        store.commit(unit)
    except Rejected:
        if store.load_agreement(case.tenant_id, agreement_id) is not None:
            return {"agreement_id": agreement_id}
        raise

    checkpoint(context, "create_agreement", "after")
    logger.info(
        "agreement created",
        extra={"tenant": case.tenant_id, "agreement": agreement_id, "offer": offer.offer_id},
    )
    return {"agreement_id": agreement_id}


def _agreement(case: Case) -> Agreement:
    agreement_id = str(
        (case.state.get("agreement") or {}).get("agreement_id") or agreement_id_for(case.offer_id)
    )
    agreement = store.load_agreement(case.tenant_id, agreement_id)
    if agreement is None:
        raise OfferNotAccepted(f"agreement {agreement_id} does not exist")
    return agreement


# ---------------------------------------------------------------------- CancelOriginalCharges


def cancel_originals(event: dict[str, Any]) -> dict[str, Any]:
    """Mark the original receivables renegotiated and ask for their charges' cancellation."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "cancel_originals", "before")

    agreement = _agreement(case)
    records = store.receivables(case.tenant_id, agreement.original_ids)
    now = clock.now()
    unit = UnitOfWork(case.tenant_id)
    for receivable_id in agreement.original_ids:
        record = records.get(receivable_id)
        if record is None:
            raise OfferStale(f"receivable {receivable_id} disappeared")
        if record.flags.get("renegotiated_into") == agreement.agreement_id:
            continue
        outcome = apply_status_event(record.ledger, StatusEvent.RENEGOTIATED)
        if not outcome.applied:
            raise OfferStale(f"receivable {receivable_id}: {outcome.reason}")
        flags = {**record.flags, "renegotiated_into": agreement.agreement_id}
        flags.pop("restored_from", None)
        after = record.evolve(ledger=outcome.state, flags=flags)
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
            [
                Change(
                    f"receivable:{receivable_id}",
                    "receivable.renegotiated",
                    ACTOR,
                    now,
                    _summary(record),
                    _summary(after) | {"agreement_id": agreement.agreement_id},
                    case.execution,
                )
            ],
            receivable_id=receivable_id,
        )
    store.commit(unit)
    request_charges(
        case.tenant_id,
        agreement.original_ids,
        "cancel",
        f"renegotiated into agreement {agreement.agreement_id}",
    )

    checkpoint(context, "cancel_originals", "after")
    return {"cancelled": agreement.original_ids}


# ---------------------------------------------------------------------- CreateInstallments


def _installment_record(
    case: Case, agreement: Agreement, row: dict[str, Any], issued: date
) -> ReceivableRecord:
    count = len(agreement.installments)
    due = date.fromisoformat(str(row["due_date"]))
    number = int(row["number"])
    receivable = Receivable(
        erp_id=agreement.agreement_id,
        number=f"{agreement.agreement_id}/{number}",
        customer_id=case.customer_id,
        issue_date=min(issued, due),
        due_date=due,
        amount=money(str(row["amount"])),
        installment=number,
        installments=count,
        description=f"Parcela {number}/{count} do acordo {agreement.agreement_id}",
        metadata={
            "agreement_id": agreement.agreement_id,
            "origin": "renegotiation",
            "entrada": bool(row.get("entrada")),
        },
    )
    return ReceivableRecord(
        tenant_id=case.tenant_id,
        receivable=receivable,
        ledger=open_receivable(receivable.amount),
        flags={"agreement_id": agreement.agreement_id, "agreement_installment": number},
    )


def create_installments(event: dict[str, Any]) -> dict[str, Any]:
    """Create one receivable per parcela of the agreement and ask for their charges."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "create_installments", "before")

    agreement = _agreement(case)
    existing = store.receivables(case.tenant_id, agreement.installment_ids)
    now = clock.now()
    issued = local_date(agreement.created_at)
    unit = UnitOfWork(case.tenant_id)
    for row in agreement.installments:
        if row["receivable_id"] in existing:
            continue
        record = _installment_record(case, agreement, row, issued)
        unit.add(
            [Put(record.to_item(now), condition="attribute_not_exists(pk)")],
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    "receivable.created",
                    ACTOR,
                    now,
                    None,
                    _summary(record) | {"agreement_id": agreement.agreement_id},
                    case.execution,
                )
            ],
            receivable_id=record.receivable_id,
        )
    store.commit(unit)
    request_charges(
        case.tenant_id,
        agreement.installment_ids,
        "issue",
        f"parcela of agreement {agreement.agreement_id}",
    )

    checkpoint(context, "create_installments", "after")
    return {"receivable_ids": agreement.installment_ids}


# ---------------------------------------------------------------------- WriteBackToErp


def agreement_payload(agreement: Agreement, event: str, **extra: Any) -> dict[str, Any]:
    """The payload of an ``agreement`` write-back (kind ``agreement``, ref ``<id>:<event>``).

    ``event`` is ``created`` (create the parcelas, settle the originals as renegotiated),
    ``rolled_back`` (undo a ``created`` the hub could not complete) or ``broken`` (cancel the
    open parcelas and reopen the originals with ``restored[].balance``). Every event carries
    the agreement id, the customer, the plan, the debt as quoted, ``originals`` (receivable id,
    ERP id, installment, number, due date, balance) and ``installments`` (number, receivable
    id, due date, amount, its juros and principal, and whether it is the entrada); amounts are
    strings with two places. The ERP should keep each installment's ``receivable_id`` as its
    reference, so a later sync maps the ERP's document back to the same receivable.
    """
    plan = agreement.plan
    return {
        "event": event,
        "agreement_id": agreement.agreement_id,
        "customer_id": agreement.customer_id,
        "offer_id": agreement.offer_id,
        "created_at": agreement.created_at.isoformat(),
        "plan": {
            "plan_id": plan.get("plan_id"),
            "count": plan.get("count"),
            "entrada": plan.get("entrada"),
            "monthly_rate": plan.get("monthly_rate"),
            "fine_discount": plan.get("fine_discount"),
            "interest_discount": plan.get("interest_discount"),
        },
        "debt": agreement.debt,
        "originals": [
            {
                "receivable_id": item["receivable_id"],
                "erp_id": item["erp_id"],
                "installment": int(item["installment"]),
                "number": item.get("number"),
                "due_date": str(item["due_date"]),
                "balance": str(money(str(item["balance"]))),
            }
            for item in agreement.originals
        ],
        "installments": [
            {
                "number": int(item["number"]),
                "receivable_id": item["receivable_id"],
                "due_date": str(item["due_date"]),
                "amount": str(item["amount"]),
                "interest": str(item["interest"]),
                "principal": str(item["principal"]),
                "entrada": bool(item.get("entrada")),
            }
            for item in agreement.installments
        ],
        "total": str(agreement.total),
        **extra,
    }


def write_back(event: dict[str, Any]) -> dict[str, Any]:
    """Tell the ERP about the agreement, then put it in force and free the customer's case."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "write_back", "before")

    agreement = _agreement(case)
    request_writebacks(
        case.tenant_id,
        [
            (
                agreement.original_ids[0],
                "agreement",
                f"{agreement.agreement_id}:created",
                agreement_payload(agreement, "created"),
            )
        ],
    )
    now = clock.now()
    unit = UnitOfWork(case.tenant_id)
    unit.add(
        _present(
            Update(
                agreement.key,
                "SET #status = :active, gsi1sk = :sort, written_back = :yes, activated_at = :at",
                condition="#status IN (:applying, :active)",
                names={"#status": "status"},
                values={
                    ":active": "active",
                    ":applying": "applying",
                    ":sort": agreement.status_sort("active"),
                    ":yes": True,
                    ":at": now,
                },
            ),
            _case_release(case),
        ),
        [
            Change(
                f"agreement:{agreement.agreement_id}",
                "agreement.activated",
                ACTOR,
                now,
                {"status": agreement.status},
                {"status": "active", "installments": agreement.installment_ids},
                case.execution,
            )
        ],
    )
    store.commit(unit)

    checkpoint(context, "write_back", "after")
    if agreement.status == "applying":
        _metric("AgreementCreated")
    return {"agreement_id": agreement.agreement_id}


# ---------------------------------------------------------------------- ConfirmToCustomer


def confirm(event: dict[str, Any]) -> dict[str, Any]:
    """Send the customer the agreement's parcelas (once); a failure never undoes it."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "confirm", "before")

    agreement = _agreement(case)
    if agreement.confirmed_at is not None:
        return {"channel": None}
    customer = store.customer(case.tenant_id, case.customer_id)
    channel = None
    if customer is not None:
        try:
            channel = messages.send_confirmation(context, customer, agreement).channel
        except NoContactChannel:
            logger.warning(
                "agreement confirmation not sent: no channel",
                extra={"tenant": case.tenant_id, "agreement": agreement.agreement_id},
            )
    now = clock.now()
    unit = UnitOfWork(case.tenant_id)
    unit.add(
        [
            Update(
                agreement.key,
                "SET confirmed_at = :at, confirmed_by = :channel",
                values={":at": now, ":channel": channel or "none"},
            )
        ],
        [
            Change(
                f"agreement:{agreement.agreement_id}",
                "agreement.confirmed",
                ACTOR,
                now,
                None,
                {"channel": channel or "none"},
                case.execution,
            )
        ],
    )
    store.commit(unit)

    checkpoint(context, "confirm", "after")
    return {"channel": channel}


# ---------------------------------------------------------------------- Compensate


def compensate(event: dict[str, Any]) -> dict[str, Any]:
    """Undo whatever part of the agreement landed, from what the table says landed.

    Parcelas of the agreement are cancelled (their charges' cancellation requested); originals
    renegotiated into it are reopened (their charges reissued); the agreement is rolled back,
    the ERP told if it had heard of it, the customer's case freed and an operator warned.
    """
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "compensate", "before")

    offer = store.load_offer(case.tenant_id, case.offer_id)
    agreement_id = agreement_id_for(case.offer_id)
    agreement = store.load_agreement(case.tenant_id, agreement_id)
    now = clock.now()
    unit = UnitOfWork(case.tenant_id)
    cancelled: list[str] = []
    restored: list[str] = []
    if agreement is not None:
        for record in store.receivables(case.tenant_id, agreement.installment_ids).values():
            if record.flags.get("agreement_id") != agreement_id:
                continue
            cancelled.append(record.receivable_id)
            if record.status is CANCELLED:
                continue
            outcome = apply_status_event(record.ledger, StatusEvent.CANCELLED)
            after = record.evolve(
                ledger=outcome.state,
                flags={**record.flags, "cancel_reason": "agreement rolled back"},
            )
            unit.add(
                [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
                [
                    Change(
                        f"receivable:{record.receivable_id}",
                        "receivable.cancelled",
                        ACTOR,
                        now,
                        _summary(record),
                        _summary(after) | {"reason": "agreement rolled back"},
                        case.execution,
                    )
                ],
                receivable_id=record.receivable_id,
            )
        for record in store.receivables(case.tenant_id, agreement.original_ids).values():
            if record.flags.get("restored_from") == agreement_id:
                restored.append(record.receivable_id)
                continue
            if (
                record.status is not RENEGOTIATED
                or record.flags.get("renegotiated_into") != agreement_id
            ):
                continue
            flags = {k: v for k, v in record.flags.items() if k != "renegotiated_into"}
            after = record.evolve(
                ledger=reopen_cancelled(record.ledger),
                flags=flags | {"restored_from": agreement_id},
            )
            restored.append(record.receivable_id)
            unit.add(
                [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
                [
                    Change(
                        f"receivable:{record.receivable_id}",
                        "receivable.restored",
                        ACTOR,
                        now,
                        _summary(record),
                        _summary(after) | {"reason": "agreement rolled back"},
                        case.execution,
                    )
                ],
                receivable_id=record.receivable_id,
            )
        if agreement.status != "rolled_back":
            unit.add(
                [
                    Update(
                        agreement.key,
                        "SET #status = :rolled, gsi1sk = :sort, rolled_back_at = :at, "
                        "failure = :failure",
                        names={"#status": "status"},
                        values={
                            ":rolled": "rolled_back",
                            ":sort": agreement.status_sort("rolled_back"),
                            ":at": now,
                            ":failure": str(case.failure.get("Error") or "unknown"),
                        },
                    )
                ],
                [
                    Change(
                        f"agreement:{agreement_id}",
                        "agreement.rolled_back",
                        ACTOR,
                        now,
                        {"status": agreement.status},
                        {"status": "rolled_back", "failure": case.failure.get("Error")},
                        case.execution,
                    )
                ],
            )
    if offer is not None and offer.status == "accepted" and not offer.rolled_back:
        unit.add(
            [Update(offer.key, "SET rolled_back = :yes REMOVE task_token", values={":yes": True})]
        )
    unit.add(
        _present(
            _case_release(case, agreement_id=agreement_id),
            _park(
                case,
                "agreement_rolled_back",
                {
                    "offer_id": case.offer_id,
                    "agreement_id": agreement_id,
                    "failure": str(case.failure.get("Error") or "unknown"),
                    "receivable_ids": list(offer.receivable_ids) if offer else [],
                },
            ),
        )
    )
    store.commit(unit)

    if cancelled:
        request_charges(case.tenant_id, cancelled, "cancel", "agreement rolled back")
    if restored:
        request_charges(case.tenant_id, restored, "reissue", "agreement rolled back")
    if agreement is not None and agreement.written_back:
        request_writebacks(
            case.tenant_id,
            [
                (
                    agreement.original_ids[0],
                    "agreement",
                    f"{agreement_id}:rolled_back",
                    agreement_payload(agreement, "rolled_back"),
                )
            ],
        )

    checkpoint(context, "compensate", "after")
    _metric("AgreementRolledBack")
    logger.warning(
        "agreement rolled back",
        extra={
            "tenant": case.tenant_id,
            "agreement": agreement_id,
            "failure": case.failure.get("Error"),
            "restored": len(restored),
            "cancelled": len(cancelled),
        },
    )
    return {"restored": restored, "cancelled": cancelled}


# ---------------------------------------------------------------------- Escalate


def _outcome(case: Case) -> str:
    error = str(case.failure.get("Error") or "")
    if error == DECLINED:
        return "declined"
    if error in TIMEOUTS:
        return "timeout"
    return "failure"


def _negativacao(case: Case, unit: UnitOfWork, receivable_ids: list[str]) -> list[str]:
    now = clock.now()
    flagged = []
    for record in store.receivables(case.tenant_id, receivable_ids).values():
        if not record.is_open or record.flags.get("negativacao"):
            continue
        after = record.evolve(
            flags={
                **record.flags,
                "negativacao": {"requested_at": now.isoformat(), "case": case.execution},
            }
        )
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    "receivable.negativacao_requested",
                    ACTOR,
                    now,
                    None,
                    {"case": case.execution, "balance": record.balance},
                    case.execution,
                )
            ],
            receivable_id=record.receivable_id,
        )
        flagged.append(record.receivable_id)
    return flagged


def escalate(event: dict[str, Any]) -> dict[str, Any]:
    """After a decline, a timeout or a failure: a second offer, an operator, or negativação."""
    case = Case.from_event(event)
    context = load_context(case.tenant_id)
    checkpoint(context, "escalate", "before")

    outcome = _outcome(case)
    offer = store.load_offer(case.tenant_id, case.offer_id)
    if offer is not None and offer.status == "pending":
        _expire(case, offer, outcome)
    choice = "operator" if outcome == "failure" else context.policy.escalation_for(outcome)
    if choice == "second_offer" and case.attempt >= context.policy.max_offers:
        choice = "operator"
    if choice == "second_offer":
        checkpoint(context, "escalate", "after")
        _metric("RenegotiationSecondOffer")
        return {"next": "second_offer", "attempt": case.attempt + 1}

    now = clock.now()
    receivable_ids = list(offer.receivable_ids) if offer else list(case.eligible_ids)
    unit = UnitOfWork(case.tenant_id)
    flagged: list[str] = []
    if choice == "negativacao":
        flagged = _negativacao(case, unit, receivable_ids)
    unit.add(
        _present(
            _case_release(case),
            _park(
                case,
                f"offer_{outcome}" if choice == "operator" else "negativacao",
                {
                    "offer_id": offer.offer_id if offer else None,
                    "receivable_ids": receivable_ids,
                    "failure": str(case.failure.get("Error") or ""),
                    "flagged": flagged,
                },
            ),
        ),
        [
            Change(
                f"customer:{case.customer_id}",
                "renegotiation.escalated",
                ACTOR,
                now,
                None,
                {"outcome": outcome, "next": choice, "attempt": case.attempt},
                case.execution,
            )
        ],
    )
    store.commit(unit)

    checkpoint(context, "escalate", "after")
    _metric("RenegotiationEscalated")
    logger.info(
        "renegotiation escalated",
        extra={"tenant": case.tenant_id, "case": case.execution, "next": choice},
    )
    return {"next": choice, "attempt": case.attempt}


# ---------------------------------------------------------------------- dispatch

ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "check_eligibility": check_eligibility,
    "build_offer": build_offer,
    "send_offer": send_offer,
    "expire_offer": expire_offer,
    "create_agreement": create_agreement,
    "cancel_originals": cancel_originals,
    "create_installments": create_installments,
    "write_back": write_back,
    "confirm": confirm,
    "compensate": compensate,
    "escalate": escalate,
}


def _is_transient(error: Exception) -> bool:
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(error, TransactionConflict | Rejected | QueueError | TransientFailure):
        return True
    if isinstance(
        error,
        ConnectionClosedError | ConnectTimeoutError | EndpointConnectionError | ReadTimeoutError,
    ):
        return True
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code")) in TRANSIENT_CODES
    return False


def run(event: dict[str, Any]) -> dict[str, Any]:
    """Run the task named by ``event["action"]``; transient faults surface as TransientError."""
    action = str(event.get("action"))
    task = ACTIONS.get(action)
    if task is None:
        raise ValueError(f"unknown renegotiation action {action!r}")
    try:
        return task(event)
    except Exception as error:
        if _is_transient(error):
            raise TransientError(f"{action}: {type(error).__name__}: {error}") from error
        raise
