"""Asaas end to end: ERP sync → charge → payer pays → callback settles once (TRAPS 6, 7, 11)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cobranca.cli.main import main as cli
from cobranca.platform import clock
from cobranca.platform.requests import RequestCounter
from cobranca.services.confirmations import list_parked
from cobranca_local.hub import LocalHub

from tests.integration.charges.support import (
    ASAAS_TOKEN,
    asaas_tenant,
    audit_actions,
    drain_charges,
    ledger,
    partition,
    post_json,
    receivable,
    stored,
    sync,
    writebacks,
)
from tests.support.hub import running_hub

TENANT = "asaas-co"
SAMPLES = Path(__file__).resolve().parents[2] / "events" / "callbacks"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        asaas_tenant(running, TENANT)
        yield running


def _fake() -> str:
    return os.environ["COBRANCA_FAKE_ASAAS_URL"]


def _issue(hub: LocalHub, erp_id: str, amount: str, due: date | None = None) -> str:
    from cobranca.adapters.storage.tenants import load_tenant

    # A boleto cannot be issued already due: by default, due ten days ahead of the hub's clock.
    due = due or clock.today() + timedelta(days=10)
    sync(load_tenant(TENANT), receivable(erp_id, amount, due))
    drain_charges(hub)
    return f"{erp_id}~1"


def _callback(hub: LocalHub, document: Any, token: str = ASAAS_TOKEN) -> httpx.Response:
    return post_json(
        f"{hub.url}/v1/callbacks/{TENANT}/asaas", document, {"asaas-access-token": token}
    )


def _event(name: str, receivable_id: str, payment_id: str, event_id: str, **payment: Any) -> Any:
    document = json.loads((SAMPLES / name).read_text())
    document["id"] = event_id
    document["payment"].update(
        {"id": payment_id, "externalReference": f"{TENANT}#{receivable_id}#1", **payment}
    )
    return document


def test_sync_issues_one_asaas_charge_with_boleto_and_pix(hub: LocalHub) -> None:
    due = clock.today() + timedelta(days=10)
    rid = _issue(hub, "NF100", "150.00", due)

    charge = stored(TENANT, rid)["charge"]
    assert charge["status"] == "issued"
    assert charge["provider"] == "asaas"
    assert charge["amount"] == 150
    assert charge["due_date"] == due.isoformat()
    assert len(charge["linha_digitavel"]) == 47
    assert charge["pix_copia_e_cola"].startswith("000201")
    found = httpx.get(
        f"{_fake()}/v3/payments",
        params={"externalReference": f"{TENANT}#{rid}#1"},
        headers={"access_token": f"key-{TENANT}"},
    ).json()
    assert found["totalCount"] == 1
    assert found["data"][0]["fine"] == {"value": 2.0, "type": "PERCENTAGE"}
    assert found["data"][0]["interest"] == {"value": 1.0}
    history = partition(TENANT, rid, "CHARGE#")
    assert [(item["sk"], item["status"]) for item in history] == [("CHARGE#0001", "issued")]


def test_payment_settles_once_and_duplicates_change_nothing(hub: LocalHub) -> None:
    # GIVEN an issued charge
    rid = _issue(hub, "NF101", "150.00")
    payment_id = stored(TENANT, rid)["charge"]["provider_id"]

    # WHEN the payer pays and Asaas delivers PAYMENT_RECEIVED
    with RequestCounter("dynamodb") as counter:
        paid = httpx.post(
            f"{_fake()}/_fake/payments/{payment_id}/receive",
            json={"paymentDate": "2026-03-19", "id": "evt_dup_1", "billingType": "PIX"},
        ).json()
    # AND the same event again 24 s later, and PAYMENT_CONFIRMED about the same payment
    again = httpx.post(
        f"{_fake()}/_fake/payments/{payment_id}/event",
        json={"event": "PAYMENT_RECEIVED", "id": "evt_dup_1"},
    ).json()
    confirmed = httpx.post(
        f"{_fake()}/_fake/payments/{payment_id}/event", json={"event": "PAYMENT_CONFIRMED"}
    ).json()

    # THEN one payment is recorded, the redeliveries are acknowledged with 200
    assert paid["hub_status"] == 200
    assert paid["hub"]["results"][0]["outcome"] == "applied"
    assert (again["hub_status"], again["hub"]["results"][0]["outcome"]) == (200, "duplicate")
    assert confirmed["hub"]["results"][0]["outcome"] == "recorded"
    assert ledger(TENANT, rid) == {
        "total": "150.00",
        "settled": "150.00",
        "discount_granted": "0.00",
        "charges_received": "0.00",
        "customer_credit": "0.00",
        "status": "paid",
    }
    assert len(partition(TENANT, rid, "PAYMENT#")) == 1
    assert len(partition(TENANT, rid, "EVENT#")) == 2
    assert stored(TENANT, rid)["charge"]["status"] == "paid"
    assert audit_actions(TENANT, rid).count("payment.confirmed") == 1
    # AND the confirmation cost at most four DynamoDB requests
    assert counter.total <= 4, counter.snapshot()
    # AND one write-back of kind payment waits for the ERP
    mine = [m for m in writebacks(hub) if m["receivable_id"] == rid]
    assert [(m["kind"], m["ref"]) for m in mine] == [("payment", f"asaas:{payment_id}")]
    assert mine[0]["payload"] == {
        "payment_id": f"asaas:{payment_id}",
        "amount": "150.00",
        "principal": "150.00",
        "charges": "0.00",
        "paid_on": "2026-03-19",
        "method": "pix",
        "source": "asaas",
    }


def test_late_overdue_event_never_reopens_a_paid_receivable(hub: LocalHub) -> None:
    # TRAPS 7: paid (10:00:30) arrives before a retried waiting/overdue (10:00:00)
    rid = _issue(hub, "NF102", "80.00")
    received = _event(
        "asaas-payment-received.json", rid, "pay_x102", "evt_102_paid", value=80.00, netValue=79.01
    )
    overdue = _event("asaas-payment-overdue.json", rid, "pay_x102", "evt_102_overdue", value=80.00)
    created = _event("asaas-payment-overdue.json", rid, "pay_x102", "evt_102_created", value=80.00)
    created["event"] = "PAYMENT_CREATED"

    answers = [_callback(hub, document).json() for document in (received, overdue, created)]

    assert [a["results"][0]["outcome"] for a in answers] == ["applied", "recorded", "recorded"]
    assert ledger(TENANT, rid)["status"] == "paid"
    assert ledger(TENANT, rid)["settled"] == "80.00"
    assert len(partition(TENANT, rid, "EVENT#")) == 3


def test_partial_payments_and_credit_leave_the_right_balance(hub: LocalHub) -> None:
    # TRAPS 11: total 50.00; payment 10.00 → partial 40.00; credit 15.00 → 25.00; 25.00 → paid
    from cobranca.adapters.storage.tenants import load_tenant
    from cobranca.model.receivables import Payment
    from cobranca.services.ingest import Incoming, Ingestor

    rid = _issue(hub, "NF103", "50.00")
    first = _event(
        "asaas-payment-received.json", rid, "pay_a103", "evt_103_a", value=10.00, netValue=9.01
    )
    assert _callback(hub, first).json()["results"][0]["balance"] == "40.00"
    assert ledger(TENANT, rid)["status"] == "partially_paid"

    credit = Payment(
        payment_id="NC-7", amount="15.00", paid_on=date(2026, 3, 12), source="credit_note"
    )
    Ingestor(load_tenant(TENANT), actor="erp_sync").ingest(
        Incoming(payments=[(rid, credit, None)]), queue_charges=False
    )
    assert ledger(TENANT, rid)["settled"] == "25.00"

    last = _event(
        "asaas-payment-received.json", rid, "pay_b103", "evt_103_b", value=25.00, netValue=24.01
    )
    answer = _callback(hub, last).json()["results"][0]

    assert (answer["status"], answer["balance"]) == ("paid", "0.00")
    assert ledger(TENANT, rid)["customer_credit"] == "0.00"


def test_overpayment_is_kept_as_customer_credit(hub: LocalHub) -> None:
    rid = _issue(hub, "NF104", "150.00")
    over = _event(
        "asaas-payment-received.json", rid, "pay_x104", "evt_104", value=160.00, netValue=159.01
    )

    _callback(hub, over)

    assert ledger(TENANT, rid) == {
        "total": "150.00",
        "settled": "150.00",
        "discount_granted": "0.00",
        "charges_received": "0.00",
        "customer_credit": "10.00",
        "status": "paid",
    }


def test_refund_reopens_the_receivable_and_a_new_charge_is_issued(hub: LocalHub) -> None:
    rid = _issue(hub, "NF105", "150.00")
    payment_id = stored(TENANT, rid)["charge"]["provider_id"]
    httpx.post(f"{_fake()}/_fake/payments/{payment_id}/receive", json={"paymentDate": "2026-03-19"})

    refunded = httpx.post(
        f"{_fake()}/_fake/payments/{payment_id}/event", json={"event": "PAYMENT_REFUNDED"}
    ).json()
    # a refund event delivered twice gives the money back once
    httpx.post(f"{_fake()}/_fake/payments/{payment_id}/event", json={"event": "PAYMENT_REFUNDED"})

    assert refunded["hub"]["results"][0]["outcome"] == "applied"
    assert ledger(TENANT, rid)["status"] == "open"
    assert ledger(TENANT, rid)["settled"] == "0.00"
    assert stored(TENANT, rid)["charge"]["status"] == "refunded"
    drain_charges(hub)
    charge = stored(TENANT, rid)["charge"]
    assert (charge["generation"], charge["status"]) == (2, "issued")


def test_forged_token_is_rejected_and_the_body_still_archived(hub: LocalHub) -> None:
    rid = _issue(hub, "NF106", "150.00")
    document = _event("asaas-payment-received.json", rid, "pay_x106", "evt_106")

    response = _callback(hub, document, token="forged-token")

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "does not match" in response.json()["detail"]
    assert ledger(TENANT, rid)["status"] == "open"
    listed = hub.client("s3").list_objects_v2(
        Bucket=hub.ref("RawBucket"), Prefix=f"raw/{TENANT}/callbacks/asaas/"
    )
    assert listed["KeyCount"] >= 1


def test_unknown_charge_and_mismatched_amounts_are_parked_with_a_reason(
    hub: LocalHub, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = _event("asaas-payment-received.json", "NF999~1", "pay_x999", "evt_999")
    unknown["payment"]["externalReference"] = "056984"
    rid = _issue(hub, "NF107", "150.00")
    mismatch = _event(
        "asaas-payment-received.json", rid, "pay_x107", "evt_107", value=150.00, netValue=151.00
    )

    first = _callback(hub, unknown)
    second = _callback(hub, mismatch)

    assert first.status_code == second.status_code == 200
    assert first.json()["results"][0]["outcome"] == "parked"
    assert (
        second.json()["results"][0]["reason"] == "netValue 151.00 exceeds the payment value 150.00"
    )
    reasons = [item["reason"] for item in list_parked(TENANT)]
    assert "unknown charge asaas pay_x999" in reasons
    assert "netValue 151.00 exceeds the payment value 150.00" in reasons
    assert ledger(TENANT, rid)["status"] == "open"
    # The operator sees the same list from the CLI
    capsys.readouterr()
    assert cli(["parked", TENANT]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "unknown charge asaas pay_x999" in [item["reason"] for item in listed["items"]]


def test_unknown_tenant_and_bad_json_get_problem_details(hub: LocalHub) -> None:
    missing = post_json(f"{hub.url}/v1/callbacks/nobody/asaas", {}, {"asaas-access-token": "x"})
    garbled = httpx.post(
        f"{hub.url}/v1/callbacks/{TENANT}/asaas",
        content=b"{not json",
        headers={"Content-Type": "application/json", "asaas-access-token": ASAAS_TOKEN},
    )

    assert (missing.status_code, missing.json()["detail"]) == (404, "unknown tenant 'nobody'")
    assert garbled.status_code == 400


def test_updated_charge_of_an_overdue_receivable_settles_it_with_no_credit(hub: LocalHub) -> None:
    # GIVEN a receivable of 150.00 ten days overdue, charged updated (multa and juros added)
    rid = _issue(hub, "NF-OVERDUE", "150.00", clock.today() - timedelta(days=10))
    charge = stored(TENANT, rid)["charge"]
    face = Decimal(str(charge["amount"]))
    assert face > Decimal("150.00")

    # WHEN the payer pays the boleto's face value today, before its new due date
    paid = httpx.post(
        f"{_fake()}/_fake/payments/{charge['provider_id']}/receive",
        json={"paymentDate": clock.today().isoformat(), "value": str(face)},
    ).json()

    # THEN the principal is settled, what the charge added is multa and juros, and no credit
    assert paid["hub"]["results"][0]["outcome"] == "applied"
    assert ledger(TENANT, rid) == {
        "total": "150.00",
        "settled": "150.00",
        "discount_granted": "0.00",
        "charges_received": f"{face - Decimal('150.00'):.2f}",
        "customer_credit": "0.00",
        "status": "paid",
    }
    [message] = [m for m in writebacks(hub) if m["receivable_id"] == rid]
    assert message["payload"]["principal"] == "150.00"
    assert message["payload"]["charges"] == f"{face - Decimal('150.00'):.2f}"
