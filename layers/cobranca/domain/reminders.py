"""The régua de cobrança: a tenant's reminder policy and the pure rules that plan with it.

Terms
-----
- **step**: a day relative to the due date (``D-3``, ``D0``, ``D+5``) with channels, a template,
  conditions and an action; steps are ordered by offset and each fires at most once per
  receivable.
- **action**: ``reminder`` (send a message), ``fee`` (add a percentage or a fixed amount to
  the balance), ``renegotiation`` (start the renegotiation state machine) or ``negativacao``
  (flag the receivable for the credit bureaus). Any step may also carry channels, so a fee
  step can tell the customer about the fee.
- **envelope**: what goes to one customer on one planning day: every receivable of the
  customer that reached a step, consolidated into one message per channel.

Policies
--------
*Planning days.* The planner works on business days of the tenant's calendar. A step whose
date falls on a weekend or holiday is planned on the next business day; a window of target
dates ``(last planned day, today]`` is covered so nothing is skipped and nothing repeats. After
downtime the window reaches back at most ``catch_up_days``.

*One message per receivable per day.* When one window holds several steps of a receivable
(after downtime), every action is applied in order but only the latest step with channels
sends a message: a stale "vence em 3 dias" is never sent after the due date.

*Quiet hours and days.* Nothing is sent between ``quiet_hours.start`` and ``quiet_hours.end``
local time, nor on Sundays or holidays unless the tenant allows them. Saturdays are sending
days (a message held on Friday night goes out Saturday morning) but not planning days.

*Channels.* With ``strategy: first`` a step is delivered on the first of its channels that the
customer can receive (consent, a valid contact, no opt-out); when that channel fails or
bounces, the next one is tried. With ``strategy: all`` each reachable channel gets the message.

*Frequency cap.* At most ``max_messages_per_customer_per_day`` messages (one per channel
sent) per customer per local day; a message over the cap is not sent that day and is recorded
as skipped, since the next step supersedes it.

*Dry run.* :func:`simulate` plays the same rules day by day over a range, assuming the planner
runs every planning day, every send succeeds and no receivable is paid in the range.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.money import money, percent_of
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Channel = Literal["email", "sms", "whatsapp"]
ActionKind = Literal["reminder", "fee", "renegotiation", "negativacao"]
Strategy = Literal["first", "all"]
OpenStatus = Literal["open", "partially_paid"]

CHANNELS: tuple[Channel, ...] = ("email", "sms", "whatsapp")
TEMPLATES = frozenset({"lembrete", "vencimento", "atraso", "aviso_taxa", "negativacao"})
"""Message templates shipped in ``cobranca/templates/reminders`` (one set per name)."""

MAX_STEPS = 20
MAX_ITEMS_PER_ENVELOPE = 40
SUNDAY = 6
_STEP_ID = re.compile(r"^[A-Za-z0-9_+-]{1,24}$")


class PolicyError(ValueError):
    """A policy that cannot be saved; ``errors`` lists each bad field with its reason."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        fields = ", ".join(f"{error['field']}: {error['message']}" for error in errors)
        super().__init__(f"invalid reminder policy ({fields})")
        self.errors = errors


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError("give amounts as strings or integers, never floats")
    if isinstance(value, Decimal | int | str):
        return Decimal(str(value).strip())
    raise ValueError(f"not a number: {value!r}")


def step_name(offset_days: int) -> str:
    """The conventional id of a step: ``D-3``, ``D0``, ``D+5``."""
    return f"D{offset_days:+d}" if offset_days else "D0"


class Conditions(BaseModel):
    """Which receivables a step applies to; an empty condition lets everything through."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    min_amount: Decimal | None = None
    segments: tuple[str, ...] | None = None
    statuses: tuple[OpenStatus, ...] = ("open", "partially_paid")

    @field_validator("min_amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Decimal | None:
        if value is None:
            return None
        amount = money(_decimal(value))
        if amount < 0:
            raise ValueError("cannot be negative")
        return amount

    @field_validator("statuses")
    @classmethod
    def _some_status(cls, value: tuple[OpenStatus, ...]) -> tuple[OpenStatus, ...]:
        if not value:
            raise ValueError("name at least one status (open, partially_paid)")
        return value

    def admits(self, balance: Decimal, status: str, segment: str | None) -> bool:
        """True when a receivable with this balance, status and customer segment qualifies."""
        if status not in self.statuses:
            return False
        if self.min_amount is not None and balance < self.min_amount:
            return False
        return self.segments is None or segment in self.segments


class Action(BaseModel):
    """What a step does besides (or instead of) sending its message."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: ActionKind = "reminder"
    fee_percent: Decimal | None = None
    fee_amount: Decimal | None = None

    @field_validator("fee_percent", "fee_amount", mode="before")
    @classmethod
    def _number(cls, value: object) -> Decimal | None:
        return None if value is None else _decimal(value)

    @model_validator(mode="after")
    def _fee_shape(self) -> Action:
        given = [value for value in (self.fee_percent, self.fee_amount) if value is not None]
        if self.kind != "fee":
            if given:
                raise ValueError("fee_percent and fee_amount belong to a fee action")
            return self
        if len(given) != 1:
            raise ValueError("a fee action needs exactly one of fee_percent or fee_amount")
        if self.fee_percent is not None and not Decimal(0) < self.fee_percent <= 100:
            raise ValueError("fee_percent must be above 0 and at most 100")
        if self.fee_amount is not None and money(self.fee_amount) <= 0:
            raise ValueError("fee_amount must be positive")
        return self

    def fee_on(self, balance: Decimal) -> Decimal:
        """The fee this action adds to ``balance`` (rounded once, by the money policy)."""
        if self.fee_amount is not None:
            return money(self.fee_amount)
        if self.fee_percent is None:
            raise ValueError("not a fee action")
        return percent_of(balance, self.fee_percent)


class Step(BaseModel):
    """One rung of the régua."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str = ""
    offset_days: int = Field(ge=-60, le=365)
    channels: tuple[Channel, ...] = ()
    strategy: Strategy = "first"
    template: str | None = None
    conditions: Conditions = Field(default_factory=Conditions)
    action: Action = Field(default_factory=Action)

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id") and "offset_days" in data:
            offset = data["offset_days"]
            if isinstance(offset, int) and not isinstance(offset, bool):
                return {**data, "id": step_name(offset)}
        return data

    @model_validator(mode="after")
    def _coherent(self) -> Step:
        if not _STEP_ID.match(self.id):
            raise ValueError("id must be 1-24 letters, digits, _ + or -")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel is listed twice")
        if self.action.kind == "reminder" and not self.channels:
            raise ValueError("a reminder step needs at least one channel")
        if self.action.kind == "renegotiation" and self.channels:
            raise ValueError("a renegotiation step sends no message itself (the offer does)")
        if self.channels and self.template is None:
            raise ValueError("a step with channels needs a template")
        if self.template is not None and self.template not in TEMPLATES:
            known = ", ".join(sorted(TEMPLATES))
            raise ValueError(f"unknown template {self.template!r}; known: {known}")
        return self

    @property
    def sends(self) -> bool:
        return bool(self.channels)

    def target_date(self, due_date: date) -> date:
        """The calendar day this step is meant for."""
        return due_date + timedelta(days=self.offset_days)


class QuietHours(BaseModel):
    """Local hours without messages: from ``start`` to ``end`` (across midnight when needed)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    start: time = time(20, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start > self.end:
            return moment >= self.start or moment < self.end
        return self.start <= moment < self.end


class ReminderPolicy(BaseModel):
    """A tenant's régua, stored as a versioned document and validated when saved."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    steps: tuple[Step, ...] = Field(min_length=1, max_length=MAX_STEPS)
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    send_on_sundays: bool = False
    send_on_holidays: bool = False
    max_messages_per_customer_per_day: int = Field(default=3, ge=1, le=20)
    conversion_window_days: int = Field(default=7, ge=1, le=60)
    catch_up_days: int = Field(default=7, ge=0, le=30)

    @model_validator(mode="after")
    def _ordered(self) -> ReminderPolicy:
        offsets = [step.offset_days for step in self.steps]
        if offsets != sorted(set(offsets)):
            raise ValueError("steps must be in rising order of offset_days, one per offset")
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        return self

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r} in the policy")

    @property
    def uses_segments(self) -> bool:
        return any(step.conditions.segments is not None for step in self.steps)

    def to_document(self) -> dict[str, Any]:
        """The JSON form stored and shown (amounts as strings)."""
        return self.model_dump(mode="json")


def parse_policy(raw: Mapping[str, Any]) -> ReminderPolicy:
    """Validate a policy document; raise :class:`PolicyError` naming every bad field."""
    try:
        return ReminderPolicy.model_validate(dict(raw))
    except ValidationError as error:
        errors = [
            {
                "field": ".".join(str(part) for part in item["loc"]) or "policy",
                "message": str(item["msg"]).removeprefix("Value error, "),
            }
            for item in error.errors()
        ]
        raise PolicyError(errors) from None


# ---------------------------------------------------------------------- days and hours


def is_planning_day(day: date, calendar: BusinessCalendar) -> bool:
    """The planner works on business days only (see the module's policies)."""
    return calendar.is_business_day(day)


def is_quiet(policy: ReminderPolicy, local: datetime, calendar: BusinessCalendar) -> bool:
    """True when nothing may be sent at this local instant."""
    day = local.date()
    if day.weekday() == SUNDAY and not policy.send_on_sundays:
        return True
    if calendar.is_holiday(day) and not policy.send_on_holidays:
        return True
    return policy.quiet_hours.contains(local.time())


def next_send_time(policy: ReminderPolicy, local: datetime, calendar: BusinessCalendar) -> datetime:
    """The first instant at or after ``local`` when sending is allowed (same time zone)."""
    candidate = local
    end = policy.quiet_hours.end
    for _ in range(60):
        if not is_quiet(policy, candidate, calendar):
            return candidate
        opening = candidate.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        candidate = opening if opening > candidate else opening + timedelta(days=1)
    raise ValueError("the policy leaves no time to send in the next two months")


def planning_window(
    policy: ReminderPolicy,
    planned_through: date | None,
    today: date,
    calendar: BusinessCalendar,
) -> tuple[date, date] | None:
    """The target dates ``[first, last]`` a run on ``today`` covers, or None when done.

    The window starts the day after the last planned day, never more than ``catch_up_days``
    back; a tenant's first run starts after the previous business day, as if the planner had
    run then (which is what the dry run assumes too). It ends today.
    """
    if planned_through is not None and planned_through >= today:
        return None
    last_planned = planned_through or calendar.previous_business_day(today)
    earliest = today - timedelta(days=policy.catch_up_days)
    return max(last_planned + timedelta(days=1), earliest), today


def due_range(step: Step, window: tuple[date, date]) -> tuple[date, date]:
    """Due dates whose target date for ``step`` falls in ``window``."""
    first, last = window
    shift = timedelta(days=step.offset_days)
    return first - shift, last - shift


def month_slices(first: date, last: date) -> list[tuple[date, date]]:
    """``[first, last]`` cut at month boundaries (one index partition per month)."""
    slices = []
    start = first
    while start <= last:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(last, following - timedelta(days=1))
        slices.append((start, end))
        start = following
    return slices


# ---------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Candidate:
    """An open receivable as the planner sees it."""

    receivable_id: str
    customer_id: str
    due_date: date
    balance: Decimal
    status: str
    segment: str | None = None


@dataclass(frozen=True)
class Planned:
    """A step reached by a receivable in a planning window; ``send`` says it carries a message."""

    candidate: Candidate
    step: Step
    send: bool

    @property
    def receivable_id(self) -> str:
        return self.candidate.receivable_id


def select(
    policy: ReminderPolicy, candidates: Iterable[Candidate], window: tuple[date, date]
) -> list[Planned]:
    """Every step each candidate reaches in ``window``, in step order.

    Actions apply for each step reached; only the latest reached step with channels sends.
    """
    first, last = window
    planned: list[Planned] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.receivable_id in seen:
            continue
        seen.add(candidate.receivable_id)
        reached = [
            step
            for step in policy.steps
            if first <= step.target_date(candidate.due_date) <= last
            and step.conditions.admits(candidate.balance, candidate.status, candidate.segment)
        ]
        senders = [step for step in reached if step.sends]
        latest = senders[-1] if senders else None
        planned.extend(Planned(candidate, step, step is latest) for step in reached)
    return planned


@dataclass(frozen=True)
class EnvelopeItem:
    receivable_id: str
    step_id: str


@dataclass(frozen=True)
class Envelope:
    """One customer's consolidated reminders for one planning day."""

    customer_id: str
    plan_date: date
    template: str
    items: tuple[EnvelopeItem, ...]

    @property
    def receivable_ids(self) -> list[str]:
        return [item.receivable_id for item in self.items]


def consolidate(planned: Iterable[Planned], plan_date: date) -> list[Envelope]:
    """Group the day's messages by customer, at most 40 receivables per envelope.

    The template is the one of the most advanced step in the envelope, so a customer with one
    receivable due soon and one overdue hears the overdue wording. Each receivable keeps its
    own step (and so its channels); the sender sends one message per channel.
    """
    groups: dict[str, list[Planned]] = defaultdict(list)
    for entry in planned:
        if entry.send:
            groups[entry.candidate.customer_id].append(entry)
    envelopes = []
    for customer_id, entries in sorted(groups.items()):
        entries.sort(key=lambda entry: (entry.candidate.due_date, entry.receivable_id))
        for start in range(0, len(entries), MAX_ITEMS_PER_ENVELOPE):
            chunk = entries[start : start + MAX_ITEMS_PER_ENVELOPE]
            leading = max(chunk, key=lambda entry: entry.step.offset_days).step
            envelopes.append(
                Envelope(
                    customer_id=customer_id,
                    plan_date=plan_date,
                    template=str(leading.template),
                    items=tuple(EnvelopeItem(e.receivable_id, e.step.id) for e in chunk),
                )
            )
    return envelopes


def delivery_channels(
    channels: Sequence[Channel], strategy: Strategy, reachable: Iterable[str]
) -> list[Channel]:
    """The channels a step's message goes out on first, given what the customer receives."""
    allowed = set(reachable)
    open_channels = [channel for channel in channels if channel in allowed]
    return open_channels if strategy == "all" else open_channels[:1]


def messages_of(
    policy: ReminderPolicy, envelope: Envelope, reachable: Iterable[str]
) -> dict[Channel, list[EnvelopeItem]]:
    """The envelope's messages on a first attempt: the items each channel carries."""
    allowed = set(reachable)
    messages: dict[Channel, list[EnvelopeItem]] = {}
    for item in envelope.items:
        step = policy.step(item.step_id)
        for channel in delivery_channels(step.channels, step.strategy, allowed):
            messages.setdefault(channel, []).append(item)
    return {channel: messages[channel] for channel in CHANNELS if channel in messages}


# ---------------------------------------------------------------------- dry run


@dataclass(frozen=True)
class SimulatedReceivable:
    """A receivable for the dry run, with the channels its customer can receive."""

    candidate: Candidate
    reachable: frozenset[str]


@dataclass(frozen=True)
class SimulatedMessage:
    day: date
    customer_id: str
    channel: Channel
    receivable_ids: tuple[str, ...]
    step_ids: tuple[str, ...]


@dataclass
class DryRun:
    """What a range of days would send: per day and channel counts, and each message."""

    messages: list[SimulatedMessage] = field(default_factory=list)
    actions: list[tuple[date, str, str, str]] = field(default_factory=list)
    unreachable: list[tuple[date, str]] = field(default_factory=list)
    capped: list[tuple[date, str, str]] = field(default_factory=list)

    def counts(self) -> dict[date, dict[str, int]]:
        """Messages per day and channel (only days and channels with messages)."""
        table: dict[date, dict[str, int]] = {}
        for message in self.messages:
            day = table.setdefault(message.day, {})
            day[message.channel] = day.get(message.channel, 0) + 1
        return dict(sorted(table.items()))

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI and the operator API print."""
        return {
            "days": {
                day.isoformat(): dict(sorted(channels.items()))
                for day, channels in self.counts().items()
            },
            "messages": len(self.messages),
            "receivables_reminded": len(
                {rid for message in self.messages for rid in message.receivable_ids}
            ),
            "actions": [
                {"day": day.isoformat(), "receivable_id": rid, "step": step, "action": kind}
                for day, rid, step, kind in self.actions
            ],
            "unreachable_customers": len(self.unreachable),
            "capped_messages": len(self.capped),
        }


def simulate(
    policy: ReminderPolicy,
    receivables: Sequence[SimulatedReceivable],
    start: date,
    end: date,
    calendar: BusinessCalendar,
) -> DryRun:
    """Play the planner over ``[start, end]`` without sending anything.

    The planner is assumed to have run on the planning day before ``start``.
    """
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    result = DryRun()
    reachable = {item.candidate.customer_id: item.reachable for item in receivables}
    candidates = [item.candidate for item in receivables]
    planned_through = calendar.previous_business_day(start)
    day = start
    while day <= end:
        window = planning_window(policy, planned_through, day, calendar)
        if is_planning_day(day, calendar) and window is not None:
            planned = select(policy, candidates, window)
            result.actions.extend(
                (day, entry.receivable_id, entry.step.id, entry.step.action.kind)
                for entry in planned
                if entry.step.action.kind != "reminder"
            )
            sent_today: dict[str, int] = defaultdict(int)
            for envelope in consolidate(planned, day):
                messages = messages_of(policy, envelope, reachable[envelope.customer_id])
                if not messages:
                    result.unreachable.append((day, envelope.customer_id))
                for channel, items in messages.items():
                    if sent_today[envelope.customer_id] >= policy.max_messages_per_customer_per_day:
                        result.capped.append((day, envelope.customer_id, channel))
                        continue
                    sent_today[envelope.customer_id] += 1
                    result.messages.append(
                        SimulatedMessage(
                            day,
                            envelope.customer_id,
                            channel,
                            tuple(item.receivable_id for item in items),
                            tuple(item.step_id for item in items),
                        )
                    )
            planned_through = day
        day += timedelta(days=1)
    return result
