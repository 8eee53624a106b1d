"""Pull sync through the generic REST connector (the Odoo preset) against a scripted ERP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.pull import connector_for
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import table
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.domain.receivables import ReceivableStatus
from cobranca.services.reconcile import reconcile_tenant
from cobranca.services.sync import STATE, sync_tenant
from cobranca_local.hub import LocalHub

from tests.integration.erp.support import stored
from tests.support.hub import make_tenant, running_hub

TENANT = "odoo-shop"


class FakeOdoo:
    """search_read over JSON-2 as Odoo answers it: domain on write_date, offset and limit."""

    def __init__(self) -> None:
        self.moves: dict[int, dict[str, Any]] = {}
        self.partners = {
            77: {
                "id": 77,
                "name": "Oficina Três Irmãos Ltda.",
                "vat": "31.647.525/0001-47",
                "email": "contato@example.com",
                "phone": False,
                "mobile": "+55 11 96543-2100",
                "street": "Rua Pedra Branca, 55",
                "street2": False,
                "city": "São Paulo",
                "state_id": [27, "São Paulo (BR)"],
                "zip": "05432-010",
                "write_date": "2026-11-01 10:00:00",
            },
        }
        self.failures: list[int] = []
        self.requests = 0
        for number in range(1, 31):
            self.add(number, Decimal("100.00") + number, f"2026-11-{number % 28 + 1:02d} 10:00:00")

    def add(
        self,
        number: int,
        amount: Decimal,
        written: str,
        residual: Decimal | None = None,
        payment_state: str = "not_paid",
    ) -> None:
        self.moves[5000 + number] = {
            "id": 5000 + number,
            "name": f"INV/2026/{number:05d}",
            "move_type": "out_invoice",
            "state": "posted",
            "payment_state": payment_state,
            "partner_id": [77, "Oficina"],
            "invoice_date": "2026-10-01",
            "invoice_date_due": "2026-12-01",
            "amount_total": float(amount),
            "amount_residual": float(amount if residual is None else residual),
            "currency_id": [6, "BRL"],
            "ref": False,
            "payment_reference": False,
            "write_date": written,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.failures:
            return httpx.Response(self.failures.pop(0), json={"name": "odoo.exceptions.Error"})
        assert request.headers["Authorization"] == "bearer api-key"
        body = json.loads(request.content)
        model = request.url.path.split("/")[3]
        rows = list((self.moves if model == "account.move" else self.partners).values())
        for _field, operator, value in (c for c in body["domain"] if c[0] == "write_date"):
            assert operator == ">"
            rows = [row for row in rows if row["write_date"] > value]
        if model == "account.move":
            for condition in body["domain"]:
                if condition[0] == "payment_state":
                    rows = [row for row in rows if row["payment_state"] in condition[2]]
        rows.sort(key=lambda row: (row["write_date"], row["id"]))
        offset, limit = int(body["offset"]), int(body["limit"])
        return httpx.Response(200, json=rows[offset : offset + limit])


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        make_tenant(
            TENANT,
            {"erp": {"token": "api-key", "database": "shop"}},
            erp={"kind": "rest", "base_url": "http://odoo.test", "preset": "odoo"},
        )
        yield running


@pytest.fixture(scope="module")
def odoo() -> FakeOdoo:
    return FakeOdoo()


def factory(odoo: FakeOdoo) -> Any:
    return lambda tenant, secrets: connector_for(
        tenant, secrets, transport=httpx.MockTransport(odoo)
    )


def test_first_pull_pages_through_every_invoice(hub: LocalHub, odoo: FakeOdoo) -> None:
    report = sync_tenant(TENANT, connector_factory=factory(odoo), page_size=7)

    assert report.outcome == "ok", report.failure
    assert report.records == 31  # 1 partner, 30 invoices
    assert report.streams["invoices"]["pages"] == 5
    record = stored(TENANT, "5007~1")
    assert record is not None
    assert (record.receivable.number, record.balance) == ("INV/2026/00007", Decimal("107.00"))
    watermark = table().get(keys.tenant(TENANT), STATE)["watermarks"]["invoices"]
    assert datetime.fromisoformat(watermark) == datetime.fromisoformat("2026-11-28T10:00:00+00:00")


def test_only_changes_after_the_watermark_are_read_again(hub: LocalHub, odoo: FakeOdoo) -> None:
    # GIVEN one invoice paid in part in Odoo afterwards
    odoo.add(
        7,
        Decimal("107.00"),
        "2026-12-01 09:00:00",
        residual=Decimal("7.00"),
        payment_state="partial",
    )

    report = sync_tenant(TENANT, connector_factory=factory(odoo), page_size=7)

    assert report.outcome == "ok"
    # the overlap re-reads the last five minutes (one unchanged invoice) and the change
    assert report.streams["invoices"]["records"] == 2
    assert report.written == 1
    record = stored(TENANT, "5007~1")
    assert record is not None
    assert (record.balance, record.status) == (Decimal("7.00"), ReceivableStatus.PARTIALLY_PAID)


def test_a_500_then_recovery_loses_nothing(hub: LocalHub, odoo: FakeOdoo) -> None:
    odoo.add(31, Decimal("250.00"), "2026-12-02 10:00:00")
    odoo.failures = [500, 502]

    report = sync_tenant(TENANT, connector_factory=factory(odoo), page_size=7)

    assert report.outcome == "ok"
    record = stored(TENANT, "5031~1")
    assert record is not None and record.receivable.amount == Decimal("250.00")


def test_an_erp_that_stays_down_fails_the_run_and_keeps_the_watermark(
    hub: LocalHub, odoo: FakeOdoo
) -> None:
    before = table().get(keys.tenant(TENANT), STATE)["watermarks"]
    odoo.failures = [503] * 20

    report = sync_tenant(TENANT, connector_factory=factory(odoo), page_size=7)

    assert report.outcome == "failed"
    assert report.failure is not None and report.failure.startswith("erp_unavailable")
    assert table().get(keys.tenant(TENANT), STATE)["watermarks"] == before
    odoo.failures = []


def test_reconcile_reports_each_divergence(hub: LocalHub, odoo: FakeOdoo) -> None:
    # GIVEN the ERP changed after the last pull: one invoice paid off, one due date moved,
    # one new invoice the hub has not seen
    odoo.moves[5003] |= {
        "payment_state": "paid",
        "amount_residual": 0.0,
        "write_date": "2026-12-03 10:00:00",
    }
    odoo.moves[5004] |= {"invoice_date_due": "2026-12-15", "write_date": "2026-12-03 10:00:00"}
    odoo.add(40, Decimal("99.90"), "2026-12-03 10:00:00")
    odoo.moves[5005] |= {
        "amount_residual": 50.0,
        "payment_state": "partial",
        "write_date": "2026-12-03 10:00:00",
    }

    report = reconcile_tenant(TENANT, connector=_connector(odoo))

    assert report.counts == {
        "missing_in_hub": 1,
        "missing_in_erp": 1,
        "amount": 1,
        "due_date": 1,
        "status": 0,
    }
    kinds = {(d.kind, d.receivable_id): (d.erp, d.hub) for d in report.divergences}
    assert kinds[("missing_in_hub", "5040~1")] == ({"balance": "99.90"}, None)
    assert kinds[("missing_in_erp", "5003~1")] == (None, {"balance": "103.00"})
    assert kinds[("amount", "5005~1")] == ("50.00", "105.00")
    assert kinds[("due_date", "5004~1")] == ("2026-12-15", "2026-12-01")

    # AND after a pull the two sides agree again
    assert sync_tenant(TENANT, connector_factory=factory(odoo)).outcome == "ok"
    again = reconcile_tenant(TENANT, connector=_connector(odoo))
    assert again.consistent, again.as_dict()
    assert again.erp_open == again.hub_open == 31


def _connector(odoo: FakeOdoo) -> Any:
    return connector_for(
        load_tenant(TENANT),
        {"token": "api-key", "database": "shop"},
        transport=httpx.MockTransport(odoo),
    )


def test_a_daily_full_read_catches_a_change_that_moved_no_timestamp(
    hub: LocalHub, odoo: FakeOdoo
) -> None:
    # GIVEN the ERP lowered an invoice's balance without touching its write_date
    odoo.moves[5010] |= {"amount_residual": 10.0, "payment_state": "partial"}
    quiet = sync_tenant(TENANT, connector_factory=factory(odoo))
    assert quiet.refreshed is False
    record = stored(TENANT, "5010~1")
    assert record is not None and record.balance == Decimal("110.00")

    # WHEN a day has passed since the last full read
    table().client.update_item(
        TableName=table().name,
        Key={"pk": {"S": keys.tenant(TENANT)}, "sk": {"S": STATE}},
        UpdateExpression="SET last_full_refresh_at = :old",
        ExpressionAttributeValues={":old": {"S": "2026-11-01T00:00:00+00:00"}},
    )
    report = sync_tenant(TENANT, connector_factory=factory(odoo))

    # THEN every open invoice is read again, and the quiet change lands
    assert report.refreshed is True
    assert report.streams["open-refresh"]["records"] >= 30
    record = stored(TENANT, "5010~1")
    assert record is not None and record.balance == Decimal("10.00")
    again = sync_tenant(TENANT, connector_factory=factory(odoo))
    assert again.refreshed is False
