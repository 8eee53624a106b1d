"""Requests to other functions, by queue. The message contracts live here, in one place.

Charge queue (standard SQS, consumed by ``charge_issuer``)::

    {"action": "issue" | "reissue" | "cancel", "tenant_id": str, "receivable_id": str,
     "reason": str, "requested_at": iso datetime}

    issue    create the receivable's charge if it has none (idempotent)
    reissue  cancel the current charge first, then issue one with the current terms (segunda via)
    cancel   cancel the current charge (renegotiation, ERP cancellation)

Write-back queue (SQS FIFO, group = receivable, consumed by ``erp_writeback``)::

    {"tenant_id": str, "receivable_id": str, "kind": "payment" | "status" | "agreement",
     "ref": str, "payload": {...}, "requested_at": iso datetime}

    ``ref`` is unique per fact (the hub's payment id, the agreement id...): it is the FIFO
    deduplication id and the key the ERP connector uses so a replay never records twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from cobranca.adapters.queues import send_batch
from cobranca.platform import clock
from cobranca.platform.settings import get_settings

ChargeAction = Literal["issue", "reissue", "cancel"]
WritebackKind = Literal["payment", "status", "agreement"]


def request_charges(
    tenant_id: str, receivable_ids: Iterable[str], action: ChargeAction, reason: str
) -> int:
    """Queue one charge request per receivable; returns how many were queued."""
    at = clock.now().isoformat()
    messages = [
        {
            "action": action,
            "tenant_id": tenant_id,
            "receivable_id": receivable_id,
            "reason": reason,
            "requested_at": at,
        }
        for receivable_id in dict.fromkeys(receivable_ids)
    ]
    if messages:
        send_batch(get_settings().charge_queue_url, messages)
    return len(messages)


def request_writebacks(
    tenant_id: str, items: Iterable[tuple[str, WritebackKind, str, dict[str, Any]]]
) -> int:
    """Queue write-backs ``(receivable_id, kind, ref, payload)``; FIFO per receivable."""
    at = clock.now().isoformat()
    messages = [
        {
            "tenant_id": tenant_id,
            "receivable_id": receivable_id,
            "kind": kind,
            "ref": ref,
            "payload": payload,
            "requested_at": at,
            "group": f"{tenant_id}:{receivable_id}",
            "dedup": f"{tenant_id}:{kind}:{ref}",
        }
        for receivable_id, kind, ref, payload in items
    ]
    if messages:
        send_batch(get_settings().writeback_queue_url, messages, group_of="group", dedup_of="dedup")
    return len(messages)
