"""A week of simulated days on the local runtime sends what the dry run said, once each.

GIVEN six customers (different consents, one who unsubscribes from e-mail through the portal,
one whose step would exceed the daily cap) and receivables due around the week, WHEN the
clock moves hour by hour through 2026-03-02..08 with the hourly planner firing and the queue
drained, THEN each day's messages per channel equal the dry run's counts, every message went
out between 08:00 and 20:00 on a sending day, each (receivable, step, channel) is sent once,
and the daily counters in the table agree.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import table
from cobranca.services.reminders.policies import dry_run, save_policy
from cobranca.services.reminders.state import daily_counts
from cobranca_local.fakes.mailbox import collect_outbox
from cobranca_local.hub import LocalHub

from tests.integration.reminders.support import customer, load, receivable
from tests.support.hub import make_tenant

SP = ZoneInfo("America/Sao_Paulo")
MONDAY = date(2026, 3, 2)

POLICY: dict[str, Any] = {
    "steps": [
        {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
        {"offset_days": 0, "channels": ["whatsapp", "email"], "template": "vencimento"},
        {"offset_days": 1, "channels": ["sms", "email"], "template": "atraso"},
        {
            "offset_days": 3,
            "channels": ["email", "sms", "whatsapp"],
            "strategy": "all",
            "template": "atraso",
            "conditions": {"min_amount": "100.00"},
        },
    ],
    "max_messages_per_customer_per_day": 2,
}


def _outbox_counts(hub: LocalHub, tenant_contacts: set[str]) -> Counter[str]:
    return Counter(
        message["channel"]
        for message in collect_outbox(hub.fakes)
        if message["to"].split(", ")[0] in tenant_contacts
    )


def _unsubscribe_from_email(hub: LocalHub, customer_number: int) -> None:
    """Play the customer: open the unsubscribe link of a first e-mail and confirm."""
    from cobranca.services import links

    token = links.sign(
        "unsubscribe", "semana", f"c{customer_number}", ttl=timedelta(days=1), extra={"c": "email"}
    )
    path = urlsplit(links.url_for("unsubscribe", token)).path
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        page = client.get(path)
        assert page.status_code == 200
        assert "Somente por e-mail" in page.text
        done = client.post(
            path,
            content="channel=email",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert done.status_code == 200
    assert "por e-mail" in done.text


def test_a_week_sends_each_planned_reminder_once(hub: LocalHub) -> None:
    # GIVEN
    hub.scheduler.jump_to(datetime(2026, 3, 1, 23, 30, tzinfo=SP))
    tenant, _ = make_tenant("semana")
    customers = [
        customer(11),
        customer(12, whatsapp=True),
        customer(13, sms=True),
        customer(14, sms=True, whatsapp=True),
        customer(15, sms=True),
        customer(16),
    ]
    receivables = [
        receivable(101, "c11", date(2026, 3, 5)),
        receivable(102, "c11", date(2026, 3, 2)),
        receivable(103, "c12", date(2026, 3, 4)),
        receivable(104, "c13", date(2026, 3, 3), amount="50.00"),
        receivable(105, "c14", date(2026, 3, 2), amount="980.00"),
        receivable(106, "c15", date(2026, 3, 4)),
        receivable(107, "c16", date(2026, 3, 6)),
        receivable(108, "c16", date(2026, 2, 27)),
    ]
    load(tenant, customers, receivables)
    save_policy("semana", POLICY)
    _unsubscribe_from_email(hub, 15)
    contacts = {f"cliente{n}@example.com" for n in range(11, 17)} | {
        f"+55119{n:08d}" for n in range(11, 17)
    }
    expected = dry_run("semana", MONDAY, MONDAY + timedelta(days=6))

    # WHEN
    seen: Counter[str] = Counter()
    days: dict[date, dict[str, int]] = {}
    hub.scheduler.jump_to(datetime(2026, 3, 2, 0, 30, tzinfo=SP))
    for day in range(7):
        for _ in range(24):
            hub.advance(hours=1)
            hub.drain()
        now = _outbox_counts(hub, contacts)
        sent_today = {channel: now[channel] - seen[channel] for channel in now}
        days[MONDAY + timedelta(days=day)] = {c: n for c, n in sent_today.items() if n}
        seen = now

    # THEN the runtime sent exactly what the dry run planned, day by day and channel by channel
    assert {day: counts for day, counts in days.items() if counts} == expected.counts()
    assert sum(seen.values()) == len(expected.messages) == 18
    assert expected.capped == [(date(2026, 3, 5), "c14", "whatsapp")]
    assert hub.scheduler.errors == []

    # ... the customer who unsubscribed got nothing by e-mail
    outbox = collect_outbox(hub.fakes)
    assert not [m for m in outbox if m["to"] == "cliente15@example.com"]
    assert [m["channel"] for m in outbox if m["to"] == "+5511900000015"] == ["sms"]

    # ... every sent marker went out once, inside the sending window
    store = table()
    sent = []
    for item in receivables:
        markers = store.partition(
            keys.receivable("semana", item.receivable_id), sk_prefix="REMINDER#"
        )
        for marker in markers:
            if marker["state"] == "sent":
                at = datetime.fromisoformat(str(marker["sent_at"])).astimezone(SP)
                assert 8 <= at.hour < 20 and at.weekday() != 6, marker["sk"]
                sent.append((item.receivable_id, marker["step"], marker["channel"]))
    assert len(sent) == len(set(sent)) == sum(len(m.receivable_ids) for m in expected.messages)
    skipped = [
        marker
        for marker in store.partition(keys.receivable("semana", "NF105~1"), sk_prefix="REMINDER#")
        if marker["state"] == "skipped"
    ]
    assert [(m["step"], m["channel"]) for m in skipped] == [("D+3", "whatsapp")]

    # ... and the table's daily counters say the same
    thursday = daily_counts("semana", date(2026, 3, 5))
    assert thursday["RemindersSent#email#D+3"] == Decimal(2)  # NF102 and NF105
    assert thursday["RemindersSent#sms#D+3"] == Decimal(1)  # NF105; its WhatsApp was capped
    total_sent = sum(
        int(value)
        for day in range(7)
        for name, value in daily_counts("semana", MONDAY + timedelta(days=day)).items()
        if name.startswith("RemindersSent#")
    )
    assert total_sent == len(sent)
