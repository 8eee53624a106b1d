"""Exactly once: overlapping schedulers, fees per step, crashes mid-send, quiet hours, bounces.

Each test has its own tenant and its own stretch of the calendar; a test disables its tenant
when done so the planner leaves it alone in the tests after it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cobranca.adapters.secrets import get_json
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Delete, table
from cobranca.adapters.storage.tenants import save_tenant
from cobranca.domain.reminders import Candidate, Planned, parse_policy
from cobranca.model.tenants import Tenant
from cobranca.services.reminders import delivery
from cobranca.services.reminders.planner import apply_step_action
from cobranca.services.reminders.policies import save_policy
from cobranca.services.reminders.sender import Sender
from cobranca.services.reminders.state import daily_counts
from cobranca_local.fakes.jsonhttp import Fault
from cobranca_local.fakes.mailbox import collect_outbox
from cobranca_local.hub import LocalHub

from tests.integration.reminders.support import customer, load, receivable
from tests.support.hub import make_tenant

SP = ZoneInfo("America/Sao_Paulo")
PLANNER = "ReminderPlannerFunction"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SP)


def _tenant(hub: LocalHub, tenant_id: str, policy: dict[str, Any]) -> Tenant:
    tenant, _ = make_tenant(tenant_id)
    save_policy(tenant_id, policy)
    return tenant


def _done(tenant: Tenant) -> None:
    save_tenant(tenant.model_copy(update={"enabled": False}))


def _to(hub: LocalHub, contact: str) -> list[dict[str, Any]]:
    return [message for message in collect_outbox(hub.fakes) if message["to"] == contact]


def _markers(tenant_id: str, receivable_id: str) -> dict[str, dict[str, Any]]:
    items = table().partition(keys.receivable(tenant_id, receivable_id), sk_prefix="REMINDER#")
    return {str(item["sk"]): item for item in items}


def _envelope(
    tenant_id: str, customer_id: str, day: date, items: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "kind": "envelope",
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "plan_date": day.isoformat(),
        "template": "vencimento",
        "items": [{"receivable_id": rid, "step": step} for rid, step in items],
    }


# ---------------------------------------------------------------------- TRAPS 12


def test_one_reminder_per_step_however_the_scheduler_overlaps(hub: LocalHub) -> None:
    # GIVEN a D+3 e-mail step and a receivable due Friday 2026-03-06 (D+3 is Monday 03-09)
    tenant = _tenant(
        hub,
        "trap12",
        {"steps": [{"offset_days": 3, "channels": ["email"], "template": "atraso"}]},
    )
    load(tenant, [customer(21)], [receivable(2101, "c21", date(2026, 3, 6))])
    monday = date(2026, 3, 9)
    hub.scheduler.jump_to(_at(monday, 7, 0))

    # WHEN a scheduler runs every 15 minutes all Monday and Tuesday, two runs overlap at the
    # same instant, and the planner's state is lost once (so the envelope is queued again)
    for day in (monday, monday + timedelta(days=1)):
        hub.scheduler.jump_to(_at(day, 7, 0))
        for quarter in range(4 * 14):
            if quarter == 8:
                runs = [threading.Thread(target=hub.invoke, args=(PLANNER, {})) for _ in range(2)]
                for run in runs:
                    run.start()
                for run in runs:
                    run.join()
            if quarter == 12 and day == monday:
                table().delete(Delete({"pk": keys.tenant("trap12"), "sk": keys.REMINDER_PLANNER}))
            hub.invoke(PLANNER, {})
            hub.drain()
            hub.scheduler.jump_to(_at(day, 7, 0) + timedelta(minutes=15 * (quarter + 1)))

    # THEN the D+3 reminder went out exactly once, on Monday
    sent = _to(hub, "cliente21@example.com")
    assert len(sent) == 1
    assert sent[0]["subject"] == "Empresa trap12: pagamento em atraso"
    marker = _markers("trap12", "NF2101~1")["REMINDER#D+3#email"]
    assert marker["state"] == "sent"
    assert str(marker["sent_on"]) == "2026-03-09"
    assert daily_counts("trap12", monday) == {"RemindersSent#email#D+3": Decimal(1)}
    assert daily_counts("trap12", monday + timedelta(days=1)) == {}
    _done(tenant)


# ---------------------------------------------------------------------- TRAPS 10


def test_a_fee_applies_once_per_step(hub: LocalHub) -> None:
    # GIVEN a 10 % fee at D+5 and 200.00 due Wednesday 2026-03-04 (D+5 is Monday 03-09)
    tenant = _tenant(
        hub,
        "trap10",
        {"steps": [{"offset_days": 5, "action": {"kind": "fee", "fee_percent": "10"}}]},
    )
    load(tenant, [customer(22)], [receivable(2201, "c22", date(2026, 3, 4))])
    store = table()
    monday = date(2026, 3, 9)
    hub.scheduler.jump_to(_at(monday, 0, 10))

    # WHEN the hourly planner runs all day, its state is lost twice, and a stale copy of the
    # receivable (as the index returned it before the fee) is applied again directly
    stale = store.get(keys.receivable("trap10", "NF2201~1"), keys.RECEIVABLE)
    assert stale is not None
    for hour in range(24):
        if hour in {12, 15}:
            store.delete(Delete({"pk": keys.tenant("trap10"), "sk": keys.REMINDER_PLANNER}))
        hub.advance(hours=1)
        hub.drain()
    policy = parse_policy(
        {"steps": [{"offset_days": 5, "action": {"kind": "fee", "fee_percent": "10"}}]}
    )
    entry = Planned(
        Candidate("NF2201~1", "c22", date(2026, 3, 4), Decimal("200.00"), "open"),
        policy.steps[0],
        send=False,
    )
    again = apply_step_action("trap10", entry, stale, monday)

    # THEN the balance is 220.00, with one action marker and one audit entry
    item = store.get(keys.receivable("trap10", "NF2201~1"), keys.RECEIVABLE)
    assert item is not None
    record = ReceivableRecord.from_item(item)
    assert again is False
    assert record.balance == Decimal("220.00")
    assert record.ledger.total == Decimal("220.00")
    assert record.flags["reminder_fees"] == [{"step": "D+5", "amount": Decimal("20")}]
    action = store.get(keys.receivable("trap10", "NF2201~1"), keys.reminder_action("D+5"))
    assert action is not None and Decimal(action["amount"]) == Decimal("20.00")
    audit = list(
        store.query(
            "gsi2pk = :pk",
            {":pk": keys.audit_of_receivable("trap10", "NF2201~1")},
            index="gsi2",
        )
    )
    assert [entry["action"] for entry in audit].count("reminder.fee_applied") == 1
    _done(tenant)


# ---------------------------------------------------------------------- crashes mid-send


@pytest.fixture
def whatsapp_tenant(hub: LocalHub) -> Iterator[Tenant]:
    tenant = _tenant(
        hub,
        "crash",
        {"steps": [{"offset_days": 0, "channels": ["whatsapp"], "template": "vencimento"}]},
    )
    load(
        tenant,
        [customer(31, whatsapp=True), customer(32, whatsapp=True), customer(33, whatsapp=True)],
        [
            receivable(3101, "c31", date(2026, 4, 6)),
            receivable(3201, "c32", date(2026, 4, 6)),
            receivable(3301, "c33", date(2026, 4, 6)),
        ],
    )
    yield tenant
    _done(tenant)


def test_a_crash_after_the_provider_accepted_never_sends_twice(
    hub: LocalHub, whatsapp_tenant: Tenant
) -> None:
    # GIVEN the WhatsApp API takes the message and then the answer is lost (502)
    hub.scheduler.jump_to(_at(date(2026, 4, 6), 9, 0))
    hub.fakes["whatsapp"].add_fault(Fault("POST", "/v21.0/", "after_error"))  # type: ignore[attr-defined]
    body = _envelope("crash", "c31", date(2026, 4, 6), [("NF3101~1", "D0")])

    # WHEN the queue delivers the envelope, the record fails and SQS delivers it again
    hub.client("sqs").send_message(QueueUrl=hub.ref("ReminderQueue"), MessageBody=json.dumps(body))
    hub.drain()

    # THEN one message reached WhatsApp; the marker records that the outcome is unknown and
    # it is not resent on that channel
    assert len(_to(hub, "+5511900000031")) == 1
    marker = _markers("crash", "NF3101~1")["REMINDER#D0#whatsapp"]
    assert marker["state"] == "unknown"
    assert daily_counts("crash", date(2026, 4, 6))["RemindersFailed#whatsapp#D0"] == Decimal(1)


def test_a_status_callback_resolves_a_crash_as_sent(hub: LocalHub, whatsapp_tenant: Tenant) -> None:
    # GIVEN a sender that crashed after WhatsApp accepted the message
    hub.scheduler.jump_to(_at(date(2026, 4, 6), 9, 30))
    sink = hub.fakes["whatsapp"]
    sink.add_fault(Fault("POST", "/v21.0/", "after_error"))  # type: ignore[attr-defined]
    body = _envelope("crash", "c32", date(2026, 4, 6), [("NF3201~1", "D0")])
    with pytest.raises(Exception, match="502"):
        Sender().process(body, holder="sqs-message-1")
    assert _markers("crash", "NF3201~1")["REMINDER#D0#whatsapp"]["state"] == "sending"

    # WHEN Meta's "sent" status (signed with the app secret) arrives, then SQS redelivers
    message = [m for m in sink.messages if m["to"] == "5511900000032"]  # type: ignore[attr-defined]
    webhook = json.dumps(sink.status_webhook("sent", message)).encode()  # type: ignore[attr-defined]
    secret = get_json("cobranca/local/whatsapp")["app_secret"]
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        forged = client.post(
            "/v1/delivery/crash/whatsapp",
            content=webhook,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
        )
        answer = client.post(
            "/v1/delivery/crash/whatsapp",
            content=webhook,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sink.sign(webhook, secret),  # type: ignore[attr-defined]
            },
        )
    report = Sender().process(body, holder="sqs-message-1")

    # THEN the forged webhook changed nothing, the genuine one marked it sent, and the
    # redelivery sent nothing more
    assert forged.status_code == 401
    assert answer.status_code == 200 and answer.json() == {"outcomes": {"confirmed": 1}}
    assert report.sent == []
    marker = _markers("crash", "NF3201~1")["REMINDER#D0#whatsapp"]
    assert marker["state"] == "sent" and marker["provider_id"] == message[0]["id"]
    assert len(_to(hub, "+5511900000032")) == 1


def test_a_crash_before_the_provider_call_sends_on_redelivery(
    hub: LocalHub, whatsapp_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a sender that dies right after reserving (before calling WhatsApp)
    hub.scheduler.jump_to(_at(date(2026, 4, 6), 10, 0))
    body = _envelope("crash", "c33", date(2026, 4, 6), [("NF3301~1", "D0")])
    original = Sender._transition

    def crash(self: Sender, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("after") == "sending":
            raise RuntimeError("process killed")
        original(self, *args, **kwargs)

    monkeypatch.setattr(Sender, "_transition", crash)
    with pytest.raises(RuntimeError):
        Sender().process(body, holder="sqs-message-2")
    monkeypatch.setattr(Sender, "_transition", original)
    assert _markers("crash", "NF3301~1")["REMINDER#D0#whatsapp"]["state"] == "reserved"

    # WHEN a duplicate delivery (another message id) comes while the reservation is fresh,
    # and then SQS redelivers the original message
    busy = Sender().process(body, holder="sqs-message-duplicate")
    again = Sender().process(body, holder="sqs-message-2")

    # THEN the duplicate left it alone and the redelivery sent it, once
    assert busy.sent == []
    assert [(channel, count) for channel, _, count in again.sent] == [("whatsapp", 1)]
    assert len(_to(hub, "+5511900000033")) == 1
    assert _markers("crash", "NF3301~1")["REMINDER#D0#whatsapp"]["state"] == "sent"
    assert Sender().process(body, holder="sqs-message-3").sent == []


# ---------------------------------------------------------------------- quiet hours, bounces


def test_quiet_hours_hold_a_message_until_the_morning(hub: LocalHub) -> None:
    # GIVEN an envelope reaching the sender at 21:10 on Friday
    tenant = _tenant(
        hub,
        "quiet",
        {"steps": [{"offset_days": 0, "channels": ["sms", "email"], "template": "vencimento"}]},
    )
    load(tenant, [customer(41, sms=True)], [receivable(4101, "c41", date(2026, 5, 8))])
    hub.scheduler.jump_to(_at(date(2026, 5, 8), 21, 10))
    body = _envelope("quiet", "c41", date(2026, 5, 8), [("NF4101~1", "D0")])

    # WHEN it is processed, and the hourly planner runs through the night
    held = Sender().process(body, holder="late-message")
    assert held.held_until == _at(date(2026, 5, 9), 8, 0)
    for _ in range(13):
        hub.advance(hours=1)
        hub.drain()

    # THEN nothing went out at night; the SMS went on Saturday morning (the first drain after
    # the 08:00 planner run that queued it again)
    sms = _to(hub, "+5511900000041")
    assert len(sms) == 1
    marker = _markers("quiet", "NF4101~1")["REMINDER#D0#sms"]
    sent_at = datetime.fromisoformat(str(marker["sent_at"])).astimezone(SP)
    assert sent_at.date() == date(2026, 5, 9) and 8 <= sent_at.hour < 10
    _done(tenant)


def test_a_bounce_moves_the_step_to_the_next_channel(hub: LocalHub) -> None:
    # GIVEN a D0 step on e-mail first, then SMS, and the e-mail was sent
    tenant = _tenant(
        hub,
        "bounce",
        {"steps": [{"offset_days": 0, "channels": ["email", "sms"], "template": "vencimento"}]},
    )
    load(tenant, [customer(51, sms=True)], [receivable(5101, "c51", date(2026, 6, 1))])
    hub.scheduler.jump_to(_at(date(2026, 6, 1), 8, 50))
    body = _envelope("bounce", "c51", date(2026, 6, 1), [("NF5101~1", "D0")])
    first = Sender().process(body, holder="m-bounce")
    ((channel, provider_id, _),) = first.sent
    marker = _markers("bounce", "NF5101~1")["REMINDER#D0#email"]

    # WHEN SES reports a permanent bounce (through the e-mail events topic), and the planner runs
    event = {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "x"}]},
        "mail": {
            "messageId": provider_id,
            "tags": {"tenant": ["bounce"], "reference": [marker["message_key"]]},
        },
    }
    sns = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(event)}}]}
    answer = hub.invoke("DeliveryStatusFunction", sns)
    hub.advance(hours=1)
    hub.drain()

    # THEN the e-mail is recorded bounced (and its address skipped), and the SMS went out
    assert channel == "email"
    assert answer == {"outcomes": ["bounced"]}
    markers = _markers("bounce", "NF5101~1")
    assert markers["REMINDER#D0#email"]["state"] == "bounced"
    assert markers["REMINDER#D0#sms"]["state"] == "sent"
    assert len(_to(hub, "+5511900000051")) == 1
    counts = daily_counts("bounce", date(2026, 6, 1))
    assert counts["RemindersBounced#email#D0"] == Decimal(1)
    assert counts["RemindersSent#sms#D0"] == Decimal(1)

    # ... and a payment two days later converts the reminders that were delivered
    converted = delivery.record_conversion("bounce", "NF5101~1", date(2026, 6, 3))
    assert converted == [("D0", "sms")]
    assert delivery.record_conversion("bounce", "NF5101~1", date(2026, 6, 3)) == []
    assert daily_counts("bounce", date(2026, 6, 3)) == {"RemindersConverted#sms#D0": Decimal(1)}
    _done(tenant)


def test_the_whatsapp_webhook_verification(hub: LocalHub) -> None:
    with httpx.Client(base_url=hub.url, timeout=30) as client:
        good = client.get(
            "/v1/delivery/any/whatsapp",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": "replace-me",
                "hub.challenge": "8675309",
            },
        )
        bad = client.get(
            "/v1/delivery/any/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        )

    assert (good.status_code, good.text) == (200, "8675309")
    assert bad.status_code == 403


# ---------------------------------------------------------------------- the CLI


def test_the_cli_lists_the_outbox_and_runs_the_dry_run(
    hub: LocalHub, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from cobranca.cli.main import main

    tenant = _tenant(
        hub, "cli", {"steps": [{"offset_days": 0, "channels": ["email"], "template": "vencimento"}]}
    )
    load(tenant, [customer(61)], [receivable(6101, "c61", date(2026, 7, 1))])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"steps": [{"offset_days": 1, "channels": ["pombo"]}]}))

    assert main(["outbox", "--url", hub.url, "--channel", "whatsapp"]) == 0
    outbox = json.loads(capsys.readouterr().out)
    assert (
        main(
            [
                "reminders",
                "dry-run",
                "cli",
                "--from",
                "2026-06-29",
                "--to",
                "2026-07-03",
                "--url",
                hub.url,
            ]
        )
        == 0
    )
    planned = json.loads(capsys.readouterr().out)
    assert main(["reminders", "policy", "set", "cli", str(bad), "--url", hub.url]) == 1
    refused = json.loads(capsys.readouterr().out)

    assert outbox["count"] == len(outbox["messages"]) >= 3
    assert {message["channel"] for message in outbox["messages"]} == {"whatsapp"}
    assert planned["days"] == {"2026-07-01": {"email": 1}}
    assert refused["valid"] is False
    assert refused["errors"][0]["field"] == "steps.0.channels.0"
    _done(tenant)


# ---------------------------------------------------------------------- other actions


def test_renegotiation_starts_once_and_negativacao_flags_once(hub: LocalHub) -> None:
    # GIVEN D+15 starts a renegotiation and D+30 flags for negativação
    tenant = _tenant(
        hub,
        "acoes",
        {
            "steps": [
                {"offset_days": 15, "action": {"kind": "renegotiation"}},
                {"offset_days": 30, "action": {"kind": "negativacao"}},
            ]
        },
    )
    load(
        tenant,
        [customer(71)],
        [
            receivable(7101, "c71", date(2026, 7, 23)),
            receivable(7102, "c71", date(2026, 7, 23), amount="80.00"),
            receivable(7103, "c71", date(2026, 7, 8)),
        ],
    )
    store = table()

    # WHEN the planner runs twice on 2026-08-07 (its state lost in between)
    hub.scheduler.jump_to(_at(date(2026, 8, 7), 9, 0))
    first = hub.invoke(PLANNER, {})
    store.delete(Delete({"pk": keys.tenant("acoes"), "sk": keys.REMINDER_PLANNER}))
    second = hub.invoke(PLANNER, {})

    # THEN one execution for the customer's two receivables, one flag, each once
    assert first["actions"] == {"negativacao": 1, "renegotiation": 1}
    assert second["actions"] == {}
    sfn = hub.client("stepfunctions")
    arn = hub.ref("RenegotiationStateMachine")
    name = "reminder-c71-D_15-2026-08-07"
    execution = sfn.describe_execution(
        executionArn=arn.replace(":stateMachine:", ":execution:") + f":{name}"
    )
    payload = json.loads(execution["input"])
    assert payload == {
        "tenant": "acoes",
        "customer_id": "c71",
        "receivable_ids": ["NF7101~1", "NF7102~1"],
        "origin": "reminder",
        "timeouts": {"decision_seconds": 259200, "heartbeat_seconds": 259200},
    }
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["name"] for e in executions].count(name) == 1
    flagged = store.get(keys.receivable("acoes", "NF7103~1"), keys.RECEIVABLE)
    assert flagged is not None
    assert flagged["flags"]["negativacao"] == {"step": "D+30", "flagged_on": "2026-08-07"}
    _done(tenant)
