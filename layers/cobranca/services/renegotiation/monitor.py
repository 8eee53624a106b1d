"""The daily watch over agreements in force and promises to pay.

For each tenant, every active agreement (one GSI1 query) is checked against its parcelas:

- all settled: the agreement is **completed** and the customer's case freed;
- a parcela late beyond ``break_tolerance_days``: the agreement **breaks**. Its open parcelas
  are cancelled (their charges' cancellation requested), the originals come back with what was
  paid on the agreement credited to them, oldest first (their charges reissued), the ERP is
  told, and, when the tenant wants it, a new renegotiation starts.

Promises whose date (plus the grace) has passed are settled as kept or broken, which the
worklist and the debtor's payment likelihood read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Put, Update, table
from cobranca.adapters.storage.tenants import list_tenants
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.money import ZERO, money
from cobranca.domain.receivables import (
    RENEGOTIATED,
    StatusEvent,
    apply_credit,
    apply_status_event,
    reopen_cancelled,
)
from cobranca.domain.renegotiation import (
    AgreementParcela,
    OpenItem,
    breach,
    completed,
    promise_outcome,
    restore_originals,
)
from cobranca.platform import clock
from cobranca.platform.observability import logger, metrics
from cobranca.services.outbox import request_charges, request_writebacks
from cobranca.services.renegotiation import store
from cobranca.services.renegotiation.store import Agreement, Rejected, TenantContext
from cobranca.services.renegotiation.tasks import agreement_payload

ACTOR = "agreement_monitor"


@dataclass
class MonitorReport:
    """What one run did, per kind of outcome."""

    tenants: int = 0
    agreements_checked: int = 0
    broken: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    promises_kept: int = 0
    promises_broken: int = 0
    conflicts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run(today: date | None = None) -> MonitorReport:
    """Check every enabled tenant (the daily schedule)."""
    report = MonitorReport()
    for tenant in list_tenants():
        if tenant.enabled:
            check_tenant(tenant.tenant_id, today=today, report=report)
    return report


def check_tenant(
    tenant_id: str, *, today: date | None = None, report: MonitorReport | None = None
) -> MonitorReport:
    """Check one tenant's active agreements and due promises."""
    report = report or MonitorReport()
    report.tenants += 1
    today = today or clock.today()
    context = store.load_context(tenant_id)
    for item in store.collection(tenant_id, store.AGREEMENTS, "active"):
        report.agreements_checked += 1
        agreement = store.Agreement.from_item(item)
        try:
            _check_agreement(context, agreement, today, report)
        except Rejected:
            # Another writer moved a receivable meanwhile; tomorrow's run sees the new state.
            report.conflicts += 1
            logger.warning(
                "agreement check conflicted",
                extra={"tenant": tenant_id, "agreement": agreement.agreement_id},
            )
    _settle_promises(context, today, report)
    return report


def _parcelas(records: dict[str, ReceivableRecord]) -> list[AgreementParcela]:
    return [
        AgreementParcela(
            receivable_id=record.receivable_id,
            due_date=record.receivable.due_date,
            balance=record.balance,
            settled=record.ledger.settled,
            is_open=record.is_open,
        )
        for record in records.values()
    ]


def _check_agreement(
    context: TenantContext, agreement: Agreement, today: date, report: MonitorReport
) -> None:
    installments = store.receivables(context.tenant_id, agreement.installment_ids)
    parcelas = _parcelas(installments)
    if completed(parcelas) and len(parcelas) == len(agreement.installment_ids):
        _complete(context, agreement)
        report.completed.append(agreement.agreement_id)
        return
    late = breach(parcelas, today, context.policy.break_tolerance_days, context.calendar)
    if late is None:
        return
    break_agreement(context, agreement, installments, reason=late.receivable_id)
    report.broken.append(agreement.agreement_id)
    if context.policy.reoffer_after_break:
        from cobranca.services.renegotiation import starter

        started = starter.start(
            context.tenant_id,
            agreement.customer_id,
            receivable_ids=agreement.original_ids,
            origin="broken_agreement",
            key=agreement.agreement_id,
        )
        report.restarted.append(started.name)


def _case_without_agreement(
    context: TenantContext, agreement: Agreement, *, broken: bool
) -> Update:
    expression = "REMOVE agreement_id SET updated_at = :at"
    if broken:
        expression += " ADD agreements_broken :one"
    return Update(
        store.case_key(context.tenant_id, agreement.customer_id),
        expression,
        condition="agreement_id = :agreement",
        values={":agreement": agreement.agreement_id, ":at": clock.now()}
        | ({":one": 1} if broken else {}),
    )


def _complete(context: TenantContext, agreement: Agreement) -> None:
    now = clock.now()
    unit = UnitOfWork(context.tenant_id)
    unit.add(
        [
            Update(
                agreement.key,
                "SET #status = :done, gsi1sk = :sort, completed_at = :at",
                condition="#status = :active",
                names={"#status": "status"},
                values={
                    ":done": "completed",
                    ":active": "active",
                    ":sort": agreement.status_sort("completed"),
                    ":at": now,
                },
            ),
            _case_without_agreement(context, agreement, broken=False),
        ],
        [
            Change(
                f"agreement:{agreement.agreement_id}",
                "agreement.completed",
                ACTOR,
                now,
                {"status": "active"},
                {"status": "completed"},
            )
        ],
    )
    store.commit(unit)
    metrics.add_metric(name="AgreementCompleted", unit=MetricUnit.Count, value=1)


def break_agreement(
    context: TenantContext,
    agreement: Agreement,
    installments: dict[str, ReceivableRecord],
    *,
    reason: str,
) -> dict[str, Any]:
    """Undo an agreement the customer stopped paying; the originals return less what was paid."""
    now = clock.now()
    unit = UnitOfWork(context.tenant_id)
    paid = sum((record.ledger.settled for record in installments.values()), ZERO)

    cancelled = []
    for record in installments.values():
        if not record.is_open:
            continue
        closed = apply_status_event(record.ledger, StatusEvent.CANCELLED)
        after = record.evolve(
            ledger=closed.state, flags={**record.flags, "cancel_reason": "agreement broken"}
        )
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    "receivable.cancelled",
                    ACTOR,
                    now,
                    {"status": record.status.value, "balance": record.balance},
                    {"status": after.status.value, "reason": "agreement broken"},
                )
            ],
            receivable_id=record.receivable_id,
        )
        cancelled.append(record.receivable_id)

    originals = store.receivables(context.tenant_id, agreement.original_ids)
    restorable = {
        rid: record
        for rid, record in originals.items()
        if record.status is RENEGOTIATED
        and record.flags.get("renegotiated_into") == agreement.agreement_id
    }
    outcome = restore_originals(
        [
            OpenItem(
                record.receivable_id,
                record.receivable.due_date,
                reopen_cancelled(record.ledger).balance,
            )
            for record in restorable.values()
        ],
        paid,
    )
    restored: list[dict[str, Any]] = []
    last = outcome.restorations[-1].receivable_id if outcome.restorations else None
    for restoration in outcome.restorations:
        record = restorable[restoration.receivable_id]
        ledger = reopen_cancelled(record.ledger)
        credit = restoration.credit + (outcome.surplus if restoration.receivable_id == last else 0)
        if credit > 0:
            ledger = apply_credit(ledger, money(credit))
        flags = {k: v for k, v in record.flags.items() if k != "renegotiated_into"}
        after = record.evolve(
            ledger=ledger, flags=flags | {"broken_agreement": agreement.agreement_id}
        )
        unit.add(
            [Put(after.to_item(now), condition="version = :v", values={":v": record.version})],
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    "receivable.restored",
                    ACTOR,
                    now,
                    {"status": record.status.value},
                    {
                        "status": after.status.value,
                        "balance": after.balance,
                        "credit": money(credit),
                        "agreement_id": agreement.agreement_id,
                    },
                )
            ],
            receivable_id=record.receivable_id,
        )
        restored.append(
            {
                "receivable_id": record.receivable_id,
                "erp_id": record.receivable.erp_id,
                "installment": record.receivable.installment,
                "credit": str(money(credit)),
                "balance": str(after.balance),
                "status": after.status.value,
            }
        )

    unit.add(
        [
            Update(
                agreement.key,
                "SET #status = :broken, gsi1sk = :sort, broken_at = :at, breach = :breach, "
                "paid = :paid",
                condition="#status = :active",
                names={"#status": "status"},
                values={
                    ":broken": "broken",
                    ":active": "active",
                    ":sort": agreement.status_sort("broken"),
                    ":at": now,
                    ":breach": reason,
                    ":paid": paid,
                },
            ),
            _case_without_agreement(context, agreement, broken=True),
        ],
        [
            Change(
                f"agreement:{agreement.agreement_id}",
                "agreement.broken",
                ACTOR,
                now,
                {"status": "active"},
                {
                    "status": "broken",
                    "paid": paid,
                    "restored_debt": outcome.restored_debt,
                    "breach": reason,
                },
            )
        ],
    )
    store.commit(unit)

    if cancelled:
        request_charges(context.tenant_id, cancelled, "cancel", "agreement broken")
    owing = [item["receivable_id"] for item in restored if Decimal(item["balance"]) > 0]
    if owing:
        request_charges(context.tenant_id, owing, "reissue", "agreement broken")
    request_writebacks(
        context.tenant_id,
        [
            (
                agreement.original_ids[0],
                "agreement",
                f"{agreement.agreement_id}:broken",
                agreement_payload(
                    agreement,
                    "broken",
                    paid=str(paid),
                    cancelled_installments=cancelled,
                    restored=restored,
                    customer_credit=str(outcome.surplus),
                ),
            )
        ],
    )
    metrics.add_metric(name="AgreementBroken", unit=MetricUnit.Count, value=1)
    logger.info(
        "agreement broken",
        extra={
            "tenant": context.tenant_id,
            "agreement": agreement.agreement_id,
            "paid": str(paid),
            "cancelled": len(cancelled),
            "restored": len(restored),
        },
    )
    return {"paid": paid, "cancelled": cancelled, "restored": restored}


# ---------------------------------------------------------------------- promises


def overdue_balance(records: list[ReceivableRecord], today: date) -> Decimal:
    """What a customer owes past its due dates, as of ``today``."""
    return sum(
        (
            record.balance
            for record in records
            if record.is_open and record.receivable.due_date < today
        ),
        ZERO,
    )


def _settle_promises(context: TenantContext, today: date, report: MonitorReport) -> None:
    last_due = today - timedelta(days=context.policy.promise_grace_days + 1)
    items = table().query(
        "gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
        {
            ":pk": keys.collection(context.tenant_id, store.PROMISES),
            ":low": "open#",
            ":high": f"open#{last_due.isoformat()}~",
        },
        index="gsi1",
    )
    overdue_by_customer: dict[str, Decimal] = {}
    for item in items:
        customer_id = str(item["customer_id"])
        if customer_id not in overdue_by_customer:
            records = store.customer_receivables(context.tenant_id, customer_id)
            overdue_by_customer[customer_id] = overdue_balance(records, today)
        status = promise_outcome(
            promised_on=date.fromisoformat(str(item["promised_on"])),
            amount=None if item.get("amount") is None else money(item["amount"]),
            overdue_at_promise=money(item["overdue_at_promise"]),
            overdue_now=overdue_by_customer[customer_id],
            today=today,
            grace_days=context.policy.promise_grace_days,
        )
        if status == "open":
            continue
        now = clock.now()
        unit = UnitOfWork(context.tenant_id)
        unit.add(
            [
                Update(
                    {"pk": item["pk"], "sk": item["sk"]},
                    "SET #status = :status, gsi1sk = :sort, settled_at = :at",
                    condition="#status = :open",
                    names={"#status": "status"},
                    values={
                        ":status": status,
                        ":open": "open",
                        ":sort": keys.by_status(
                            status, str(item["promised_on"]), str(item["promise_id"])
                        ),
                        ":at": now,
                    },
                )
            ],
            [
                Change(
                    f"customer:{customer_id}",
                    f"promise.{status}",
                    ACTOR,
                    now,
                    {"status": "open"},
                    {"status": status, "promise_id": item["promise_id"]},
                )
            ],
        )
        try:
            store.commit(unit)
        except Rejected:
            continue
        if status == "kept":
            report.promises_kept += 1
        else:
            report.promises_broken += 1
            metrics.add_metric(name="PromiseBroken", unit=MetricUnit.Count, value=1)
