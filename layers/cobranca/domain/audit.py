"""The audit trail as a hash chain: every change links to the one before it, per tenant.

Each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so
altering, removing or reordering any stored entry breaks every link after it. Verification
names the first entry whose link does not hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        # DynamoDB normalises numbers (100.00 comes back as 100); hashing the normalised text
        # keeps a stored entry verifiable after the round trip.
        normalised = value.normalize()
        return (
            format(normalised, "f") if normalised == normalised.to_integral() else str(normalised)
        )
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


@dataclass(frozen=True)
class Change:
    """What changed, before it gets its place in the chain."""

    entity: str
    action: str
    actor: str
    at: datetime
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    source_event_id: str | None = None

    def body(self) -> dict[str, Any]:
        """The fields covered by the hash."""
        return {
            "entity": self.entity,
            "action": self.action,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "before": _canonical(self.before or {}),
            "after": _canonical(self.after or {}),
            "source_event_id": self.source_event_id or "",
        }


def link(previous_hash: str, seq: int, body: Mapping[str, Any]) -> str:
    """The hash of entry ``seq`` given the hash of the entry before it."""
    encoded = json.dumps(
        {"prev": previous_hash, "seq": seq, "body": _canonical(body)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class Verification:
    """Result of checking a chain: ``broken_at`` is the first bad sequence number or None."""

    entries: int
    broken_at: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(entries: Iterable[Mapping[str, Any]]) -> Verification:
    """Check entries (each with seq, hash, prev_hash and the body fields) in order."""
    previous = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        seq = int(entry["seq"])
        if seq != expected_seq:
            return Verification(count, expected_seq, f"entry {expected_seq} is missing")
        if entry.get("prev_hash") != previous:
            return Verification(count, seq, f"entry {seq} does not point at entry {seq - 1}")
        body = {
            "entity": entry.get("entity"),
            "action": entry.get("action"),
            "actor": entry.get("actor"),
            "at": entry.get("at"),
            "before": entry.get("before") or {},
            "after": entry.get("after") or {},
            "source_event_id": entry.get("source_event_id") or "",
        }
        recomputed = link(previous, seq, body)
        if recomputed != entry.get("hash"):
            return Verification(count, seq, f"entry {seq} was altered (hash mismatch)")
        previous = recomputed
        expected_seq += 1
    return Verification(count, None, None)
