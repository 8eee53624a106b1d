"""The reminder planner: what each tenant's régua says is due, by index query, once per day.

Runs hourly. For each tenant (GSI1 ``TENANTS``) whose local time is inside the sending window
on a planning day, and whose day is not planned yet:

1. take the tenant's planner lease (a conditional write, so overlapping runs do not both work);
2. for each step, query GSI1 on the month partitions of the due dates whose step date falls in
   the window ``(planned through, today]``: its cost follows what is due, never the table;
3. apply step actions once per step (a conditional ``ACTION#<step>`` marker written in the same
   transaction as the ledger change and its audit entry);
4. queue one envelope per customer to the ReminderQueue (the sender keeps exactly-once);
5. advance "planned through" to today and release the lease.

A run that dies after queueing and before advancing is repeated by the next hourly run: the
envelopes it queues again are the same (deterministic ids) and the sender's markers drop them.

Reads are metered with ``ReturnConsumedCapacity`` (see :class:`ReadMeter`), so the benchmark
and the logs show what a run costs.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from cobranca.adapters.queues import send_batch
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import (
    ConditionFailed,
    Delete,
    Item,
    Put,
    Table,
    Update,
    deserialize,
    serialize,
    table,
)
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.receivables import retotal
from cobranca.domain.reminders import (
    Planned,
    ReminderPolicy,
    consolidate,
    due_range,
    is_planning_day,
    is_quiet,
    month_slices,
    parse_policy,
    planning_window,
    select,
)
from cobranca.model.tenants import Tenant
from cobranca.platform import aws, clock
from cobranca.platform.observability import logger
from cobranca.platform.settings import get_settings
from cobranca.services.reminders.policies import calendar_of, candidate_of
from cobranca.services.reminders.state import EnvelopeMessage

LEASE = timedelta(minutes=15)
ACTOR = "reminder-planner"
DECISION_SECONDS = 259200
_EXECUTION_SAFE = re.compile(r"[^A-Za-z0-9_-]")


# ---------------------------------------------------------------------- read metering


def attribute_size(value: Mapping[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value, by the service's published sizing rules."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind in {"SS", "NS", "BS"}:
        return sum(attribute_size({kind[0]: element}) for element in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(
            1 + len(name.encode("utf-8")) + attribute_size(element)
            for name, element in inner.items()
        )
    raise ValueError(f"unknown attribute type {kind}")


def item_size(raw: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes of a raw item: each attribute's name plus its value."""
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in raw.items())


@dataclass
class ReadMeter:
    """Read capacity of the planner's requests.

    ``reported`` sums what the endpoint returns in ``ConsumedCapacity``; ``computed`` applies
    DynamoDB's rule (4 KB units over the bytes a request reads, halved for eventually
    consistent reads) to the items actually returned, for endpoints that report a flat figure.
    """

    reported: Decimal = Decimal(0)
    computed: Decimal = Decimal(0)
    requests: int = 0
    items: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def add(
        self, operation: str, response: Mapping[str, Any], raws: list[Any], consistent: bool
    ) -> None:
        self.requests += 1
        self.items += len(raws)
        self.by_operation[operation] = self.by_operation.get(operation, 0) + 1
        consumed = response.get("ConsumedCapacity")
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        for entry in entries:
            self.reported += Decimal(str(entry.get("CapacityUnits", 0)))
        size = sum(item_size(raw) for raw in raws)
        units = Decimal(max(1, math.ceil(size / 4096)))
        self.computed += units if consistent else units / 2


# ---------------------------------------------------------------------- the planner


@dataclass
class PlannerReport:
    """What one run did, for logs, tests and the benchmark."""

    tenants: int = 0
    planned_tenants: list[str] = field(default_factory=list)
    receivables_read: int = 0
    reminders_due: int = 0
    envelopes: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    requeued: int = 0
    meter: ReadMeter = field(default_factory=ReadMeter)


class Planner:
    """One planner run over every tenant; construct per run."""

    def __init__(self, store: Table | None = None, meter: ReadMeter | None = None) -> None:
        self.store = store or table()
        self.report = PlannerReport(meter=meter or ReadMeter())
        self.owner = uuid.uuid4().hex

    @property
    def meter(self) -> ReadMeter:
        return self.report.meter

    # ------------------------------------------------------------------ metered reads

    def _query(self, request: dict[str, Any], *, consistent: bool = False) -> Iterator[Item]:
        request = {
            "TableName": self.store.name,
            "ReturnConsumedCapacity": "TOTAL",
            **request,
        }
        if consistent and "IndexName" not in request:
            request["ConsistentRead"] = True
        while True:
            response = self.store.client.query(**request)
            raws = response.get("Items", [])
            self.meter.add("Query", response, raws, consistent)
            yield from (deserialize(raw) for raw in raws)
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def _get(self, pk: str, sk: str) -> Item | None:
        response = self.store.client.get_item(
            TableName=self.store.name,
            Key=serialize({"pk": pk, "sk": sk}),
            ReturnConsumedCapacity="TOTAL",
        )
        raw = response.get("Item")
        self.meter.add("GetItem", response, [raw] if raw else [], False)
        return deserialize(raw) if raw else None

    def _batch_get(self, wanted: list[dict[str, str]]) -> list[Item]:
        found: list[Item] = []
        for start in range(0, len(wanted), 100):
            pending: Any = {
                self.store.name: {"Keys": [serialize(key) for key in wanted[start : start + 100]]}
            }
            while pending:
                response = self.store.client.batch_get_item(
                    RequestItems=pending, ReturnConsumedCapacity="TOTAL"
                )
                raws = response.get("Responses", {}).get(self.store.name, [])
                self.meter.add("BatchGetItem", response, raws, False)
                found.extend(deserialize(raw) for raw in raws)
                pending = response.get("UnprocessedKeys") or None
        return found

    # ------------------------------------------------------------------ entry point

    def run(self, now: datetime | None = None) -> PlannerReport:
        """Plan every tenant whose day is due at ``now`` (the hub's clock by default)."""
        moment = now or clock.now()
        tenants = self._query(
            {
                "IndexName": "gsi1",
                "KeyConditionExpression": "gsi1pk = :pk",
                "ExpressionAttributeValues": serialize({":pk": keys.TENANTS}),
            }
        )
        for item in list(tenants):
            self.report.tenants += 1
            tenant = Tenant.model_validate(item["profile"])
            try:
                self.plan_tenant(tenant, moment)
            except Exception:
                # One tenant's failure must not stop the others; the next hourly run retries.
                logger.exception("reminder planning failed", extra={"tenant": tenant.tenant_id})
        logger.info(
            "reminder planner run",
            extra={
                "tenants": self.report.tenants,
                "planned": len(self.report.planned_tenants),
                "reminders_due": self.report.reminders_due,
                "envelopes": self.report.envelopes,
                "read_units": str(self.meter.computed),
            },
        )
        return self.report

    def plan_tenant(self, tenant: Tenant, now: datetime) -> None:
        """Plan one tenant's day if it is due (see the module docstring)."""
        if not tenant.enabled:
            return
        document = self._get(keys.tenant(tenant.tenant_id), keys.REMINDER_POLICY)
        if document is None:
            return
        policy = parse_policy(dict(document.get("document") or {}))
        calendar = calendar_of(tenant)
        local = now.astimezone(ZoneInfo(tenant.timezone))
        today = local.date()
        if is_quiet(policy, local, calendar):
            return
        self._requeue_held(tenant.tenant_id, now)
        if not is_planning_day(today, calendar):
            return

        planned_through = self._take_lease(tenant.tenant_id, now)
        if planned_through is False:
            return
        planned = False
        try:
            window = planning_window(
                policy,
                planned_through if isinstance(planned_through, date) else None,
                today,
                calendar,
            )
            if window is not None:
                self._plan_window(tenant, policy, window, today, now)
                self.report.planned_tenants.append(tenant.tenant_id)
                planned = True
        finally:
            # Only a completed window advances "planned through"; a failed one is redone.
            self._release_lease(tenant.tenant_id, today if planned else None)

    # ------------------------------------------------------------------ lease and state

    def _take_lease(self, tenant_id: str, now: datetime) -> date | bool | None:
        """The planned-through date (None: never planned); False when another run holds it."""
        try:
            state = self.store.update(
                Update(
                    {"pk": keys.tenant(tenant_id), "sk": keys.REMINDER_PLANNER},
                    "SET lease_until = :until, lease_owner = :me",
                    condition="attribute_not_exists(lease_until) OR lease_until < :now",
                    values={":until": now + LEASE, ":me": self.owner, ":now": now},
                ),
                return_values="ALL_NEW",
            )
        except ConditionFailed:
            logger.info("reminder planner lease held elsewhere", extra={"tenant": tenant_id})
            return False
        through = state.get("planned_through")
        return None if through is None else date.fromisoformat(str(through))

    def _release_lease(self, tenant_id: str, planned: date | None) -> None:
        expression = "REMOVE lease_until, lease_owner"
        values: dict[str, Any] = {":me": self.owner}
        if planned is not None:
            expression = "SET planned_through = :day, planned_at = :at " + expression
            values |= {":day": planned, ":at": clock.now()}
        try:
            self.store.update(
                Update(
                    {"pk": keys.tenant(tenant_id), "sk": keys.REMINDER_PLANNER},
                    expression,
                    condition="lease_owner = :me",
                    values=values,
                )
            )
        except ConditionFailed:
            logger.warning("reminder planner lease expired mid-run", extra={"tenant": tenant_id})

    def _requeue_held(self, tenant_id: str, now: datetime) -> None:
        """Queue again what the sender held for the sending window or a fallback channel."""
        held = list(
            self._query(
                {
                    "KeyConditionExpression": "pk = :pk AND sk <= :now",
                    "ExpressionAttributeValues": serialize(
                        {
                            ":pk": keys.reminders_pending(tenant_id),
                            ":now": f"{now.astimezone(clock.now().tzinfo):%Y-%m-%dT%H:%M:%SZ}~",
                        }
                    ),
                }
            )
        )
        if not held:
            return
        send_batch(get_settings().reminder_queue_url, [json.loads(item["body"]) for item in held])
        for item in held:
            self.store.delete(Delete({"pk": item["pk"], "sk": item["sk"]}))
        self.report.requeued += len(held)

    # ------------------------------------------------------------------ one window

    def _plan_window(
        self,
        tenant: Tenant,
        policy: ReminderPolicy,
        window: tuple[date, date],
        today: date,
        now: datetime,
    ) -> None:
        tenant_id = tenant.tenant_id
        items: dict[str, Item] = {}
        for step in policy.steps:
            first_due, last_due = due_range(step, window)
            for start, end in month_slices(first_due, last_due):
                for item in self._open_due(tenant_id, start, end):
                    items.setdefault(str(item["receivable_id"]), item)
        self.report.receivables_read += len(items)

        segments: dict[str, str | None] = {}
        if policy.uses_segments and items:
            customer_ids = sorted({str(item["customer_id"]) for item in items.values()})
            for profile in self._batch_get(
                [{"pk": keys.customer(tenant_id, c), "sk": keys.PROFILE} for c in customer_ids]
            ):
                segments[str(profile["customer_id"])] = profile["profile"].get("segment")
        candidates = [
            candidate_of(item, segments.get(str(item["customer_id"]))) for item in items.values()
        ]
        planned = select(policy, candidates, window)

        self._apply_actions(
            tenant,
            [entry for entry in planned if entry.step.action.kind != "reminder"],
            items,
            today,
            now,
        )

        envelopes = consolidate(planned, today)
        messages = [
            EnvelopeMessage(
                tenant_id=tenant_id,
                customer_id=envelope.customer_id,
                plan_date=today,
                template=envelope.template,
                items=tuple((item.receivable_id, item.step_id) for item in envelope.items),
            ).to_json()
            for envelope in envelopes
        ]
        if messages:
            send_batch(get_settings().reminder_queue_url, messages)
        self.report.envelopes += len(messages)
        self.report.reminders_due += sum(1 for entry in planned if entry.send)
        logger.info(
            "reminders planned",
            extra={
                "tenant": tenant_id,
                "window": [window[0].isoformat(), window[1].isoformat()],
                "receivables": len(items),
                "envelopes": len(messages),
            },
        )

    def _open_due(self, tenant_id: str, start: date, end: date) -> Iterator[Item]:
        """Open receivables due in ``[start, end]`` (one month partition of GSI1)."""
        partition = keys.open_by_month(tenant_id, start)
        if start == end:
            condition = "gsi1pk = :pk AND begins_with(gsi1sk, :day)"
            values = {":pk": partition, ":day": f"{start.isoformat()}#"}
        else:
            condition = "gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi"
            values = {":pk": partition, ":lo": start.isoformat(), ":hi": f"{end.isoformat()}$"}
        return self._query(
            {
                "IndexName": "gsi1",
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": serialize(values),
            }
        )

    # ------------------------------------------------------------------ actions

    def _apply_actions(
        self,
        tenant: Tenant,
        planned: list[Planned],
        items: dict[str, Item],
        today: date,
        now: datetime,
    ) -> None:
        renegotiations: dict[tuple[str, str], list[Planned]] = defaultdict(list)
        for entry in planned:
            kind = entry.step.action.kind
            if kind == "renegotiation":
                renegotiations[(entry.candidate.customer_id, entry.step.id)].append(entry)
                continue
            applied = apply_step_action(
                tenant.tenant_id, entry, items[entry.receivable_id], today, store=self.store
            )
            if applied:
                self.report.actions[kind] = self.report.actions.get(kind, 0) + 1
        for (customer_id, step_id), entries in sorted(renegotiations.items()):
            if start_renegotiation(
                tenant.tenant_id, customer_id, step_id, entries, today, store=self.store
            ):
                count = self.report.actions.get("renegotiation", 0) + 1
                self.report.actions["renegotiation"] = count


def _action_marker(tenant_id: str, entry: Planned, today: date, **extra: Any) -> Put:
    return Put(
        {
            "pk": keys.receivable(tenant_id, entry.receivable_id),
            "sk": keys.reminder_action(entry.step.id),
            "type": "reminder_action",
            "action": entry.step.action.kind,
            "step": entry.step.id,
            "applied_on": today,
            **extra,
        },
        condition="attribute_not_exists(pk)",
    )


def apply_step_action(
    tenant_id: str,
    entry: Planned,
    item: Item,
    today: date,
    *,
    store: Table | None = None,
    attempts: int = 3,
) -> bool:
    """Apply a fee or a negativação flag once per step; True when this call applied it.

    The ``ACTION#<step>`` marker, the receivable's new version and the audit entry commit in
    one transaction: however many runs reach the step, the fee lands once (10 % on 200.00
    leaves 220.00, never 680.00 after 24 runs).
    """
    store = store or table()
    record = ReceivableRecord.from_item(item)
    for _ in range(attempts):
        step = entry.step
        now = clock.now()
        if step.action.kind == "fee":
            fee = step.action.fee_on(record.balance)
            ledger = retotal(record.ledger, record.ledger.total + fee)
            fees = [*record.flags.get("reminder_fees", []), {"step": step.id, "amount": fee}]
            after = record.evolve(ledger=ledger, flags={**record.flags, "reminder_fees": fees})
            change_after: dict[str, Any] = {"fee": fee, "balance": after.balance}
            marker = _action_marker(tenant_id, entry, today, amount=fee)
            action = "reminder.fee_applied"
        else:
            flag = {"step": step.id, "flagged_on": today.isoformat()}
            after = record.evolve(flags={**record.flags, "negativacao": flag})
            change_after = {"negativacao": flag, "balance": after.balance}
            marker = _action_marker(tenant_id, entry, today)
            action = "reminder.negativacao_flagged"
        unit = UnitOfWork(tenant_id, store)
        unit.add(
            [
                marker,
                Put(after.to_item(now), condition="version = :v", values={":v": record.version}),
            ],
            [
                Change(
                    f"receivable:{record.receivable_id}",
                    action,
                    ACTOR,
                    now,
                    {"balance": record.balance, "step": step.id},
                    change_after,
                )
            ],
            receivable_id=record.receivable_id,
        )
        result = unit.commit()
        if not result.rejected:
            logger.info(
                "reminder step action applied",
                extra={
                    "tenant": tenant_id,
                    "receivable_id": record.receivable_id,
                    "step": step.id,
                    "action": step.action.kind,
                },
            )
            return True
        if store.get(
            keys.receivable(tenant_id, record.receivable_id), keys.reminder_action(step.id)
        ):
            return False
        fresh = store.get(keys.receivable(tenant_id, record.receivable_id), keys.RECEIVABLE)
        if fresh is None:
            return False
        record = ReceivableRecord.from_item(fresh)
        if not record.is_open:
            return False
    return False


def execution_name(customer_id: str, step_id: str, day: date) -> str:
    """Deterministic per customer, step and day, so the renegotiation starts once."""
    name = _EXECUTION_SAFE.sub("_", f"reminder-{customer_id}-{step_id}-{day.isoformat()}")
    if len(name) <= 80:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{name[:63]}-{digest}"


def start_renegotiation(
    tenant_id: str,
    customer_id: str,
    step_id: str,
    entries: list[Planned],
    today: date,
    *,
    store: Table | None = None,
) -> bool:
    """Start the renegotiation state machine once for a customer's receivables at a step."""
    store = store or table()
    pending = [
        entry
        for entry in entries
        if store.get(keys.receivable(tenant_id, entry.receivable_id), keys.reminder_action(step_id))
        is None
    ]
    if not pending:
        return False
    name = execution_name(customer_id, step_id, today)
    payload = {
        "tenant": tenant_id,
        "customer_id": customer_id,
        "receivable_ids": sorted(entry.receivable_id for entry in entries),
        "origin": "reminder",
        "timeouts": {"decision_seconds": DECISION_SECONDS, "heartbeat_seconds": DECISION_SECONDS},
    }
    sfn = aws.client("stepfunctions")
    arn = get_settings().renegotiation_state_machine_arn
    try:
        execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))
        execution_arn = str(execution["executionArn"])
    except sfn.exceptions.ExecutionAlreadyExists:
        execution_arn = f"{arn.replace(':stateMachine:', ':execution:')}:{name}"

    now = clock.now()
    unit = UnitOfWork(tenant_id, store)
    for entry in pending:
        unit.add(
            [_action_marker(tenant_id, entry, today, execution_arn=execution_arn)],
            [
                Change(
                    f"receivable:{entry.receivable_id}",
                    "reminder.renegotiation_started",
                    ACTOR,
                    now,
                    None,
                    {"step": step_id, "execution": name},
                )
            ],
            receivable_id=entry.receivable_id,
        )
    unit.commit()
    logger.info(
        "renegotiation started by the régua",
        extra={"tenant": tenant_id, "customer_id": customer_id, "step": step_id, "execution": name},
    )
    return True
