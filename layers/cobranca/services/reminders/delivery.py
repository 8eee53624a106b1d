"""Delivery status, bounces, opt-outs and conversions of reminders.

Status sources
--------------
- **SES** events through the configuration set's SNS topic: ``Send`` and ``Delivery`` confirm,
  ``Bounce`` (permanent) and ``Complaint`` spend the address, ``Reject`` and ``Rendering
  Failure`` fail the message. Message tags carry the tenant and the hub's reference.
- **WhatsApp** Cloud API webhooks: ``sent``/``delivered``/``read`` confirm, ``failed`` spends
  the channel; ``biz_opaque_callback_data`` is the hub's reference.
- **SMS**: SNS delivery status logs (CloudWatch Logs, delivered by a subscription); they carry
  only the SNS message id, looked up per tenant.

A confirmation that finds the message still ``reserved`` or ``sending`` resolves a sender that
crashed between the provider call and its own record: the message is marked sent, never resent.
A bounce or failure marks the markers ``bounced``/``failed``, records the dead contact, and
holds the envelope for the planner to queue again, so the next channel is tried.

Conversion
----------
:func:`record_conversion` is called when a payment arrives (the payments engineer's code calls
it): every reminder of the receivable sent within the policy's ``conversion_window_days``
before the payment date is marked converted once and counted as ``RemindersConverted`` for its
channel and step.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import ConditionFailed, Item, Put, Table, Update, table
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.platform import clock
from cobranca.platform.observability import logger
from cobranca.services.reminders.state import (
    BOUNCED,
    FAILED,
    MESSAGE,
    RESERVED,
    SENDING,
    SENT,
    EnvelopeMessage,
    hold,
    record_metric,
)

CONFIRMING = frozenset({"Send", "Delivery", "sent", "delivered", "read", "SUCCESS"})


# ---------------------------------------------------------------------- messages


def _message(tenant_id: str, reference: str, store: Table) -> Item | None:
    return store.get(keys.reminder_message(tenant_id, reference), MESSAGE)


def _message_by_provider(
    tenant_id: str, channel: str, provider_id: str, store: Table
) -> Item | None:
    ref = store.get(keys.message_ref(tenant_id, channel, provider_id), MESSAGE)
    return None if ref is None else _message(tenant_id, str(ref["message_key"]), store)


def _local_day(message: Item) -> date:
    return date.fromisoformat(str(message.get("local_day") or clock.today().isoformat()))


def confirm(tenant_id: str, message: Item, provider_id: str | None, store: Table) -> bool:
    """Mark a reserved/sending message sent on the provider's word; True if it changed."""
    key = {"pk": message["pk"], "sk": MESSAGE}
    now = clock.now()
    try:
        store.update(
            Update(
                key,
                "SET #s = :sent, confirmed_at = :at, provider_id = :pid",
                condition="#s IN (:reserved, :sending)",
                names={"#s": "state"},
                values={
                    ":sent": SENT,
                    ":at": now,
                    ":pid": provider_id or message.get("provider_id") or "",
                    ":reserved": RESERVED,
                    ":sending": SENDING,
                },
            )
        )
    except ConditionFailed:
        return False
    channel = str(message["channel"])
    for item in message.get("items") or []:
        marker = {
            "pk": keys.receivable(tenant_id, str(item["receivable_id"])),
            "sk": keys.reminder_marker(str(item["step"]), channel),
        }
        try:
            store.update(
                Update(
                    marker,
                    "SET #s = :sent, sent_at = :at, sent_on = :day, provider_id = :pid, "
                    "reason = :why",
                    condition="#s IN (:reserved, :sending)",
                    names={"#s": "state"},
                    values={
                        ":sent": SENT,
                        ":at": now,
                        ":day": _local_day(message),
                        ":pid": provider_id or "",
                        ":why": "confirmed by the provider's status",
                        ":reserved": RESERVED,
                        ":sending": SENDING,
                    },
                )
            )
        except ConditionFailed:
            continue
        record_metric(
            tenant_id,
            _local_day(message),
            "RemindersSent",
            channel=channel,
            step=str(item["step"]),
            count=1,
            store=store,
        )
    if provider_id:
        store.put(
            Put(
                {
                    "pk": keys.message_ref(tenant_id, channel, provider_id),
                    "sk": MESSAGE,
                    "type": "message_ref",
                    "message_key": message["message_key"],
                    "channel": channel,
                    "tenant_id": tenant_id,
                }
            )
        )
    logger.info(
        "reminder confirmed by provider status",
        extra={"tenant": tenant_id, "message_key": message["message_key"], "channel": channel},
    )
    return True


def spend(
    tenant_id: str, message: Item, state: str, reason: str, store: Table, *, dead_contact: bool
) -> int:
    """A bounce or failure: mark the markers, record the contact, try the next channel."""
    channel = str(message["channel"])
    now = clock.now()
    changed = 0
    for item in message.get("items") or []:
        marker = {
            "pk": keys.receivable(tenant_id, str(item["receivable_id"])),
            "sk": keys.reminder_marker(str(item["step"]), channel),
        }
        try:
            store.update(
                Update(
                    marker,
                    "SET #s = :state, reason = :why, spent_at = :at",
                    condition="#s IN (:sent, :sending, :reserved)",
                    names={"#s": "state"},
                    values={
                        ":state": state,
                        ":why": reason,
                        ":at": now,
                        ":sent": SENT,
                        ":sending": SENDING,
                        ":reserved": RESERVED,
                    },
                )
            )
        except ConditionFailed:
            continue
        changed += 1
        metric = "RemindersBounced" if state == BOUNCED else "RemindersFailed"
        record_metric(
            tenant_id,
            _local_day(message),
            metric,
            channel=channel,
            step=str(item["step"]),
            count=1,
            store=store,
        )
    if not changed:
        return 0
    store.update(
        Update(
            {"pk": message["pk"], "sk": MESSAGE},
            "SET #s = :state, reason = :why",
            names={"#s": "state"},
            values={":state": state, ":why": reason},
        )
    )
    if dead_contact and message.get("contact_digest"):
        store.put(
            Put(
                {
                    "pk": keys.customer(tenant_id, str(message["customer_id"])),
                    "sk": keys.customer_bounced(channel, str(message["contact_digest"])),
                    "type": "bounced_contact",
                    "channel": channel,
                    "reason": reason,
                    "at": now,
                }
            )
        )
    envelope = message.get("envelope")
    if isinstance(envelope, dict):
        # The sender decides per step: "first" steps move to their next channel, "all"
        # steps have nothing left to try and are dropped there.
        hold(EnvelopeMessage.from_json(envelope), now, store)
    logger.info(
        "reminder not delivered",
        extra={"tenant": tenant_id, "message_key": message["message_key"], "state": state},
    )
    return changed


# ---------------------------------------------------------------------- SES


def record_ses_event(event: Mapping[str, Any], store: Table | None = None) -> str:
    """One SES event (the SNS message body); returns what was done."""
    store = store or table()
    kind = str(event.get("eventType") or event.get("notificationType") or "")
    mail = event.get("mail") or {}
    tags = mail.get("tags") or {}
    tenant_id = (tags.get("tenant") or [None])[0]
    reference = (tags.get("reference") or [None])[0]
    provider_id = str(mail.get("messageId") or "")
    if not tenant_id:
        logger.warning("SES event without tenant tag ignored", extra={"event_type": kind})
        return "ignored"
    message = (
        _message(tenant_id, reference, store)
        if reference
        else _message_by_provider(tenant_id, "email", provider_id, store)
    )
    if message is None:
        logger.warning("SES event for an unknown message", extra={"tenant": tenant_id})
        return "unknown"
    if kind in CONFIRMING:
        return "confirmed" if confirm(tenant_id, message, provider_id, store) else "noted"
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return "transient-bounce"
        spend(tenant_id, message, BOUNCED, "bounce", store, dead_contact=True)
        return "bounced"
    if kind == "Complaint":
        opt_out(tenant_id, str(message["customer_id"]), ["email"], "complaint", store=store)
        spend(tenant_id, message, BOUNCED, "complaint", store, dead_contact=False)
        return "complaint"
    if kind in {"Reject", "Rendering Failure"}:
        spend(tenant_id, message, FAILED, kind.lower(), store, dead_contact=False)
        return "failed"
    return "noted"


def records_of_sns(event: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """The SES events inside an SNS-triggered Lambda event."""
    for record in event.get("Records") or []:
        body = (record.get("Sns") or {}).get("Message") or "{}"
        yield json.loads(body)


# ---------------------------------------------------------------------- WhatsApp


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body with the app secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256="), expected)


def record_whatsapp_statuses(
    tenant_id: str, payload: Mapping[str, Any], store: Table | None = None
) -> dict[str, int]:
    """Every status in a Cloud API webhook; returns counts per outcome."""
    store = store or table()
    outcomes: dict[str, int] = {}
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            for status in (change.get("value") or {}).get("statuses") or []:
                outcome = _whatsapp_status(tenant_id, status, store)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _whatsapp_status(tenant_id: str, status: Mapping[str, Any], store: Table) -> str:
    provider_id = str(status.get("id") or "")
    reference = status.get("biz_opaque_callback_data")
    message = (
        _message(tenant_id, str(reference), store)
        if reference
        else _message_by_provider(tenant_id, "whatsapp", provider_id, store)
    )
    if message is None:
        return "unknown"
    state = str(status.get("status") or "")
    if state in CONFIRMING:
        if confirm(tenant_id, message, provider_id, store):
            return "confirmed"
        store.update(
            Update(
                {"pk": message["pk"], "sk": MESSAGE},
                f"SET {state}_at = :at",
                values={":at": clock.now()},
            )
        )
        return state
    if state == "failed":
        errors = status.get("errors") or [{}]
        code = str(errors[0].get("code") or "failed")
        spend(tenant_id, message, FAILED, f"whatsapp {code}", store, dead_contact=code == "131026")
        return "failed"
    return "ignored"


# ---------------------------------------------------------------------- SMS


def record_sms_statuses(entries: Iterable[Mapping[str, Any]], store: Table | None = None) -> int:
    """SNS SMS delivery status log entries; returns how many matched a reminder."""
    from cobranca.adapters.storage.tenants import list_tenants

    store = store or table()
    tenants = [tenant.tenant_id for tenant in list_tenants(store)]
    matched = 0
    for entry in entries:
        provider_id = str((entry.get("notification") or {}).get("messageId") or "")
        status = str(entry.get("status") or "")
        if not provider_id:
            continue
        # Maintenance: SNS logs carry no tenant, so each tenant's index is tried; a per-stage
        # provider-id index would make this one read when tenants grow past a few hundred.
        for tenant_id in tenants:
            message = _message_by_provider(tenant_id, "sms", provider_id, store)
            if message is None:
                continue
            matched += 1
            if status == "SUCCESS":
                confirm(tenant_id, message, provider_id, store)
            elif status == "FAILURE":
                reason = str((entry.get("delivery") or {}).get("providerResponse") or "failure")
                spend(tenant_id, message, FAILED, reason[:120], store, dead_contact=False)
            break
    return matched


# ---------------------------------------------------------------------- opt-out (LGPD)


def opt_out(
    tenant_id: str,
    customer_id: str,
    channels: list[str],
    source: str,
    *,
    store: Table | None = None,
) -> list[str]:
    """Record the customer's refusal of ``channels`` (``all`` for every one), with audit."""
    store = store or table()
    key = {"pk": keys.customer(tenant_id, customer_id), "sk": keys.OPT_OUT}
    current = store.get(key["pk"], key["sk"])
    before = sorted(set((current or {}).get("channels") or []))
    after = sorted(set(before) | set(channels))
    if after == before:
        return after
    now = clock.now()
    unit = UnitOfWork(tenant_id, store)
    unit.add(
        [
            Put(
                {**key, "type": "opt_out", "channels": after, "updated_at": now, "source": source},
            )
        ],
        [
            Change(
                f"customer:{customer_id}",
                "customer.opted_out",
                source,
                now,
                {"channels": before},
                {"channels": after},
            )
        ],
    )
    unit.commit()
    logger.info(
        "customer opted out of reminders",
        extra={"tenant": tenant_id, "customer_id": customer_id, "channels": after},
    )
    return after


# ---------------------------------------------------------------------- conversion


def record_conversion(
    tenant_id: str, receivable_id: str, paid_on: date, store: Table | None = None
) -> list[tuple[str, str]]:
    """Mark the reminders that preceded a payment as converted; returns (step, channel) pairs.

    A reminder converts when it was sent on or before ``paid_on`` and at most the policy's
    ``conversion_window_days`` before it. Each marker converts once (conditional write), so
    calling this again for the same payment, or for a later partial payment, counts nothing
    twice.
    """
    from cobranca.services.reminders.policies import load_policy

    store = store or table()
    policy = load_policy(tenant_id, store)
    window = timedelta(days=policy.conversion_window_days if policy else 7)
    converted: list[tuple[str, str]] = []
    markers = store.partition(keys.receivable(tenant_id, receivable_id), sk_prefix="REMINDER#")
    for marker in markers:
        if marker.get("state") != SENT or not marker.get("sent_on"):
            continue
        sent_on = date.fromisoformat(str(marker["sent_on"]))
        if not sent_on <= paid_on <= sent_on + window:
            continue
        try:
            store.update(
                Update(
                    {"pk": marker["pk"], "sk": marker["sk"]},
                    "SET converted_on = :paid",
                    condition="attribute_not_exists(converted_on)",
                    values={":paid": paid_on},
                )
            )
        except ConditionFailed:
            continue
        record_metric(
            tenant_id,
            paid_on,
            "RemindersConverted",
            channel=str(marker["channel"]),
            step=str(marker["step"]),
            count=1,
            store=store,
        )
        converted.append((str(marker["step"]), str(marker["channel"])))
    return converted


def message_sent_at(message: Item) -> datetime | None:
    """When a message was confirmed sent (for reports)."""
    value = message.get("sent_at") or message.get("confirmed_at")
    return None if value is None else datetime.fromisoformat(str(value))
