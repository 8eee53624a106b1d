"""Helpers shared by the ERP integration tests: signed webhook posts and stored items."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from cobranca.adapters.erp.signatures import HEADER, sign
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import table
from cobranca_local.hub import LocalHub

CPF = "529.982.247-25"


def receivable_data(
    erp_id: str, *, amount: str = "150.00", updated: str = "2026-12-01T10:00:00Z", **extra: Any
) -> dict[str, Any]:
    """A canonical receivable (the canonical preset's shape)."""
    return {
        "erp_id": erp_id,
        "number": f"NF-{erp_id}",
        "customer_id": "C1",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-10",
        "amount": amount,
        "erp_updated_at": updated,
        **extra,
    }


def event(event_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": "2026-12-01T10:00:00Z",
        "data": data,
    }


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def post(
    hub: LocalHub,
    tenant: str,
    body: bytes,
    secrets: list[str] | str | None,
    *,
    signed_at: int | None = None,
    header: str | None = None,
) -> httpx.Response:
    """POST a webhook batch signed with ``secrets`` (or with the ``header`` given)."""
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[HEADER] = header
    elif secrets is not None:
        headers[HEADER] = sign(secrets, body, signed_at or int(time.time()))
    return httpx.post(
        f"{hub.url}/v1/erp/{tenant}/events", content=body, headers=headers, timeout=120
    )


def stored(tenant: str, receivable_id: str) -> ReceivableRecord | None:
    item = table().get(keys.receivable(tenant, receivable_id), keys.RECEIVABLE)
    return None if item is None else ReceivableRecord.from_item(item)


def audit_actions(tenant: str, receivable_id: str) -> list[str]:
    return [
        str(item["action"])
        for item in table().query(
            "gsi2pk = :pk",
            {":pk": keys.audit_of_receivable(tenant, receivable_id)},
            index="gsi2",
        )
    ]


def partition(tenant: str, receivable_id: str, prefix: str) -> list[dict[str, Any]]:
    return table().partition(keys.receivable(tenant, receivable_id), sk_prefix=prefix)
