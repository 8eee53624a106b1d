"""Reading and checking the audit trail (entries are written by storage/unit_of_work)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Table, table
from cobranca.domain.audit import Verification, verify

HEAD = "HEAD"


def entries(
    tenant_id: str, *, after: int = 0, store: Table | None = None
) -> Iterator[dict[str, Any]]:
    """The tenant's audit entries in order (sequence numbers above ``after``)."""
    store = store or table()
    return store.query(
        "pk = :pk AND sk BETWEEN :first AND :last",
        {":pk": keys.audit(tenant_id), ":first": f"{after + 1:012d}", ":last": "9" * 12},
        consistent=True,
    )


def head(tenant_id: str, store: Table | None = None) -> tuple[int, str | None]:
    """The chain's last sequence number and hash (0, None when empty)."""
    store = store or table()
    item = store.get(keys.audit(tenant_id), HEAD)
    return (0, None) if item is None else (int(item["seq"]), str(item["hash"]))


def verify_chain(tenant_id: str, store: Table | None = None) -> Verification:
    """Check every link, and that the head points at the last entry."""
    store = store or table()
    result = verify(entries(tenant_id, store=store))
    if not result.intact:
        return result
    seq, digest = head(tenant_id, store)
    if seq != result.entries:
        return Verification(
            result.entries,
            min(seq, result.entries) + 1,
            f"the head says {seq} entries but {result.entries} were found",
        )
    if seq:
        last = store.get(keys.audit(tenant_id), f"{seq:012d}")
        if last is None or last.get("hash") != digest:
            return Verification(result.entries, seq, f"entry {seq} does not match the head")
    return result


def history_of(
    tenant_id: str, receivable_id: str, store: Table | None = None
) -> list[dict[str, Any]]:
    """Every audit entry about one receivable, in order (GSI2)."""
    store = store or table()
    return list(
        store.query(
            "gsi2pk = :pk",
            {":pk": keys.audit_of_receivable(tenant_id, receivable_id)},
            index="gsi2",
        )
    )
