"""Pull sync against a real Tryton server: first sync, re-sync, lease, and every fault."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.pull import connector_for
from cobranca.adapters.erp.tryton import TrytonClient
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import Put, table
from cobranca.domain.receivables import ReceivableStatus
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.requests import RequestCounter
from cobranca.services import sync as sync_service
from cobranca.services.sync import LEASE, STATE, SyncStore, sync_tenant
from cobranca_local.hub import LocalHub
from cobranca_local.tryton.server import TrytonServer

from tests.support.hub import make_tenant, running_hub

pytestmark = pytest.mark.erp

# The demo seed (25 customers, 60 invoices, seed 20261001): 5 paid, 55 open, 11 invoices in
# three installments, 88,800.86 still to pay... as Tryton itself reports for this seed.
INVOICES = 60


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        yield running


def connect(tenant_id: str, server: TrytonServer) -> Tenant:
    tenant, _ = make_tenant(
        tenant_id,
        {"erp": {"login": "admin", "password": "admin"}},
        erp={"kind": "tryton", "base_url": server.url, "database": "tryton", "page_size": 25},
    )
    return tenant


@pytest.fixture(scope="module")
def expected(shared_tryton: TrytonServer) -> dict[str, Any]:
    """What Tryton holds, read straight over JSON-RPC (the test's own oracle)."""
    with TrytonClient(shared_tryton.url, "tryton", "admin", "admin") as client:
        rows = client.search_read(
            "account.invoice",
            [["type", "=", "out"]],
            ["number", "state", "amount_to_pay", "lines_to_pay", "party"],
        )
    return {
        "invoices": len(rows),
        "receivables": sum(len(row["lines_to_pay"]) for row in rows),
        "customers": len({row["party"] for row in rows}),
        "open_total": sum(
            (row["amount_to_pay"] for row in rows if row["state"] == "posted"), Decimal("0.00")
        ),
        "paid": sum(1 for row in rows if row["state"] == "paid"),
        "rows": {row["id"]: row for row in rows},
    }


def receivables(tenant_id: str) -> list[ReceivableRecord]:
    items = table().client.scan(
        TableName=table().name,
        FilterExpression="begins_with(pk, :prefix) AND sk = :sk",
        ExpressionAttributeValues={
            ":prefix": {"S": f"TENANT#{tenant_id}#RECEIVABLE#"},
            ":sk": {"S": "RECEIVABLE"},
        },
    )["Items"]
    from cobranca.adapters.storage.table import deserialize

    return [ReceivableRecord.from_item(deserialize(item)) for item in items]


def audit(tenant_id: str) -> list[str]:
    return [
        str(item["action"])
        for item in table().partition(keys.audit(tenant_id))
        if item["sk"] != "HEAD"
    ]


def assert_exactly_once_latest(tenant_id: str, expected: dict[str, Any]) -> None:
    records = receivables(tenant_id)
    assert len(records) == expected["receivables"]
    actions = audit(tenant_id)
    assert actions.count("receivable.created") == expected["receivables"]
    assert actions.count("receivable.updated") == 0
    open_total = sum((r.balance for r in records if r.is_open), Decimal("0.00"))
    assert open_total == expected["open_total"]


class Flaky(httpx.BaseTransport):
    """Real HTTP to Tryton that can go down after some requests or answer 500 a few times."""

    def __init__(self, *, down_after: int | None = None, errors: int = 0) -> None:
        self.inner = httpx.HTTPTransport()
        self.down_after = down_after
        self.errors = errors
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down_after is not None and self.requests > self.down_after:
            raise httpx.ConnectError("connection refused", request=request)
        if self.errors:
            self.errors -= 1
            return httpx.Response(500, text="<html>Internal Server Error</html>")
        return self.inner.handle_request(request)


def flaky_factory(transport: Flaky) -> Any:
    return lambda tenant, secrets: connector_for(tenant, secrets, transport=transport)


# ---------------------------------------------------------------------- first sync and re-sync


def test_first_sync_brings_every_invoice_installment(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    connect("aurora", shared_tryton)

    report = sync_tenant("aurora")

    assert report.outcome == "ok", report.failure
    assert report.records == expected["invoices"] == INVOICES
    assert report.mapping_errors == []
    assert_exactly_once_latest("aurora", expected)
    records = {r.receivable_id: r for r in receivables("aurora")}
    paid = [r for r in records.values() if r.status is ReceivableStatus.PAID]
    assert (
        len({r.receivable.erp_id for r in paid if r.receivable.installments == 1})
        == (expected["paid"])
    )
    # every hub record carries the invoice's own values
    for record in records.values():
        row = expected["rows"][int(record.receivable.erp_id)]
        assert record.receivable.number == row["number"]
    customers = table().client.scan(
        TableName=table().name,
        FilterExpression="begins_with(pk, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": "TENANT#aurora#CUSTOMER#"}},
    )["Items"]
    assert len(customers) == expected["customers"]


def test_a_resync_of_unchanged_data_writes_nothing(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    with RequestCounter("dynamodb") as counted:
        report = sync_tenant("aurora", archive=False)

    assert report.outcome == "ok"
    assert report.written == 0
    assert report.unchanged >= expected["receivables"]

    def business(call: Any) -> bool:
        text = str(call.params)
        return f"'{LEASE}'" not in text and f"'{STATE}'" not in text

    assert counted.writes_where(business) == 0
    assert_exactly_once_latest("aurora", expected)


def test_a_change_in_tryton_reaches_the_hub(hub: LocalHub, writable_tryton: TrytonServer) -> None:
    # GIVEN a tenant synced from its own copy of the ERP
    connect("aurora-changes", writable_tryton)
    assert sync_tenant("aurora-changes").outcome == "ok"
    with TrytonClient(writable_tryton.url, "tryton", "admin", "admin") as client:
        (row,) = client.search_read(
            "account.invoice",
            [["type", "=", "out"], ["state", "=", "posted"], ["payment_term.name", "=", "30 dias"]],
            ["id", "amount_to_pay"],
            limit=1,
            order=[["id", "ASC"]],
        )
        # WHEN the ERP records a payment of 10.00 at its counter
        client.pay_invoice(
            row["id"],
            Decimal("10.00"),
            datetime(2026, 12, 1).date(),
            "Caixa",
            client.payment_method(),
        )

    # THEN the next pull sees it: the hub's balance drops by exactly 10.00
    report = sync_tenant("aurora-changes")
    assert report.outcome == "ok"
    record = next(r for r in receivables("aurora-changes") if r.receivable.erp_id == str(row["id"]))
    assert record.balance == row["amount_to_pay"] - Decimal("10.00")
    assert record.status is ReceivableStatus.PARTIALLY_PAID
    assert report.written >= 1


# ---------------------------------------------------------------------- one pull at a time


def test_a_held_lease_keeps_a_second_pull_out(hub: LocalHub, shared_tryton: TrytonServer) -> None:
    connect("aurora-lease", shared_tryton)
    holder = SyncStore("aurora-lease")
    holder.acquire()
    try:
        report = sync_tenant("aurora-lease")
    finally:
        holder.release()

    assert (report.outcome, report.records) == ("busy", 0)
    assert receivables("aurora-lease") == []


def test_two_pulls_at_the_same_instant_run_once(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    connect("aurora-race", shared_tryton)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def pull() -> None:
        start.wait()
        outcomes.append(sync_tenant("aurora-race").outcome)

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["busy", "ok"]
    assert_exactly_once_latest("aurora-race", expected)


def test_a_crashed_pulls_lease_expires(hub: LocalHub, shared_tryton: TrytonServer) -> None:
    connect("aurora-expired", shared_tryton)
    # GIVEN a lease left by a run that died 20 minutes ago
    table().put(
        Put(
            {
                "pk": keys.tenant("aurora-expired"),
                "sk": LEASE,
                "owner": "dead-run",
                "expires_at": int(clock.now().timestamp()) - 60,
            }
        )
    )

    assert sync_tenant("aurora-expired").outcome == "ok"


# ---------------------------------------------------------------------- faults


def test_erp_down_mid_pull_then_resume_without_loss_or_duplicates(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    connect("aurora-down", shared_tryton)
    # GIVEN Tryton stops answering after a few pages
    down = Flaky(down_after=6)

    first = sync_tenant(
        "aurora-down",
        connector_factory=flaky_factory(down),
        batch_records=10,
        page_size=10,
    )

    assert first.outcome == "failed"
    assert first.failure is not None and first.failure.startswith("erp_unavailable")
    partial = len(receivables("aurora-down"))
    assert 0 < partial < expected["receivables"]
    state = table().get(keys.tenant("aurora-down"), STATE)
    assert state is not None and state["watermarks"]["invoices"]
    assert table().get(keys.tenant("aurora-down"), LEASE) is None

    # WHEN it is back and the next run resumes from the watermark
    second = sync_tenant("aurora-down", batch_records=10, page_size=10)

    # THEN every receivable is in the hub exactly once, in its latest version
    assert second.outcome == "ok"
    assert_exactly_once_latest("aurora-down", expected)


def test_erp_answering_500_then_recovering(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    connect("aurora-flaky", shared_tryton)
    flaky = Flaky(errors=3)

    report = sync_tenant("aurora-flaky", connector_factory=flaky_factory(flaky))

    assert report.outcome == "ok"
    assert flaky.errors == 0
    assert_exactly_once_latest("aurora-flaky", expected)


def test_a_crash_between_the_write_and_the_watermark(
    hub: LocalHub,
    shared_tryton: TrytonServer,
    expected: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect("aurora-crash", shared_tryton)

    # GIVEN the watermark write fails after the batch was upserted
    def crash(self: SyncStore, stream: str, watermark: datetime) -> None:
        raise RuntimeError("process killed before the watermark")

    monkeypatch.setattr(SyncStore, "save_watermark", crash)
    with pytest.raises(RuntimeError, match="killed"):
        sync_tenant("aurora-crash")
    state = table().get(keys.tenant("aurora-crash"), STATE)
    assert (state["watermarks"], state["last_outcome"]) == ({}, "failed")
    assert table().get(keys.tenant("aurora-crash"), LEASE) is None
    monkeypatch.undo()

    # WHEN the next run starts from no watermark at all
    report = sync_tenant("aurora-crash")

    # THEN nothing is duplicated and nothing lost: the re-read found everything unchanged
    assert report.outcome == "ok"
    assert report.written == 0
    assert_exactly_once_latest("aurora-crash", expected)
    watermark = table().get(keys.tenant("aurora-crash"), STATE)["watermarks"]["invoices"]
    assert datetime.fromisoformat(watermark) <= clock.now().astimezone(UTC)


def test_scheduled_run_covers_every_pulled_tenant(
    hub: LocalHub, shared_tryton: TrytonServer
) -> None:
    result = hub.run_schedule(
        next(
            name
            for name, schedule in hub.scheduler.schedules.items()
            if schedule.function.endswith("sync-pull")
        )
    )

    tenants = {item["tenant"]: item["outcome"] for item in result["tenants"]}
    assert tenants["aurora"] == "ok"
    assert result["writeback_dlq_depth"] == 0
    assert {"tryton", "rest"} == sync_service.PULL_KINDS


def test_a_daily_full_read_of_open_invoices_writes_nothing_new(
    hub: LocalHub, shared_tryton: TrytonServer, expected: dict[str, Any]
) -> None:
    # GIVEN the last full read of "aurora" was two days ago
    table().client.update_item(
        TableName=table().name,
        Key={"pk": {"S": keys.tenant("aurora")}, "sk": {"S": STATE}},
        UpdateExpression="SET last_full_refresh_at = :old",
        ExpressionAttributeValues={":old": {"S": "2026-12-02T00:00:00+00:00"}},
    )

    report = sync_tenant("aurora", archive=False)

    # THEN every posted invoice was read again, and nothing had drifted
    assert report.refreshed is True
    posted = sum(1 for row in expected["rows"].values() if row["state"] == "posted")
    assert report.streams["open-refresh"]["records"] == posted
    assert report.written == 0
    assert_exactly_once_latest("aurora", expected)
