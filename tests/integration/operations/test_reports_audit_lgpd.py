"""Reports, dashboard link, audit chain, LGPD and export on the local hub with real data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Put, table
from cobranca.cli.main import main as cli
from cobranca.model.customers import Customer
from cobranca.model.receivables import Receivable
from cobranca.platform import clock
from cobranca.services import audit, lgpd, links, reports
from cobranca.services.export import export_tenant
from cobranca.services.ingest import Incoming, Ingestor
from cobranca.services.renegotiation import worklist
from cobranca_local.hub import LocalHub

from tests.support.hub import make_tenant, operator_client, running_hub

AS_OF = "2026-03-31"
CPF = "529.982.247-25"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        running.scheduler.jump_to(datetime(2026, 3, 31, 15, 0, tzinfo=UTC))
        tenant, _ = make_tenant("aurora")
        incoming = Incoming()
        incoming.customers.append(
            (
                Customer(
                    customer_id="c1",
                    name="Ana Lima",
                    document=CPF,
                    emails=["ana.lima@example.com"],
                    phones=["+55 11 98765-4321"],
                ),
                "e-c1",
            )
        )
        incoming.customers.append(
            (
                Customer(customer_id="c2", name="Padaria Sol Ltda", document="11.222.333/0001-81"),
                "e-c2",
            )
        )
        rows = [
            ("1", "c1", "2026-03-01", "100.00", None),  # 30 days late
            ("2", "c1", "2026-02-28", "200.00", None),  # 31 days late
            ("3", "c2", "2026-01-30", "300.00", None),  # 60 days late
            ("4", "c2", "2026-01-29", "400.00", None),  # 61 days late
            ("5", "c2", "2026-04-15", "500.00", None),  # not yet due
            ("6", "c1", "2026-03-10", "80.00", "0.00"),  # paid in the ERP
        ]
        for erp_id, customer, due, amount, balance in rows:
            incoming.receivables.append(
                (
                    Receivable(
                        erp_id=erp_id,
                        number=f"FAT/{erp_id}",
                        customer_id=customer,
                        issue_date="2026-01-02",
                        due_date=due,
                        amount=amount,
                        balance=balance,
                        erp_updated_at=datetime(2026, 3, 30, tzinfo=UTC),
                    ),
                    f"e-r{erp_id}",
                )
            )
        Ingestor(tenant, actor="test").ingest(incoming, queue_charges=False)
        yield running


def test_aging_report_matches_the_portfolio(hub: LocalHub) -> None:
    body = reports.build("aurora", "aging", datetime.fromisoformat(AS_OF).date())

    amounts = {row["bucket"]: row["amount"] for row in body["buckets"]}
    assert amounts == {
        "a_vencer": Decimal("500.00"),
        "1-30": Decimal("100.00"),
        "31-60": Decimal("500.00"),
        "61-90": Decimal("400.00"),
        "90+": Decimal("0.00"),
    }
    assert body["total"] == Decimal("1500.00")


def test_report_api_needs_the_operator_token_and_speaks_csv(hub: LocalHub) -> None:
    anonymous = httpx.get(f"{hub.url}/v1/tenants/aurora/reports/summary")
    with operator_client(hub) as client:
        summary = client.get("/v1/tenants/aurora/reports/summary", params={"as_of": AS_OF})
        csv = client.get(
            "/v1/tenants/aurora/reports/aging", params={"as_of": AS_OF, "format": "csv"}
        )
        unknown = client.get("/v1/tenants/aurora/reports/nope")
        bad_date = client.get("/v1/tenants/aurora/reports/aging", params={"as_of": "31/03"})

    assert anonymous.status_code == 401
    assert summary.status_code == 200
    assert summary.json()["pending_amount"] == "1500.00"
    assert summary.json()["overdue_amount"] == "1000.00"
    assert summary.json()["delinquency_rate_by_value"] == "0.6667"
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "bucket;amount;count"
    assert "31-60;500.00;2" in csv.text
    assert unknown.status_code == 404
    assert bad_date.status_code == 400


def test_dashboard_link_opens_the_page_and_refuses_forgeries(hub: LocalHub) -> None:
    token = links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1))

    page = httpx.get(f"{hub.url}/dashboard/{token}", params={"as_of": AS_OF})
    forged = httpx.get(f"{hub.url}/dashboard/{token[:-3]}abc")

    assert page.status_code == 200
    assert 'data-kpi="pending_amount">R$ 1.500,00<' in page.text
    assert 'data-kpi="overdue_amount">R$ 1.000,00<' in page.text
    assert forged.status_code == 404


def test_audit_chain_verifies_and_names_the_first_broken_link(
    hub: LocalHub, capsys: pytest.CaptureFixture[str]
) -> None:
    intact = audit.verify_chain("aurora")
    assert intact.intact
    assert intact.entries == 8  # 2 customers + 6 receivables

    # Tamper with entry 3 as someone with table access might
    store = table()
    entry = store.get(keys.audit("aurora"), f"{3:012d}")
    assert entry is not None
    store.put(Put({**entry, "after": {**entry["after"], "balance": "0.00"}}))

    status = cli(["audit", "verify", "aurora"])
    output = json.loads(capsys.readouterr().out)

    assert status == 1
    assert output["first_broken_link"] == 3
    assert "altered" in output["reason"]
    store.put(Put(entry))
    assert audit.verify_chain("aurora").intact


def test_audit_history_of_one_receivable(hub: LocalHub) -> None:
    history = audit.history_of("aurora", "6~1")

    assert [entry["action"] for entry in history] == ["receivable.created"]
    assert history[0]["after"]["status"] == "paid"


def test_lgpd_export_then_erasure_keeps_the_money(hub: LocalHub) -> None:
    worklist.add_note("aurora", "c1", "Ligou do 11 98765-4321, pede boleto novo", author="op")
    worklist.add_promise("aurora", "c1", date(2026, 4, 10), author="op", amount=Decimal("100"))
    bounce = {"pk": keys.customer("aurora", "c1"), "sk": keys.customer_bounced("email", "ab12")}
    table().put(Put(bounce))
    opt_out = {"pk": keys.customer("aurora", "c1"), "sk": keys.OPT_OUT, "sms": True}
    table().put(Put(opt_out))

    exported = lgpd.export_subject("aurora", CPF)
    [customer] = exported["customers"]
    assert customer["profile"]["name"] == "Ana Lima"
    assert len(customer["receivables"]) == 3
    assert [note["text"] for note in customer["notes"]] == [
        "Ligou do 11 98765-4321, pede boleto novo"
    ]
    assert [promise["promised_on"] for promise in customer["promises"]] == ["2026-04-10"]
    assert len(customer["bounced_contacts"]) == 1
    assert [item["sk"] for item in customer["other"]] == [keys.OPT_OUT]

    summary = lgpd.erase_subject("aurora", CPF, actor="test")

    assert summary["customers"] == 1
    assert summary["contact_history_items_erased"] == 2
    history = table().partition(keys.customer("aurora", "c1"))
    [note] = [item for item in history if item["sk"].startswith("NOTE#")]
    assert note["text"] == lgpd.ERASED_NOTE
    assert note["author"] == "op"
    [promise] = [item for item in history if item["sk"].startswith("PROMISE#")]
    assert promise["amount"] == Decimal("100.00")
    assert not [item for item in history if item["sk"].startswith("BOUNCED#")]
    assert "98765" not in json.dumps(history, default=str)
    with pytest.raises(lgpd.SubjectNotFound):
        lgpd.export_subject("aurora", CPF)
    profile = table().get(keys.customer("aurora", "c1"), keys.PROFILE)
    assert profile is not None
    assert profile["profile"]["name"] == lgpd.ERASED_NAME
    assert profile["profile"]["emails"] == []
    assert profile["profile"]["document"].startswith("ANON-")
    assert "ana.lima" not in json.dumps(profile, default=str)
    receivable = table().get(keys.receivable("aurora", "2~1"), keys.RECEIVABLE)
    assert receivable is not None
    assert receivable["balance"] == Decimal("200.00")
    assert audit.verify_chain("aurora").intact


def test_export_is_consistent_and_complete(hub: LocalHub) -> None:
    lines, manifest = export_tenant("aurora")

    kinds = manifest["by_type"]
    assert kinds["receivable"] == 6
    assert kinds["customer"] == 2
    assert kinds["tenant"] == 1
    assert kinds["audit"] == manifest["consistent_at_audit_seq"]
    assert manifest["items"] == len(lines)
    assert clock.today().isoformat() == AS_OF
