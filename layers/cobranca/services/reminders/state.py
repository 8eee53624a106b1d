"""What the reminder services share: the queue contract, marker states, held envelopes and
the daily counters (kept apart from the sender so light handlers import little)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Item, Put, Table, Update, table
from cobranca.platform import clock
from cobranca.platform.observability import NAMESPACE, logger

ENVELOPE_LIFETIME = timedelta(days=3)
MESSAGE = "MESSAGE"

RESERVED = "reserved"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"
SKIPPED = "skipped"
BOUNCED = "bounced"
DONE_STATES = frozenset({SENT, SKIPPED})
"""The step reached the customer (or was deliberately not sent): nothing more to do."""
GIVEN_UP_STATES = frozenset({FAILED, UNKNOWN, BOUNCED})
"""This channel is spent for the step; with ``strategy: first`` the next one is tried."""


# ---------------------------------------------------------------------- the queue contract


@dataclass(frozen=True)
class EnvelopeMessage:
    """A ReminderQueue message: one customer's consolidated reminder for one planning day."""

    tenant_id: str
    customer_id: str
    plan_date: date
    template: str
    items: tuple[tuple[str, str], ...]

    @property
    def envelope_id(self) -> str:
        """Deterministic, so overlapping planner runs produce the same envelope."""
        content = "|".join(
            [self.tenant_id, self.customer_id, self.plan_date.isoformat()]
            + [f"{rid}:{step}" for rid, step in sorted(self.items)]
        )
        return hashlib.sha256(content.encode()).hexdigest()[:24]

    def message_key(self, channel: str, items: Sequence[tuple[str, str]]) -> str:
        """One message per channel and set of receivables (a fallback round is another)."""
        content = "|".join(f"{rid}:{step}" for rid, step in sorted(items))
        return f"{self.envelope_id}-{channel}-{hashlib.sha256(content.encode()).hexdigest()[:8]}"

    @property
    def deadline(self) -> date:
        return self.plan_date + ENVELOPE_LIFETIME

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "envelope",
            "tenant_id": self.tenant_id,
            "customer_id": self.customer_id,
            "plan_date": self.plan_date.isoformat(),
            "template": self.template,
            "items": [{"receivable_id": rid, "step": step} for rid, step in self.items],
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> EnvelopeMessage:
        return cls(
            tenant_id=str(body["tenant_id"]),
            customer_id=str(body["customer_id"]),
            plan_date=date.fromisoformat(str(body["plan_date"])),
            template=str(body["template"]),
            items=tuple((str(i["receivable_id"]), str(i["step"])) for i in body["items"]),
        )


# ---------------------------------------------------------------------- held envelopes and counters


def hold(envelope: EnvelopeMessage, until: datetime, store: Table | None = None) -> None:
    """Park an envelope until ``until``; the planner queues it again from then on."""
    store = store or table()
    moment = until.astimezone(clock.now().tzinfo)
    # Second precision in UTC, so the planner's range query compares like with like.
    stamp = f"{moment:%Y-%m-%dT%H:%M:%SZ}"
    store.put(
        Put(
            {
                "pk": keys.reminders_pending(envelope.tenant_id),
                "sk": f"{stamp}#{envelope.envelope_id}",
                "type": "reminder_pending",
                "body": json.dumps(envelope.to_json(), sort_keys=True),
                "expires_at": int((moment + timedelta(days=7)).timestamp()),
            }
        )
    )
    logger.info(
        "reminder held for the sending window",
        extra={"tenant": envelope.tenant_id, "envelope": envelope.envelope_id},
    )


def count_marker(tenant_id: str, day: date, metric: str, marker: Item, store: Table) -> None:
    """Count one marker's reminder under ``metric`` for its channel and step."""
    record_metric(
        tenant_id,
        day,
        metric,
        channel=str(marker["channel"]),
        step=str(marker["step"]),
        count=1,
        store=store,
    )


def record_metric(
    tenant_id: str,
    day: date,
    metric: str,
    *,
    channel: str,
    step: str,
    count: int,
    store: Table | None = None,
) -> None:
    """A CloudWatch metric with channel and step dimensions, and the table's daily counter."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    store = store or table()
    store.update(
        Update(
            {"pk": keys.stats(tenant_id), "sk": f"{day.isoformat()}#{metric}#{channel}#{step}"},
            "ADD n :n SET metric = :metric, channel = :channel, step = :step",
            values={":n": count, ":metric": metric, ":channel": channel, ":step": step},
        )
    )
    with single_metric(
        name=metric, unit=MetricUnit.Count, value=count, namespace=NAMESPACE
    ) as single:
        single.add_dimension(name="channel", value=channel)
        single.add_dimension(name="step", value=step)


def daily_counts(tenant_id: str, day: date, store: Table | None = None) -> dict[str, Decimal]:
    """The day's reminder counters: ``{"RemindersSent#email#D+1": 3, ...}``."""
    store = store or table()
    prefix = f"{day.isoformat()}#"
    return {
        str(item["sk"]).removeprefix(prefix): Decimal(item["n"])
        for item in store.partition(keys.stats(tenant_id), sk_prefix=prefix)
        if str(item["sk"]).split("#")[1].startswith("Reminders")
    }
