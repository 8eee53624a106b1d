"""Write-back to a real Tryton: payments booked once, whatever is redelivered or replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.tryton import TrytonClient
from cobranca.adapters.erp.writers import marker
from cobranca.services.outbox import request_writebacks
from cobranca.services.replay import dead_letter_url, depth, queue_url, replay
from cobranca.services.sync import sync_tenant
from cobranca.services.writeback import RetryLater, handle_message
from cobranca_local.hub import LocalHub
from cobranca_local.tryton.server import TrytonServer

from tests.integration.erp.support import partition
from tests.support.hub import make_tenant, running_hub

pytestmark = pytest.mark.erp

TENANT = "aurora-wb"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        yield running


@pytest.fixture(scope="module")
def tryton(hub: LocalHub, writable_tryton: TrytonServer) -> Iterator[TrytonClient]:
    make_tenant(
        TENANT,
        {"erp": {"login": "admin", "password": "admin"}},
        erp={"kind": "tryton", "base_url": writable_tryton.url, "database": "tryton"},
    )
    assert sync_tenant(TENANT).outcome == "ok"
    with TrytonClient(writable_tryton.url, "tryton", "admin", "admin") as client:
        yield client


def open_invoice(client: TrytonClient, skip: int = 0) -> dict[str, Any]:
    """An open invoice with one line to pay (one receivable in the hub)."""
    rows = client.search_read(
        "account.invoice",
        [["type", "=", "out"], ["state", "=", "posted"], ["payment_term.name", "=", "60 dias"]],
        ["id", "number", "amount_to_pay", "total_amount"],
        order=[["id", "ASC"]],
    )
    full = [row for row in rows if row["amount_to_pay"] == row["total_amount"]]
    return full[skip]


@pytest.fixture(scope="module")
def target(tryton: TrytonClient) -> dict[str, Any]:
    """The invoice the payment tests follow, chosen before any of them pays it."""
    return open_invoice(tryton)


def to_pay(client: TrytonClient, invoice_id: int) -> tuple[str, Decimal]:
    row = client.invoice(invoice_id, ["state", "amount_to_pay"])
    return str(row["state"]), Decimal(row["amount_to_pay"])


def moves_with(client: TrytonClient, invoice_id: int, ref: str) -> int:
    return len(client.find_payment(invoice_id, marker(ref)))


def payment(amount: str, ref: str) -> dict[str, Any]:
    return {"amount": amount, "paid_on": "2026-12-01", "method": "pix", "payment_id": ref}


def dlq() -> str:
    return dead_letter_url(queue_url("writeback"))


def test_a_payment_recorded_in_the_hub_shows_up_in_tryton(
    hub: LocalHub, tryton: TrytonClient, target: dict[str, Any]
) -> None:
    # GIVEN an open invoice of the ERP, synced to the hub
    invoice = target
    rid = f"{invoice['id']}~1"
    state, before = to_pay(tryton, invoice["id"])
    assert state == "posted"

    # WHEN the hub records a Pix payment of 100.00 and queues its write-back
    request_writebacks(TENANT, [(rid, "payment", "pix-e2e-001", payment("100.00", "pix-e2e-001"))])
    hub.drain()

    # THEN Tryton books it: the amount to pay drops by exactly 100.00, once
    assert to_pay(tryton, invoice["id"]) == ("posted", before - Decimal("100.00"))
    assert moves_with(tryton, invoice["id"], "pix-e2e-001") == 1
    (kept,) = partition(TENANT, rid, "WRITEBACK#payment#pix-e2e-001")
    assert kept["outcome"] == "written"


def test_a_replay_from_the_dlq_never_books_twice(
    hub: LocalHub, tryton: TrytonClient, target: dict[str, Any]
) -> None:
    invoice = target
    rid = f"{invoice['id']}~1"
    _, before = to_pay(tryton, invoice["id"])
    body = {
        "tenant_id": TENANT,
        "receivable_id": rid,
        "kind": "payment",
        "ref": "pix-e2e-001",
        "payload": payment("100.00", "pix-e2e-001"),
        "requested_at": "2026-12-01T12:00:00+00:00",
    }
    # GIVEN the same message sits in the DLQ (the consumer died after Tryton booked it)
    hub.client("sqs").send_message(
        QueueUrl=dlq(),
        MessageBody=json.dumps(body),
        MessageGroupId=f"{TENANT}:{rid}",
        MessageDeduplicationId="crashed-after-booking",
    )

    # WHEN an operator replays the DLQ
    report = replay("writeback")
    hub.drain()

    # THEN the message ran again and found its own booking: nothing new in Tryton
    assert report.moved == 1
    assert to_pay(tryton, invoice["id"]) == ("posted", before)
    assert moves_with(tryton, invoice["id"], "pix-e2e-001") == 1
    assert depth(dlq()) == 0


def test_paying_the_rest_settles_the_invoice(
    hub: LocalHub, tryton: TrytonClient, target: dict[str, Any]
) -> None:
    invoice = target
    rid = f"{invoice['id']}~1"
    _, rest = to_pay(tryton, invoice["id"])

    request_writebacks(TENANT, [(rid, "payment", "pix-e2e-002", payment(str(rest), "pix-e2e-002"))])
    hub.drain()

    assert to_pay(tryton, invoice["id"]) == ("paid", Decimal("0.00"))
    # AND a payment for an invoice with nothing left to pay books nothing
    request_writebacks(TENANT, [(rid, "payment", "pix-e2e-003", payment("5.00", "pix-e2e-003"))])
    hub.drain()
    assert moves_with(tryton, invoice["id"], "pix-e2e-003") == 0
    (kept,) = partition(TENANT, rid, "WRITEBACK#payment#pix-e2e-003")
    assert kept["outcome"] == "nothing_to_pay"


def test_a_status_change_becomes_a_note_once(hub: LocalHub, tryton: TrytonClient) -> None:
    invoice = open_invoice(tryton, skip=1)
    rid = f"{invoice['id']}~1"
    message = (rid, "agreement", "acordo-77", {"agreement_id": "acordo-77", "installments": 3})

    request_writebacks(TENANT, [message])
    hub.drain()
    replayed = handle_message(
        {
            "tenant_id": TENANT,
            "receivable_id": rid,
            "kind": "agreement",
            "ref": "acordo-77",
            "payload": message[3],
        }
    )

    assert len(tryton.find_note(invoice["id"], marker("acordo-77"))) == 1
    assert replayed.outcome == "duplicate"


def test_a_poison_message_goes_to_the_dlq_at_once(hub: LocalHub, tryton: TrytonClient) -> None:
    request_writebacks(TENANT, [("99999~1", "payment", "orphan-1", payment("1.00", "orphan-1"))])

    hub.drain()

    assert depth(dlq()) == 1
    listed = replay("writeback", dry_run=True)
    assert listed.moved == 1
    # leave the DLQ empty for the next tests
    hub.client("sqs").purge_queue(QueueUrl=dlq())


def test_an_erp_that_is_down_asks_for_a_retry(hub: LocalHub, tryton: TrytonClient) -> None:
    invoice = open_invoice(tryton, skip=2)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(RetryLater):
        handle_message(
            {
                "tenant_id": TENANT,
                "receivable_id": f"{invoice['id']}~1",
                "kind": "payment",
                "ref": "down-1",
                "payload": payment("1.00", "down-1"),
            },
            transport=httpx.MockTransport(refuse),
        )
    assert moves_with(tryton, invoice["id"], "down-1") == 0
