"""A consistent export of everything a tenant has in the hub, as JSON lines.

Items are read by key and index queries (never a Scan): the tenant's own partition, customers
(GSI2), receivables by due month (GSI3) with their partitions, and the audit log. The audit
chain's head is read before and after: if it moved while exporting, the receivables the new
entries touched are read again, until a pass ends with the head unchanged. The export is then
consistent as of that audit sequence number, which it records. On AWS a whole-table snapshot is
also available: point-in-time recovery is on (template.yaml), and DynamoDB's export to S3 reads
from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Table, table
from cobranca.platform import clock
from cobranca.services import audit
from cobranca.services.reports import FUTURE_MONTHS, _shift_months, months

MAX_PASSES = 5
HISTORY_YEARS = 10


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def _receivable_partitions(tenant_id: str, store: Table) -> Iterator[str]:
    today = clock.today()
    start = _shift_months(today, -12 * HISTORY_YEARS)
    end = _shift_months(today, FUTURE_MONTHS)
    for month in months(start, end):
        for item in store.query(
            "gsi3pk = :pk", {":pk": keys.due_month(tenant_id, month)}, index="gsi3"
        ):
            yield str(item["pk"])


def export_tenant(tenant_id: str, store: Table | None = None) -> tuple[list[str], dict[str, Any]]:
    """JSON lines of every item, and a manifest (counts, audit sequence it is consistent at)."""
    store = store or table()
    items: dict[tuple[str, str], dict[str, Any]] = {}

    start_seq, _ = audit.head(tenant_id, store)
    for item in store.partition(keys.tenant(tenant_id)):
        items[item["pk"], item["sk"]] = item
    for item in store.query("gsi2pk = :pk", {":pk": keys.customers_list(tenant_id)}, index="gsi2"):
        for stored in store.partition(str(item["pk"])):
            items[stored["pk"], stored["sk"]] = stored
    for pk in dict.fromkeys(_receivable_partitions(tenant_id, store)):
        for stored in store.partition(pk):
            items[stored["pk"], stored["sk"]] = stored

    seq = start_seq
    for _ in range(MAX_PASSES):
        end_seq, _ = audit.head(tenant_id, store)
        if end_seq == seq:
            break
        touched = {
            str(entry["entity"]).split(":", 1)[1]
            for entry in audit.entries(tenant_id, after=seq, store=store)
            if str(entry.get("entity", "")).startswith("receivable:")
        }
        for receivable_id in touched:
            for stored in store.partition(keys.receivable(tenant_id, receivable_id)):
                items[stored["pk"], stored["sk"]] = stored
        seq = end_seq
    for entry in audit.entries(tenant_id, store=store):
        if int(entry["seq"]) <= seq:
            items[entry["pk"], entry["sk"]] = entry

    lines = [
        json.dumps(items[key], default=_default, ensure_ascii=False, sort_keys=True)
        for key in sorted(items)
    ]
    kinds: dict[str, int] = {}
    for item in items.values():
        kinds[str(item.get("type", "other"))] = kinds.get(str(item.get("type", "other")), 0) + 1
    manifest = {
        "tenant": tenant_id,
        "exported_at": clock.now().isoformat(),
        "consistent_at_audit_seq": seq,
        "items": len(lines),
        "by_type": kinds,
    }
    return lines, manifest
