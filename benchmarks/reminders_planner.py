"""The reminder planner at scale: 200,000 open receivables, 50 tenants, 5,000 due today.

The local hub's emulator gets the table from template.yaml; receivables are written straight
into it through moto's own write path, 4,000 per tenant spread over a
year of due dates, of which 100 per tenant fall on one of the régua's steps today. One planner
run is then timed and its reads metered with ReturnConsumedCapacity="TOTAL".

Figures:
- read units per due item, by DynamoDB's sizing rule over what the planner's queries return
  (the emulator reports a flat 1.0 per request, printed too for reference);
- wall time of the run against the emulator, with the emulator's Query limited to the queried
  partition (see ``_index_partitions``: moto otherwise walks and sorts the whole table on
  every Query, which DynamoDB never does);
- Scan calls made (none allowed).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from common import note, report

TENANTS = int(os.environ.get("BENCH_TENANTS", "50"))
PER_TENANT = int(os.environ.get("BENCH_PER_TENANT", "4000"))
DUE_PER_TENANT = 100
TODAY = date(2026, 3, 10)  # a Tuesday: every step's window is one day
SP = ZoneInfo("America/Sao_Paulo")
REGUA = {
    "steps": [
        {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
        {"offset_days": 0, "channels": ["whatsapp", "email"], "template": "vencimento"},
        {"offset_days": 1, "channels": ["sms", "email"], "template": "atraso"},
        {"offset_days": 5, "channels": ["email"], "template": "atraso"},
        {"offset_days": 15, "channels": ["email"], "template": "atraso"},
        {"offset_days": 30, "channels": ["email"], "template": "negativacao"},
    ]
}


def _items(tenant_id: str) -> list[dict[str, object]]:
    from cobranca.adapters.storage.records import ReceivableRecord
    from cobranca.domain.receivables import open_receivable
    from cobranca.model.receivables import Receivable

    offsets = [step["offset_days"] for step in REGUA["steps"]]
    step_days = {TODAY - timedelta(days=int(offset)) for offset in offsets}  # type: ignore[call-overload]
    other_days = [
        day
        for day in (TODAY - timedelta(days=200) + timedelta(days=n) for n in range(400))
        if day not in step_days
    ]
    at = datetime(2026, 1, 5, tzinfo=UTC)
    items = []
    for number in range(PER_TENANT):
        if number < DUE_PER_TENANT:
            due = TODAY - timedelta(days=int(offsets[number % len(offsets)]))  # type: ignore[call-overload]
        else:
            due = other_days[number % len(other_days)]
        receivable = Receivable.model_validate(
            {
                "erp_id": f"NF{number:06d}",
                "number": f"{number:06d}",
                "customer_id": f"c{number % 1000:04d}",
                "issue_date": (due - timedelta(days=30)).isoformat(),
                "due_date": due.isoformat(),
                "amount": f"{100 + number % 900}.{number % 100:02d}",
                "description": "Mercadorias conforme NF-e",
                "erp_updated_at": at.isoformat(),
            }
        )
        record = ReceivableRecord(
            tenant_id,
            receivable,
            open_receivable(receivable.amount),
            charge={
                "provider": "cnab",
                "charge_id": f"ch-{number}",
                "status": "registered",
                "linha_digitavel": "00191234540000000000000000000174913810000015000",
            },
        )
        items.append(record.to_item(at))
    return items


def _load(table_name: str, tenant_ids: list[str]) -> int:
    """Put the receivables straight into the emulator's table, in process.

    The emulator's own put re-measures the whole item for every attribute it sets (quadratic
    in the attribute count), which makes 200,000 puts take most of an hour; the items are
    stored here as the emulator's own item objects, with the same keys and attribute values a
    BatchWriteItem would leave.
    """
    from cobranca.adapters.storage.table import serialize
    from cobranca_local.template import ACCOUNT_ID, REGION
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    written = 0
    for tenant_id in tenant_ids:
        for plain in _items(tenant_id):
            raw = serialize(plain)
            item = Item.__new__(Item)
            item.hash_key = DynamoType(raw["pk"])
            item.range_key = DynamoType(raw["sk"])
            item.attrs = LimitedSizeDict({name: DynamoType(value) for name, value in raw.items()})
            table.items[item.hash_key][item.range_key] = item
            written += 1
    return written


def _index_partitions() -> None:
    """Let the emulator answer a Query from the queried partition instead of the whole table.

    moto walks and sorts every item of the table for each Query (base table or GSI), so on
    200,000 items each request costs seconds that DynamoDB never spends. While a Query runs,
    its item walk is limited to the items of the queried partition; the matching, sorting,
    paging and capacity reporting stay moto's. Writes keep the partition map current.
    """
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all = Table.all_items
    original_put = Table.put_item
    current = threading.local()
    partitions: dict[tuple[int, str, object], list[object]] = {}

    def by_attribute(table: Table, attribute: str, value: object) -> list[object]:
        key = (id(table), attribute, value)
        if key not in partitions:
            for item in original_all(table):
                found = item.attrs.get(attribute)
                if found is not None:
                    partitions.setdefault((id(table), attribute, found), []).append(item)
            partitions.setdefault(key, [])
        return partitions[key]

    def query(self: Table, hash_key: object, *args: object, **kwargs: object) -> object:
        conditions = kwargs.get("hash_key_conditions") or []
        # The backend passes the index name positionally, after the projection expressions.
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        current.scope = (index_name, conditions, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            current.scope = None

    def all_items(self: Table) -> list[object]:
        scope = getattr(current, "scope", None)
        if scope is None:
            return original_all(self)  # type: ignore[return-value]
        index_name, conditions, hash_key = scope
        if index_name is None:
            return sorted(self.items.get(hash_key, {}).values(), key=lambda item: item.range_key)
        attribute, value = conditions[0]
        return by_attribute(self, attribute, value)

    def put_item(self: Table, *args: object, **kwargs: object) -> object:
        attributes = args[0] if args else kwargs.get("item_attrs")
        if not isinstance(attributes, dict) or {"gsi1pk", "gsi2pk"} & set(attributes):
            partitions.clear()
        return original_put(self, *args, **kwargs)  # type: ignore[arg-type]

    Table.query = query  # type: ignore[method-assign,assignment]
    Table.all_items = all_items  # type: ignore[method-assign,assignment]
    Table.put_item = put_item  # type: ignore[method-assign,assignment]


class _Consumer(threading.Thread):
    """Takes envelopes off the ReminderQueue while the planner runs, as the sender's poller does.

    Left to pile up, 5,000 messages make the emulator's SendMessageBatch slower with every
    message already queued, which would time the emulator rather than the planner.
    """

    def __init__(self, sqs: object, queue_url: str) -> None:
        super().__init__(daemon=True, name="reminder-queue-consumer")
        self.sqs = sqs
        self.queue_url = queue_url
        self.received = 0
        self.stopping = threading.Event()

    def _take(self) -> int:
        messages = self.sqs.receive_message(  # type: ignore[attr-defined]
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if messages:
            self.sqs.delete_message_batch(  # type: ignore[attr-defined]
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(messages)
                ],
            )
        self.received += len(messages)
        return len(messages)

    def run(self) -> None:
        while not self.stopping.is_set():
            if not self._take():
                self.stopping.wait(0.05)

    def finish(self) -> int:
        self.stopping.set()
        self.join()
        while self._take():
            pass
        return self.received


def main() -> int:
    from cobranca.model.tenants import Tenant
    from cobranca.platform.requests import RequestCounter
    from cobranca.services.reminders.planner import Planner
    from cobranca.services.reminders.policies import save_policy
    from cobranca.services.tenants import create_tenant
    from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub

    with LocalHub(DEFAULT_TEMPLATE, api_port=0, fakes=[]) as hub:
        for schedule in hub.scheduler.schedules.values():
            schedule.enabled = False
        tenant_ids = [f"bench-{n:02d}" for n in range(TENANTS)]
        for tenant_id in tenant_ids:
            create_tenant(
                Tenant.model_validate(
                    {"tenant_id": tenant_id, "name": tenant_id, "document": "11222333000181"}
                )
            )
            save_policy(tenant_id, REGUA)

        started = time.monotonic()
        written = _load(hub.ref("CobrancaTable"), tenant_ids)
        _index_partitions()
        note(f"# loaded {written} receivables in {time.monotonic() - started:.0f} s")

        planner = Planner()
        consumer = _Consumer(hub.client("sqs"), hub.ref("ReminderQueue"))
        consumer.start()
        with RequestCounter("dynamodb") as calls:
            started = time.monotonic()
            result = planner.run(now=datetime(2026, 3, 10, 9, 5, tzinfo=SP))
            elapsed = time.monotonic() - started
        received = consumer.finish()
        note(f"# the queue received {received} envelopes")
        meter = result.meter
        due = result.reminders_due
        note(
            f"# planned {len(result.planned_tenants)} tenants, {due} reminders in "
            f"{result.envelopes} envelopes; {meter.requests} read requests, {meter.items} items"
        )
        if due != TENANTS * DUE_PER_TENANT or received != result.envelopes:
            note(f"# expected {TENANTS * DUE_PER_TENANT} due, planned {due}")
            return 1
        report(
            "reminders_planner_read_units_per_due_item",
            float(meter.computed / due),
            "RCU/item",
            "<= 1.2",
        )
        report("reminders_planner_read_units", float(meter.computed), "RCU", f"<= {int(1.2 * due)}")
        report(
            "reminders_planner_emulator_reported_units_per_due_item",
            float(meter.reported / due),
            "RCU/item",
            "<= 1.2",
        )
        report("reminders_planner_wall_time", elapsed, "s", "<= 900")
        report("reminders_planner_scans", calls.snapshot().get("Scan", 0), "calls", "<= 0")
        return 0


if __name__ == "__main__":
    sys.exit(main())
