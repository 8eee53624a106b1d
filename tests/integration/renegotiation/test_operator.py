"""The operator's view (API and CLI): executions by state, offers and rates, the collector's
worklist with notes and promises, and a manual offer that starts the same flow."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from cobranca.cli.main import main
from cobranca.services.renegotiation import monitor
from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h
from tests.support.hub import operator_client

D = Decimal


@pytest.fixture(scope="module")
def operator(hub: LocalHub) -> httpx.Client:
    return operator_client(hub)


def test_overview_counts_executions_by_state_offers_and_rates(
    hub: LocalHub, outbox: h.Outbox, operator: httpx.Client
) -> None:
    # GIVEN one offer waiting for the customer
    h.seed("ops")
    started = h.start("ops")
    link = h.wait_for_link("ops")

    waiting = operator.get("/v1/tenants/ops/renegotiation").json()
    pending = operator.get("/v1/tenants/ops/renegotiation/offers").json()

    assert waiting["offers"]["pending"] == 1
    assert waiting["executions"]["by_status"] == {"RUNNING": 1}
    assert waiting["executions"]["running_by_state"] == {"SendOfferAndWait": 1}
    assert waiting["rates"]["acceptance_rate"] is None
    (offer,) = pending
    assert (offer["customer_id"], offer["total"], offer["plans"]) == ("C1", "830.23", 5)
    assert "task_token" not in json.dumps(pending)

    # WHEN the customer accepts
    h.accept(link, "p1")
    h.wait_execution(hub, started.execution_arn)
    done = operator.get("/v1/tenants/ops/renegotiation").json()
    active = operator.get("/v1/tenants/ops/renegotiation/agreements").json()

    # THEN the counts and the rates follow
    assert done["offers"] == {"pending": 0, "accepted": 1, "declined": 0, "expired": 0}
    assert done["agreements"]["active"] == 1
    assert done["rates"] == {
        "closed": 1,
        "acceptance_rate": "1.0000",
        "decline_rate": "0.0000",
        "expiry_rate": "0.0000",
    }
    assert done["executions"]["by_status"] == {"SUCCEEDED": 1}
    (agreement,) = active
    assert agreement["total"] == "800.00"
    assert agreement["originals"] == h.ORIGINALS


def test_operator_routes_need_the_token_and_known_tenants(
    hub: LocalHub, operator: httpx.Client
) -> None:
    h.seed("guarded")

    assert httpx.get(f"{hub.url}/v1/tenants/guarded/renegotiation").status_code == 401
    missing = operator.get("/v1/tenants/nobody/worklist")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad = operator.get("/v1/tenants/guarded/renegotiation/offers?status=lost")
    assert bad.status_code == 422
    assert "status" in bad.json()["detail"]


def test_a_manual_offer_starts_the_same_flow(
    hub: LocalHub, outbox: h.Outbox, operator: httpx.Client
) -> None:
    h.seed("manual")
    body = {"receivable_ids": ["NF-1~1"], "requested_by": "maria", "decision_seconds": 60}

    first = operator.post("/v1/tenants/manual/customers/C1/offers", json=body)
    again = operator.post("/v1/tenants/manual/customers/C1/offers", json=body)
    link = h.wait_for_link("manual")

    assert first.status_code == 202
    assert again.json()["execution"] == first.json()["execution"]
    (offer,) = h.offers("manual")
    assert offer.receivable_ids == ["NF-1~1"]
    assert offer.debt.total == D("520.83")
    assert httpx.get(link).status_code == 200


def test_the_tenants_rules_are_read_and_validated(operator: httpx.Client, hub: LocalHub) -> None:
    h.seed("rules")

    bad = operator.put(
        "/v1/tenants/rules/renegotiation/policy", json={"max_installments": 0, "channels": []}
    )
    good = operator.put(
        "/v1/tenants/rules/renegotiation/policy",
        json={"max_installments": 6, "on_timeout": "negativacao"},
    )

    assert bad.status_code == 422
    assert "max_installments" in bad.json()["detail"]
    assert good.status_code == 200
    stored = operator.get("/v1/tenants/rules/renegotiation/policy").json()
    assert (stored["max_installments"], stored["on_timeout"]) == (6, "negativacao")


def test_worklist_ranks_debtors_and_a_broken_promise_goes_back_on_top(
    hub: LocalHub, outbox: h.Outbox, operator: httpx.Client
) -> None:
    # GIVEN two debtors: C1 owes 800.00 (65 days), C2 owes 200.00 (24 days)
    h.seed("wl")
    h.seed(
        "wl", customer_id="C2", debt=[("NF-9", date(2026, 2, 20), "200.00")], create_tenant=False
    )

    first = operator.get("/v1/tenants/wl/worklist").json()
    note = operator.post(
        "/v1/tenants/wl/customers/C1/notes",
        json={"text": "Cliente pediu prazo até amanhã", "channel": "phone", "author": "maria"},
    )
    promise = operator.post(
        "/v1/tenants/wl/customers/C1/promises", json={"date": "2026-03-17", "author": "maria"}
    )
    promised = operator.get("/v1/tenants/wl/worklist").json()
    h.set_today(h.NOW + timedelta(days=3))
    try:
        broken = operator.get("/v1/tenants/wl/worklist").json()
        settled = monitor.check_tenant("wl")
    finally:
        h.set_today()
    contacts = operator.get("/v1/tenants/wl/customers/C1/contacts").json()

    # THEN the bigger, longer debt comes first
    assert [(e["customer_id"], e["tier"], e["overdue"]) for e in first] == [
        ("C1", "to_contact", "800.00"),
        ("C2", "to_contact", "200.00"),
    ]
    # 800.00 x 0.2500 (nothing paid before, two overdue: 1/4) x (1 + 65/90)
    assert (first[0]["likelihood"], first[0]["score"]) == ("0.2500", "344.44")
    assert first[0]["name"] == "Ana Maria Souza"
    # AND while the promise runs C1 waits below C2
    assert note.status_code == 201 and promise.status_code == 201
    assert promise.json()["amount"] is None
    assert [(e["customer_id"], e["tier"]) for e in promised] == [
        ("C2", "to_contact"),
        ("C1", "waiting"),
    ]
    assert promised[1]["last_note"]["text"] == "Cliente pediu prazo até amanhã"
    # AND once the promised day and its grace pass unpaid, C1 is back on top
    assert [(e["customer_id"], e["tier"]) for e in broken] == [
        ("C1", "broken_promise"),
        ("C2", "to_contact"),
    ]
    assert settled.promises_broken == 1
    assert contacts["promises"][0]["status"] == "broken"
    assert contacts["notes"][0]["channel"] == "phone"


def test_contact_inputs_are_checked(operator: httpx.Client, hub: LocalHub) -> None:
    h.seed("checks")

    past = operator.post("/v1/tenants/checks/customers/C1/promises", json={"date": "2026-03-01"})
    empty = operator.post("/v1/tenants/checks/customers/C1/notes", json={"text": ""})
    unknown = operator.post("/v1/tenants/checks/customers/NOBODY/notes", json={"text": "oi"})
    too_much = operator.post(
        "/v1/tenants/checks/customers/C1/promises", json={"date": "2026-03-20", "amount": "900.00"}
    )

    assert past.status_code == 422 and "date" in past.json()["detail"]
    assert empty.status_code == 422 and "text" in empty.json()["detail"]
    assert unknown.status_code == 422 and "customer" in unknown.json()["detail"]
    assert too_much.status_code == 422 and "amount" in too_much.json()["detail"]


def test_cli_commands(hub: LocalHub, outbox: h.Outbox, capsys: pytest.CaptureFixture[str]) -> None:
    h.seed("cli")

    def run(*argv: str) -> tuple[int, object]:
        status = main(list(argv))
        return status, json.loads(capsys.readouterr().out)

    status, worklist = run("worklist", "cli")
    assert status == 0
    assert [entry["customer_id"] for entry in worklist] == ["C1"]  # type: ignore[union-attr]

    status, note = run("note", "cli", "C1", "Sem resposta no telefone", "--channel", "phone")
    assert status == 0 and note["valid"]  # type: ignore[index]

    status, refused = run("promise", "cli", "C1", "--date", "2026-01-01")
    assert status == 1
    assert refused["reason"].startswith("--date:")  # type: ignore[index]

    status, refused = run("promise", "cli", "C1", "--date", "2026-03-20", "--amount", "1,0,0")
    assert status == 1 and refused["reason"].startswith("--amount:")  # type: ignore[index]
    status, promise = run("promise", "cli", "C1", "--date", "2026-03-20", "--amount", "100.00")
    assert status == 0 and promise["amount"] == "100.00"  # type: ignore[index]

    status, started = run("offer", "start", "cli", "C1")
    assert status == 0 and started["started"]  # type: ignore[index]
    h.wait_for_link("cli")

    status, offers = run("offers", "cli")
    assert status == 0 and [o["status"] for o in offers] == ["pending"]  # type: ignore[union-attr]
    status, stats = run("offers", "cli", "--stats")
    assert stats["executions"]["running_by_state"] == {"SendOfferAndWait": 1}  # type: ignore[index]

    status, missing = run("worklist", "nobody")
    assert status == 1 and "nobody" in missing["reason"]  # type: ignore[index]
