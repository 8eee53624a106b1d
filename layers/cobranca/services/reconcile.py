"""Consistency audit: the ERP's open receivables against the hub's, divergence by divergence.

The ERP side is every receivable its connector lists as open (mapped with the tenant's mapping,
kept when its open balance is above zero). The hub side is every receivable the hub holds as open
(the sparse open-by-month index, GSI1, over a window of months around today) plus the hub's
record of each ERP-open receivable (one BatchGetItem per hundred), so a receivable the hub holds
as paid or cancelled is compared too. Divergence kinds:

- ``missing_in_hub``: open in the ERP, unknown to the hub;
- ``missing_in_erp``: open in the hub, not open (or absent) in the ERP;
- ``amount``: the ERP's open balance differs from the hub's balance;
- ``due_date``: the due dates differ;
- ``status``: the ERP says open, the hub says paid, cancelled or renegotiated.

Nothing is changed: the report is for operators (and the nightly run writes it to S3 under
``exports/<tenant>/reconcile/`` and emits ``ErpReconcileDivergences`` per kind).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cobranca.adapters.archive import write_object
from cobranca.adapters.erp.mapping import map_event
from cobranca.adapters.erp.pull import PullConnector, connector_for
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Table, table
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.model.receivables import OPEN_STATUSES, Receivable
from cobranca.platform import clock
from cobranca.platform.observability import logger
from cobranca.services.erp_metrics import count
from cobranca.services.mappings import mapping_for
from cobranca.services.sync import PULL_KINDS, erp_secrets, pulled_tenants

KINDS = ("missing_in_hub", "missing_in_erp", "amount", "due_date", "status")
MONTHS_BACK = 36
MONTHS_AHEAD = 24
MAX_LISTED = 500


@dataclass
class Divergence:
    kind: str
    receivable_id: str
    erp: Any = None
    hub: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "receivable_id": self.receivable_id,
            "erp": self.erp,
            "hub": self.hub,
        }


@dataclass
class ReconcileReport:
    tenant_id: str
    erp_open: int = 0
    hub_open: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    mapping_errors: int = 0
    location: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.kind for item in self.divergences)
        return {kind: counted[kind] for kind in KINDS}

    @property
    def consistent(self) -> bool:
        return not self.divergences

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "consistent": self.consistent,
            "erp_open": self.erp_open,
            "hub_open": self.hub_open,
            "counts": self.counts,
            "total": len(self.divergences),
            "mapping_errors": self.mapping_errors,
            "divergences": [item.as_dict() for item in self.divergences[:MAX_LISTED]],
            "report": self.location,
        }


def _months(today: date) -> list[date]:
    first = date(today.year, today.month, 1)
    months = []
    for offset in range(-MONTHS_BACK, MONTHS_AHEAD + 1):
        index = first.year * 12 + first.month - 1 + offset
        months.append(date(index // 12, index % 12 + 1, 1))
    return months


def hub_open(tenant_id: str, store: Table) -> dict[str, ReceivableRecord]:
    """The hub's open receivables, by the open-by-month index (one Query per month)."""
    found: dict[str, ReceivableRecord] = {}
    for month in _months(clock.today()):
        for item in store.query(
            "gsi1pk = :pk", {":pk": keys.open_by_month(tenant_id, month)}, index="gsi1"
        ):
            if item.get("type") == "receivable":
                record = ReceivableRecord.from_item(item)
                found[record.receivable_id] = record
    return found


def erp_open(
    tenant_id: str, connector: PullConnector, store: Table, page_size: int = 500
) -> tuple[dict[str, Receivable], int]:
    """The ERP's open receivables, mapped; and how many records could not be mapped."""
    tenant = load_tenant(tenant_id, store=store)
    mapping = mapping_for(tenant, store=store).spec
    found: dict[str, Receivable] = {}
    errors = 0
    for batch in connector.open_receivables(page_size):
        for record in batch.records:
            mapped = map_event(mapping, batch.event, record)
            if not mapped.ok:
                errors += 1
                continue
            for receivable in mapped.receivables:
                if receivable.open_balance > 0:
                    found[receivable.receivable_id] = receivable
    return found, errors


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def compare(
    tenant_id: str,
    erp: dict[str, Receivable],
    hub: dict[str, ReceivableRecord],
    store: Table,
) -> list[Divergence]:
    """Every divergence between the two sides (no I/O beyond the hub's records of ERP ids)."""
    divergences: list[Divergence] = []
    missing_locally = [rid for rid in erp if rid not in hub]
    stored = (
        store.batch_get(
            [
                {"pk": keys.receivable(tenant_id, rid), "sk": keys.RECEIVABLE}
                for rid in missing_locally
            ]
        )
        if missing_locally
        else {}
    )
    known = dict(hub)
    for rid in missing_locally:
        item = stored.get((keys.receivable(tenant_id, rid), keys.RECEIVABLE))
        if item is not None:
            known[rid] = ReceivableRecord.from_item(item)

    for rid, receivable in sorted(erp.items()):
        record = known.get(rid)
        if record is None:
            divergences.append(
                Divergence("missing_in_hub", rid, erp={"balance": _money(receivable.open_balance)})
            )
            continue
        if record.status not in OPEN_STATUSES:
            divergences.append(Divergence("status", rid, erp="open", hub=record.status.value))
            continue
        if record.balance != receivable.open_balance:
            divergences.append(
                Divergence(
                    "amount",
                    rid,
                    erp=_money(receivable.open_balance),
                    hub=_money(record.balance),
                )
            )
        if record.receivable.due_date != receivable.due_date:
            divergences.append(
                Divergence(
                    "due_date",
                    rid,
                    erp=receivable.due_date.isoformat(),
                    hub=record.receivable.due_date.isoformat(),
                )
            )
    for rid, record in sorted(hub.items()):
        if rid not in erp:
            divergences.append(
                Divergence("missing_in_erp", rid, hub={"balance": _money(record.balance)})
            )
    return divergences


def reconcile_tenant(
    tenant_id: str,
    *,
    connector: PullConnector | None = None,
    store: Table | None = None,
    write_report: bool = False,
) -> ReconcileReport:
    """Compare one tenant's ERP and hub; see the module docstring."""
    store = store or table()
    tenant = load_tenant(tenant_id, store=store)
    if connector is None:
        if tenant.erp.kind not in PULL_KINDS:
            raise LookupError(f"tenant {tenant_id} has no ERP connector to read from")
        connector = connector_for(tenant, erp_secrets(tenant_id))
    try:
        erp, errors = erp_open(tenant_id, connector, store)
    finally:
        connector.close()
    hub = hub_open(tenant_id, store)
    report = ReconcileReport(tenant_id, len(erp), len(hub), compare(tenant_id, erp, hub, store))
    report.mapping_errors = errors
    if write_report:
        key = f"exports/{tenant_id}/reconcile/{clock.now():%Y-%m-%dT%H%M%S}.json"
        report.location = write_object(
            key,
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2).encode(),
            "application/json",
        )
    _emit(report)
    logger.info(
        "erp reconciliation",
        extra={"tenant": tenant_id, "consistent": report.consistent, **report.counts},
    )
    return report


def _emit(report: ReconcileReport) -> None:
    for kind, how_many in report.counts.items():
        count("ErpReconcileDivergences", how_many, "kind", kind)


def reconcile_all(*, store: Table | None = None) -> list[dict[str, Any]]:
    """The nightly run: every tenant with a pull connector."""
    results = []
    for tenant in pulled_tenants(store=store):
        try:
            results.append(
                reconcile_tenant(tenant.tenant_id, store=store, write_report=True).as_dict()
            )
        except Exception as error:  # one tenant's ERP must not stop the others' audits
            logger.exception("erp reconciliation failed", extra={"tenant": tenant.tenant_id})
            results.append({"tenant": tenant.tenant_id, "failure": type(error).__name__})
    return results
