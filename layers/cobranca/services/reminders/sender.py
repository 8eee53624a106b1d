"""Send each envelope exactly once per receivable, step and channel, also across a crash.

The marker protocol
-------------------
Every (receivable, step, channel) has a marker item ``REMINDER#<step>#<channel>`` in the
receivable's partition, moved through its own states:

``reserved`` -> ``sending`` -> ``sent`` | ``failed`` | ``unknown``; or ``skipped`` (cap).

1. *Render first*, so a template error never leaves a reservation behind.
2. *Reserve* in one transaction: every marker of the message (condition: absent, or reserved
   by a holder that is gone), the message item, and the customer's daily counter (condition:
   under the cap). The holder is the SQS message id.
3. *Mark sending* just before the provider call.
4. *Call the provider*, passing the hub's message reference where the provider echoes it back
   (SES message tags, WhatsApp ``biz_opaque_callback_data``); none of the three providers takes
   an idempotency key.
5. *Mark sent* with the provider's id, in one transaction with the provider-id index item.

A holder is gone when the same SQS message comes back (SQS redelivers only after the previous
attempt failed or its visibility timeout passed) or when the reservation is older than the
queue's visibility timeout plus a margin. Then:

- ``reserved``: the provider was never called, so the message is taken over and sent.
- ``sending``: the provider may have accepted it. The channel's own record decides: a status
  callback carrying the reference (see :mod:`.delivery`) has already moved the marker to
  ``sent``. Without one the outcome is **unknown**, and the documented policy is *never send
  twice on the same channel*: the marker becomes ``unknown``, counted as failed, and with
  ``strategy: first`` the next channel is tried (a different channel is not a duplicate).

A provider's definite refusal marks ``failed`` (and, for a dead contact, records it so it is
skipped afterwards), then the next channel is tried. A transient refusal (throttling, the
provider down) releases the reservation and fails the SQS record so it is retried.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cobranca.adapters import channels
from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    WhatsAppTemplate,
)
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import (
    ConditionFailed,
    Delete,
    Item,
    Put,
    Table,
    Update,
    Write,
    table,
)
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.late_charges import Juros, LateChargeRules, Multa, quote
from cobranca.domain.money import ZERO, format_brl
from cobranca.domain.reminders import (
    CHANNELS,
    ReminderPolicy,
    is_quiet,
    next_send_time,
)
from cobranca.model.customers import Customer
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger
from cobranca.services import links
from cobranca.services.reminders.policies import calendar_of, load_policy
from cobranca.services.reminders.state import (
    DONE_STATES,
    FAILED,
    MESSAGE,
    RESERVED,
    SENDING,
    SENT,
    SKIPPED,
    UNKNOWN,
    EnvelopeMessage,
    count_marker,
    hold,
)

VISIBILITY_TIMEOUT = timedelta(seconds=180)
"""ReminderQueue's VisibilityTimeout in template.yaml: a redelivery comes no sooner."""

STALE_AFTER = VISIBILITY_TIMEOUT + timedelta(seconds=60)
PAY_LINK_TTL = timedelta(days=30)
UNSUBSCRIBE_TTL = timedelta(days=90)
COUNTER_TTL = timedelta(days=40)


class RetryLater(Exception):
    """The provider was certainly not reached; the SQS record must come back."""


# ---------------------------------------------------------------------- contacts


def contact_digest(contact: str) -> str:
    """A key-safe fingerprint of a contact (the contact itself stays out of keys)."""
    return hashlib.sha256(contact.strip().lower().encode()).hexdigest()[:20]


def opted_out(partition: Sequence[Item]) -> set[str]:
    """Channels the customer opted out of, from the customer partition."""
    item = next((entry for entry in partition if entry["sk"] == keys.OPT_OUT), None)
    return set(item.get("channels") or []) if item else set()


def contacts(partition: Sequence[Item]) -> dict[str, str]:
    """The contact to use on each channel the customer can receive.

    A channel is open when the ERP recorded consent for it, the customer did not opt out here,
    and a valid contact remains that has not bounced (SMS and WhatsApp need a mobile line).
    """
    from cobranca.model.contacts import is_mobile

    profile = next((entry for entry in partition if entry["sk"] == keys.PROFILE), None)
    if profile is None:
        return {}
    customer = Customer.model_validate(profile["profile"])
    refused = opted_out(partition)
    bounced = {str(entry["sk"]) for entry in partition if str(entry["sk"]).startswith("BOUNCED#")}
    found: dict[str, str] = {}
    for channel in CHANNELS:
        if channel in refused or "all" in refused or not customer.consent.allows(channel):
            continue
        pool = customer.emails if channel == "email" else customer.phones
        for contact in pool:
            if channel != "email" and not is_mobile(contact):
                continue
            if keys.customer_bounced(channel, contact_digest(contact)) in bounced:
                continue
            found[channel] = contact
            break
    return found


def reachable_channels(partition: Sequence[Item]) -> set[str]:
    """Channels on which the customer can be reached (for the dry run)."""
    return set(contacts(partition))


# ---------------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("cobranca", "templates/reminders"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def render(name: str, context: dict[str, Any]) -> str:
    """Render one reminder template (``email.html.j2``, ``sms.txt.j2``...)."""
    return str(_environment().get_template(name).render(**context)).strip()


def _charge_rules(tenant: Tenant) -> LateChargeRules:
    return LateChargeRules(
        multa=Multa.percent(tenant.late_charges.fine_percent),
        juros=Juros.percent_per_month(tenant.late_charges.interest_percent_per_month),
    )


def _offer_url(flags: dict[str, Any]) -> str | None:
    # The renegotiation engineer's offer link, when the receivable carries one.
    offer = flags.get("offer")
    for value in (
        flags.get("offer_url"),
        flags.get("offer_link"),
        offer.get("url") if isinstance(offer, dict) else None,
    ):
        if isinstance(value, str) and value:
            return value
    return None


def message_context(
    tenant: Tenant,
    customer: Customer,
    records: Sequence[ReceivableRecord],
    *,
    template: str,
    today: date,
    calendar: BusinessCalendar,
    channel: str,
) -> dict[str, Any]:
    """Everything the templates show: amounts updated today, instruments and links."""
    rules = _charge_rules(tenant)
    consumer = tenant.consumer_customers and customer.kind == "person"
    items = []
    total = ZERO
    for record in records:
        receivable = record.receivable
        charge = record.charge if isinstance(record.charge, dict) else {}
        updated = record.balance
        days_late = 0
        if record.balance > 0:
            priced = quote(
                record.balance, receivable.due_date, today, rules, calendar, consumer=consumer
            )
            updated, days_late = priced.total, priced.days_late
        total += updated
        pay_token = links.sign("pay", tenant.tenant_id, record.receivable_id, ttl=PAY_LINK_TTL)
        items.append(
            {
                "receivable_id": record.receivable_id,
                "number": receivable.number,
                "description": receivable.description,
                "due_date": receivable.due_date.strftime("%d/%m/%Y"),
                "original": format_brl(record.balance),
                "updated": format_brl(updated),
                "updated_amount": updated,
                "days_late": days_late,
                "linha_digitavel": charge.get("linha_digitavel"),
                "pix": charge.get("pix_payload") or charge.get("pix_copia_e_cola"),
                "payment_url": links.url_for("pay", pay_token),
                "offer_url": _offer_url(record.flags),
            }
        )
    unsubscribe = links.sign(
        "unsubscribe",
        tenant.tenant_id,
        customer.customer_id,
        ttl=UNSUBSCRIBE_TTL,
        extra={"c": channel},
    )
    name = customer.name.split()[0].title() if customer.kind == "person" else customer.name
    return {
        "tenant_name": tenant.name,
        "customer_name": name,
        "template": template,
        "items": items,
        "count": len(items),
        "total": format_brl(total),
        "total_amount": total,
        "unsubscribe_url": links.url_for("unsubscribe", unsubscribe),
    }


def build_message(
    channel: str, to: str, reference: str, tenant_id: str, context: dict[str, Any]
) -> OutgoingMessage:
    """The rendered message for one channel."""
    from cobranca.adapters.channels.sms_sns import SEGMENT, fit_segment, gsm7_length, to_gsm7

    if channel == "email":
        return OutgoingMessage(
            "email",
            to,
            reference,
            tenant_id,
            subject=" ".join(render("subject.txt.j2", context).split()),
            text=render("email.txt.j2", context),
            html=render("email.html.j2", context),
            unsubscribe_url=context["unsubscribe_url"],
            tags={"sender_name": context["tenant_name"]},
        )
    if channel == "sms":
        text = render("sms.txt.j2", context | {"link": context["items"][0]["payment_url"]})
        if gsm7_length(to_gsm7(" ".join(text.split()))) > SEGMENT:
            text = render("sms.txt.j2", context | {"link": None})
        return OutgoingMessage("sms", to, reference, tenant_id, text=fit_segment(text))
    parameters = json.loads(render("whatsapp.json.j2", context))
    return OutgoingMessage(
        "whatsapp",
        to,
        reference,
        tenant_id,
        whatsapp=WhatsAppTemplate(
            name=f"cobranca_{context['template']}",
            language="pt_BR",
            parameters=tuple(str(value) for value in parameters),
        ),
    )


# ---------------------------------------------------------------------- the sender


@dataclass
class SendReport:
    """What one envelope did, channel by channel."""

    sent: list[tuple[str, str, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    held_until: datetime | None = None


@dataclass
class _Context:
    envelope: EnvelopeMessage
    tenant: Tenant
    policy: ReminderPolicy
    calendar: BusinessCalendar
    customer: Customer
    reach: dict[str, str]
    records: dict[str, ReceivableRecord]
    markers: dict[tuple[str, str, str], Item]
    messages: dict[str, Item]
    holder: str
    now: datetime
    local_day: date
    report: SendReport


Provider = Callable[[OutgoingMessage], str]


class Sender:
    """Processes ReminderQueue envelopes; construct once per process."""

    def __init__(self, store: Table | None = None, provider: Provider | None = None) -> None:
        self.store = store or table()
        self.provider = provider or channels.send

    # ------------------------------------------------------------------ entry point

    def process(self, body: dict[str, Any], holder: str) -> SendReport:
        """Send one envelope; raises :class:`RetryLater` when the record must come back."""
        envelope = EnvelopeMessage.from_json(body)
        report = SendReport()
        tenant = load_tenant(envelope.tenant_id, self.store)
        policy = load_policy(envelope.tenant_id, self.store)
        if policy is None or not tenant.enabled:
            logger.info("reminder dropped: no policy", extra={"tenant": tenant.tenant_id})
            return report

        calendar = calendar_of(tenant)
        now = clock.now()
        local = now.astimezone(ZoneInfo(tenant.timezone))
        if local.date() > envelope.deadline:
            logger.warning(
                "reminder envelope expired",
                extra={"tenant": tenant.tenant_id, "envelope": envelope.envelope_id},
            )
            return report
        if is_quiet(policy, local, calendar):
            report.held_until = next_send_time(policy, local, calendar)
            hold(envelope, report.held_until, self.store)
            return report

        partition = self.store.partition(keys.customer(tenant.tenant_id, envelope.customer_id))
        profile = next((entry for entry in partition if entry["sk"] == keys.PROFILE), None)
        if profile is None:
            logger.warning(
                "reminder for an unknown customer",
                extra={"tenant": tenant.tenant_id, "customer_id": envelope.customer_id},
            )
            return report
        context = _Context(
            envelope=envelope,
            tenant=tenant,
            policy=policy,
            calendar=calendar,
            customer=Customer.model_validate(profile["profile"]),
            reach=contacts(partition),
            records={},
            markers={},
            messages={},
            holder=holder,
            now=now,
            local_day=local.date(),
            report=report,
        )
        self._load(context)
        for _ in range(len(CHANNELS) + 1):
            plan = self._plan(context)
            if not plan:
                break
            for channel, items in plan.items():
                self._send(context, channel, items)
        return report

    # ------------------------------------------------------------------ reading

    def _load(self, context: _Context) -> None:
        envelope = context.envelope
        tenant_id = envelope.tenant_id
        wanted: list[dict[str, str]] = []
        for rid, step in envelope.items:
            pk = keys.receivable(tenant_id, rid)
            wanted.append({"pk": pk, "sk": keys.RECEIVABLE})
            wanted.extend(
                {"pk": pk, "sk": keys.reminder_marker(step, channel)} for channel in CHANNELS
            )
        found = self.store.batch_get(wanted)
        for (_pk, sk), item in found.items():
            if sk == keys.RECEIVABLE:
                record = ReceivableRecord.from_item(item)
                context.records[record.receivable_id] = record
            else:
                marker = (str(item["receivable_id"]), str(item["step"]), str(item["channel"]))
                context.markers[marker] = item

    def _alive(self, context: _Context, item: Item) -> bool:
        """A reservation whose holder may still be working on it."""
        if item.get("holder") == context.holder:
            return False
        reserved_at = datetime.fromisoformat(str(item["reserved_at"]))
        return context.now - reserved_at < STALE_AFTER

    def _state(self, context: _Context, rid: str, step: str, channel: str) -> str | None:
        """The marker's state after resolving a gone holder's ``sending`` to ``unknown``."""
        item = context.markers.get((rid, step, channel))
        if item is None:
            return None
        state = str(item["state"])
        if state in {RESERVED, SENDING} and self._alive(context, item):
            return "busy"
        if state == SENDING:
            self._resolve_unknown(context, item)
            return UNKNOWN
        if state == RESERVED:
            return None
        return state

    def _resolve_unknown(self, context: _Context, item: Item) -> None:
        # No status callback moved it to sent: the provider's outcome cannot be known, and the
        # policy is never to send twice on one channel.
        try:
            self.store.update(
                Update(
                    {"pk": item["pk"], "sk": item["sk"]},
                    "SET #s = :unknown, resolved_at = :at, reason = :why",
                    condition="#s = :sending",
                    names={"#s": "state"},
                    values={
                        ":unknown": UNKNOWN,
                        ":sending": SENDING,
                        ":at": context.now,
                        ":why": "crashed while sending; no provider record of the outcome",
                    },
                )
            )
        except ConditionFailed:
            return
        item["state"] = UNKNOWN
        count_marker(
            context.envelope.tenant_id, context.local_day, "RemindersFailed", item, self.store
        )
        logger.warning(
            "reminder outcome unknown after a crash; not resent on this channel",
            extra={
                "tenant": context.envelope.tenant_id,
                "receivable_id": item["receivable_id"],
                "step": item["step"],
                "channel": item["channel"],
            },
        )

    # ------------------------------------------------------------------ planning

    def _plan(self, context: _Context) -> dict[str, list[tuple[str, str]]]:
        """Which items go out on which channel in this round (channels in a fixed order)."""
        plan: dict[str, list[tuple[str, str]]] = {}
        for rid, step_id in context.envelope.items:
            record = context.records.get(rid)
            if record is None or not record.is_open:
                continue
            try:
                step = context.policy.step(step_id)
            except KeyError:
                continue
            states = {
                channel: self._state(context, rid, step_id, channel) for channel in step.channels
            }
            if step.strategy == "first" and any(
                state in DONE_STATES or state == "busy" for state in states.values()
            ):
                continue
            open_channels = [
                channel
                for channel in step.channels
                if states[channel] is None and channel in context.reach
            ]
            chosen = open_channels if step.strategy == "all" else open_channels[:1]
            for channel in chosen:
                plan.setdefault(channel, []).append((rid, step_id))
        return {channel: plan[channel] for channel in CHANNELS if channel in plan}

    # ------------------------------------------------------------------ one message

    def _send(self, context: _Context, channel: str, items: list[tuple[str, str]]) -> None:
        envelope = context.envelope
        tenant_id = envelope.tenant_id
        key = envelope.message_key(channel, items)
        records = [context.records[rid] for rid, _ in items]
        rendered = message_context(
            context.tenant,
            context.customer,
            records,
            template=envelope.template,
            today=context.local_day,
            calendar=context.calendar,
            channel=channel,
        )
        message = build_message(channel, context.reach[channel], key, tenant_id, rendered)

        items = self._reserve(context, channel, key, items)
        if not items:
            return
        self._transition(context, channel, key, items, before=RESERVED, after=SENDING, extra={})

        try:
            provider_id = self.provider(message)
        except PermanentFailure as refusal:
            self._failed(context, channel, key, items, refusal)
            return
        except TransientFailure as refusal:
            self._release(context, channel, key, items)
            raise RetryLater(str(refusal)) from None

        self._sent(context, channel, key, items, provider_id=provider_id, rendered=rendered)

    def _marker_key(self, context: _Context, rid: str, step: str, channel: str) -> dict[str, str]:
        return {
            "pk": keys.receivable(context.envelope.tenant_id, rid),
            "sk": keys.reminder_marker(step, channel),
        }

    def _reserve(
        self, context: _Context, channel: str, key: str, items: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """Reserve the markers, the message and a place under the cap; return what is ours."""
        envelope = context.envelope
        tenant_id = envelope.tenant_id
        takeover = (
            "attribute_not_exists(pk) OR "
            "(#s = :reserved AND (holder = :me OR reserved_at < :stale))"
        )
        values = {
            ":reserved": RESERVED,
            ":me": context.holder,
            ":stale": context.now - STALE_AFTER,
        }
        pending = list(items)
        if key not in context.messages:
            # A message item left by a crashed attempt already counted against the cap.
            previous = self.store.get(keys.reminder_message(tenant_id, key), MESSAGE)
            if previous is not None:
                context.messages[key] = previous
        for _ in range(3):
            if not pending:
                return []
            writes: list[Write] = []
            for rid, step in pending:
                writes.append(
                    Put(
                        {
                            **self._marker_key(context, rid, step, channel),
                            "type": "reminder",
                            "state": RESERVED,
                            "receivable_id": rid,
                            "customer_id": envelope.customer_id,
                            "step": step,
                            "channel": channel,
                            "message_key": key,
                            "plan_date": envelope.plan_date,
                            "holder": context.holder,
                            "reserved_at": context.now,
                        },
                        condition=takeover,
                        names={"#s": "state"},
                        values=values,
                    )
                )
            first_attempt = key not in context.messages
            writes.append(
                Put(
                    {
                        "pk": keys.reminder_message(tenant_id, key),
                        "sk": MESSAGE,
                        "type": "reminder_message",
                        "message_key": key,
                        "tenant_id": tenant_id,
                        "customer_id": envelope.customer_id,
                        "channel": channel,
                        "state": RESERVED,
                        "holder": context.holder,
                        "reserved_at": context.now,
                        "items": [{"receivable_id": rid, "step": step} for rid, step in pending],
                        "envelope": envelope.to_json(),
                        "contact_digest": contact_digest(context.reach[channel]),
                        "local_day": context.local_day,
                    },
                    condition=takeover,
                    names={"#s": "state"},
                    values=values,
                )
            )
            if first_attempt:
                writes.append(
                    Update(
                        {
                            "pk": keys.customer(tenant_id, envelope.customer_id),
                            "sk": keys.customer_sent_on(context.local_day),
                        },
                        "ADD n :one SET expires_at = :ttl",
                        condition="attribute_not_exists(n) OR n < :cap",
                        values={
                            ":one": 1,
                            ":cap": context.policy.max_messages_per_customer_per_day,
                            ":ttl": int((context.now + COUNTER_TTL).timestamp()),
                        },
                    )
                )
            try:
                self.store.transact(writes)
            except ConditionFailed as failure:
                failed = set(failure.failed_indexes())
                if first_attempt and len(writes) - 1 in failed:
                    self._skip_capped(context, channel, pending)
                    return []
                if len(pending) in failed:
                    # The same message is held by a live duplicate delivery: it sends it.
                    self._reload_markers(context, channel, pending)
                    return []
                taken = [pending[index] for index in sorted(failed) if index < len(pending)]
                self._reload_markers(context, channel, taken)
                pending = [item for item in pending if item not in taken]
                continue
            for rid, step in pending:
                context.markers[(rid, step, channel)] = {
                    **self._marker_key(context, rid, step, channel),
                    "state": RESERVED,
                    "holder": context.holder,
                    "reserved_at": context.now.isoformat(),
                    "receivable_id": rid,
                    "step": step,
                    "channel": channel,
                }
            context.messages[key] = {"message_key": key, "state": RESERVED}
            return pending
        return []

    def _reload_markers(
        self, context: _Context, channel: str, items: list[tuple[str, str]]
    ) -> None:
        found = self.store.batch_get(
            [self._marker_key(context, rid, step, channel) for rid, step in items]
        )
        for item in found.values():
            context.markers[(str(item["receivable_id"]), str(item["step"]), channel)] = item

    def _skip_capped(self, context: _Context, channel: str, items: list[tuple[str, str]]) -> None:
        for rid, step in items:
            marker = {
                **self._marker_key(context, rid, step, channel),
                "type": "reminder",
                "state": SKIPPED,
                "reason": "daily cap per customer reached",
                "receivable_id": rid,
                "customer_id": context.envelope.customer_id,
                "step": step,
                "channel": channel,
                "plan_date": context.envelope.plan_date,
                "reserved_at": context.now,
            }
            try:
                self.store.put(Put(marker, condition="attribute_not_exists(pk)"))
            except ConditionFailed:
                continue
            context.markers[(rid, step, channel)] = marker
            context.report.skipped.append((rid, f"{step}:{channel}:cap"))
        logger.info(
            "reminder over the daily cap; skipped",
            extra={
                "tenant": context.envelope.tenant_id,
                "customer_id": context.envelope.customer_id,
                "channel": channel,
            },
        )

    def _transition(
        self,
        context: _Context,
        channel: str,
        key: str,
        items: list[tuple[str, str]],
        *,
        before: str,
        after: str,
        extra: dict[str, Any],
        message_extra: dict[str, Any] | None = None,
        more: Sequence[Write] = (),
    ) -> None:
        """Move the message and its markers from ``before`` to ``after``, all or nothing."""
        tenant_id = context.envelope.tenant_id
        sets = ", ".join(["#s = :after", *[f"#{name} = :{name}" for name in extra]])
        names = {"#s": "state"} | {f"#{name}": name for name in extra}
        values = {":after": after, ":before": before, ":me": context.holder} | {
            f":{name}": value for name, value in extra.items()
        }
        condition = "#s = :before AND holder = :me"
        writes: list[Write] = [
            Update(
                self._marker_key(context, rid, step, channel),
                f"SET {sets}",
                condition=condition,
                names=names,
                values=values,
            )
            for rid, step in items
        ]
        message_sets = dict(extra) | dict(message_extra or {})
        writes.append(
            Update(
                {"pk": keys.reminder_message(tenant_id, key), "sk": MESSAGE},
                "SET "
                + ", ".join(["#s = :after", *[f"#{name} = :{name}" for name in message_sets]]),
                condition=condition,
                names={"#s": "state"} | {f"#{name}": name for name in message_sets},
                values={":after": after, ":before": before, ":me": context.holder}
                | {f":{name}": value for name, value in message_sets.items()},
            )
        )
        writes.extend(more)
        self.store.transact(writes)
        for rid, step in items:
            context.markers[(rid, step, channel)]["state"] = after

    def _sent(
        self,
        context: _Context,
        channel: str,
        key: str,
        items: list[tuple[str, str]],
        *,
        provider_id: str,
        rendered: dict[str, Any],
    ) -> None:
        tenant_id = context.envelope.tenant_id
        reference = Put(
            {
                "pk": keys.message_ref(tenant_id, channel, provider_id),
                "sk": MESSAGE,
                "type": "message_ref",
                "message_key": key,
                "channel": channel,
                "tenant_id": tenant_id,
            }
        )
        try:
            self._transition(
                context,
                channel,
                key,
                items,
                before=SENDING,
                after=SENT,
                extra={
                    "provider_id": provider_id,
                    "sent_at": context.now,
                    "sent_on": context.local_day,
                },
                message_extra={"total": rendered["total_amount"]},
                more=[reference],
            )
        except ConditionFailed:
            # A status callback got there first and already marked the message sent.
            self.store.put(reference)
        for rid, step in items:
            marker = context.markers[(rid, step, channel)]
            count_marker(tenant_id, context.local_day, "RemindersSent", marker, self.store)
        context.report.sent.append((channel, provider_id, len(items)))
        logger.info(
            "reminder sent",
            extra={
                "tenant": tenant_id,
                "customer_id": context.envelope.customer_id,
                "channel": channel,
                "message_key": key,
                "provider_id": provider_id,
                "receivables": len(items),
            },
        )

    def _failed(
        self,
        context: _Context,
        channel: str,
        key: str,
        items: list[tuple[str, str]],
        refusal: PermanentFailure,
    ) -> None:
        tenant_id = context.envelope.tenant_id
        contact = context.reach[channel]
        dead_contact = Put(
            {
                "pk": keys.customer(tenant_id, context.envelope.customer_id),
                "sk": keys.customer_bounced(channel, contact_digest(contact)),
                "type": "bounced_contact",
                "channel": channel,
                "reason": refusal.code,
                "at": context.now,
            }
        )
        uncount = Update(
            {
                "pk": keys.customer(tenant_id, context.envelope.customer_id),
                "sk": keys.customer_sent_on(context.local_day),
            },
            "ADD n :minus",
            values={":minus": -1},
        )
        self._transition(
            context,
            channel,
            key,
            items,
            before=SENDING,
            after=FAILED,
            extra={"reason": refusal.code, "failed_at": context.now},
            more=[dead_contact, uncount],
        )
        context.reach.pop(channel, None)
        for rid, step in items:
            marker = context.markers[(rid, step, channel)]
            count_marker(tenant_id, context.local_day, "RemindersFailed", marker, self.store)
            context.report.failed.append((rid, f"{step}:{channel}:{refusal.code}"))
        logger.warning(
            "reminder refused by the provider",
            extra={
                "tenant": tenant_id,
                "customer_id": context.envelope.customer_id,
                "channel": channel,
                "code": refusal.code,
            },
        )

    def _release(
        self, context: _Context, channel: str, key: str, items: list[tuple[str, str]]
    ) -> None:
        """Give the reservation back: the provider certainly did not take the message."""
        tenant_id = context.envelope.tenant_id
        condition = "holder = :me"
        mine = {":me": context.holder}
        writes: list[Write] = [
            Delete(self._marker_key(context, rid, step, channel), condition, values=mine)
            for rid, step in items
        ]
        writes.append(
            Delete(
                {"pk": keys.reminder_message(tenant_id, key), "sk": MESSAGE}, condition, values=mine
            )
        )
        writes.append(
            Update(
                {
                    "pk": keys.customer(tenant_id, context.envelope.customer_id),
                    "sk": keys.customer_sent_on(context.local_day),
                },
                "ADD n :minus",
                values={":minus": -1},
            )
        )
        self.store.transact(writes)
