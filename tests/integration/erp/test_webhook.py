"""POST /v1/erp/{tenant}/events on the local hub: every case of the webhook contract."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cobranca.adapters.erp.signatures import compute
from cobranca.domain.receivables import ReceivableStatus
from cobranca.platform.settings import get_settings
from cobranca_local.hub import LocalHub

from tests.integration.erp.support import (
    CPF,
    audit_actions,
    body_of,
    event,
    partition,
    post,
    receivable_data,
    stored,
)
from tests.support.hub import make_tenant, running_hub

TENANT = "webhooks"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        yield running


@pytest.fixture(scope="module")
def secrets(hub: LocalHub) -> list[str]:
    _, document = make_tenant(TENANT, {"webhook_secrets": ["secret-new", "secret-old"]})
    return list(document["webhook_secrets"])


def archived(hub: LocalHub, key: str) -> bytes:
    response = hub.client("s3").get_object(Bucket=get_settings().raw_bucket, Key=key)
    body: bytes = response["Body"].read()
    return body


def test_a_batch_is_accepted_and_upserted(hub: LocalHub, secrets: list[str]) -> None:
    # GIVEN a receivable with its customer, and a payment for it listed first in the batch
    body = body_of(
        event(
            "pay-1",
            "payment.recorded",
            {"erp_id": "A1", "payment_id": "P-1", "amount": "50.00", "paid_on": "2026-12-02"},
        ),
        event(
            "rec-1",
            "receivable.upserted",
            receivable_data(
                "A1", customer={"customer_id": "C1", "name": "Ana Lima", "document": CPF}
            ),
        ),
    )

    # WHEN the ERP posts it, signed
    response = post(hub, TENANT, body, secrets[0])

    # THEN both are accepted, in the order sent, and applied in dependency order
    assert response.status_code == 200
    answer = response.json()
    assert answer["counts"] == {"accepted": 2, "duplicate": 0, "rejected": 0}
    assert [(r["event_id"], r["outcome"], r["status"]) for r in answer["results"]] == [
        ("pay-1", "accepted", 200),
        ("rec-1", "accepted", 200),
    ]
    record = stored(TENANT, "A1~1")
    assert record is not None
    assert (record.receivable.amount, record.balance) == (Decimal("150.00"), Decimal("100.00"))
    assert record.status is ReceivableStatus.PARTIALLY_PAID
    assert record.receivable.due_date == date(2026, 12, 10)
    # AND the raw body was archived byte for byte
    assert archived(hub, answer["archived"]) == body


def test_a_redelivered_batch_is_duplicate_and_changes_nothing(
    hub: LocalHub, secrets: list[str]
) -> None:
    body = body_of(event("dup-1", "receivable.upserted", receivable_data("D1", amount="80.00")))
    first = post(hub, TENANT, body, secrets[0])
    before = audit_actions(TENANT, "D1~1")

    again = post(hub, TENANT, body, secrets[0])

    assert first.json()["results"][0]["outcome"] == "accepted"
    assert again.status_code == 200
    assert again.json()["results"][0] == {
        "event_id": "dup-1",
        "outcome": "duplicate",
        "status": 200,
        "reason": "already processed",
    }
    assert audit_actions(TENANT, "D1~1") == before == ["receivable.created"]


def test_reordered_versions_keep_the_newest(hub: LocalHub, secrets: list[str]) -> None:
    # GIVEN version 2 (10:05) delivered before version 1 (10:00)
    newer = event(
        "v2",
        "receivable.upserted",
        receivable_data("R1", amount="200.00", updated="2026-12-01T10:05:00Z"),
    )
    older = event(
        "v1",
        "receivable.upserted",
        receivable_data("R1", amount="100.00", updated="2026-12-01T10:00:00Z"),
    )

    post(hub, TENANT, body_of(newer), secrets[0])
    late = post(hub, TENANT, body_of(older), secrets[0]).json()

    # THEN the older one is acknowledged but never overwrites the newer
    assert late["results"][0]["outcome"] == "accepted"
    assert late["results"][0]["effects"] == [
        {
            "kind": "receivable",
            "key": "R1~1",
            "outcome": "stale",
            "reason": "an older version than the one stored",
        }
    ]
    record = stored(TENANT, "R1~1")
    assert record is not None and record.receivable.amount == Decimal("200.00")


def test_a_schema_error_rejects_that_event_only(hub: LocalHub, secrets: list[str]) -> None:
    body = body_of(
        event("ok-1", "receivable.upserted", receivable_data("S1")),
        {"event_id": "bad-1", "type": "invoice.created", "occurred_at": "x", "data": {}},
        event("bad-2", "receivable.upserted", receivable_data("S2", amount="1.234,56")),
    )

    response = post(hub, TENANT, body, secrets[0])

    assert response.status_code == 200
    results = {r["event_id"]: r for r in response.json()["results"]}
    assert results["ok-1"]["outcome"] == "accepted"
    assert (results["bad-1"]["outcome"], results["bad-1"]["status"]) == ("rejected", 422)
    assert {e["field"] for e in results["bad-1"]["errors"]} == {"type", "occurred_at", "data"}
    assert results["bad-2"]["status"] == 422
    assert results["bad-2"]["errors"][0]["field"] == "amount"
    assert stored(TENANT, "S2~1") is None


def test_a_batch_where_every_event_is_rejected_answers_422(
    hub: LocalHub, secrets: list[str]
) -> None:
    body = body_of(event("bad-3", "receivable.upserted", {"erp_id": "X"}))

    response = post(hub, TENANT, body, secrets[0])

    assert response.status_code == 422
    assert response.json()["counts"] == {"accepted": 0, "duplicate": 0, "rejected": 1}


def test_a_payment_for_an_unknown_receivable_can_be_retried(
    hub: LocalHub, secrets: list[str]
) -> None:
    payment = event(
        "pay-9",
        "payment.recorded",
        {"erp_id": "U1", "payment_id": "P-9", "amount": "10.00", "paid_on": "2026-12-02"},
    )

    early = post(hub, TENANT, body_of(payment), secrets[0])
    post(
        hub,
        TENANT,
        body_of(event("rec-9", "receivable.upserted", receivable_data("U1"))),
        secrets[0],
    )
    retried = post(hub, TENANT, body_of(payment), secrets[0])

    assert early.json()["results"][0]["status"] == 409
    assert "unknown receivable" in early.json()["results"][0]["reason"]
    assert retried.json()["results"][0]["outcome"] == "accepted"
    record = stored(TENANT, "U1~1")
    assert record is not None and record.balance == Decimal("140.00")
    assert len(partition(TENANT, "U1~1", "PAYMENT#")) == 1


def test_an_event_id_reused_for_other_content_is_rejected(
    hub: LocalHub, secrets: list[str]
) -> None:
    post(
        hub,
        TENANT,
        body_of(event("same-id", "receivable.upserted", receivable_data("E1"))),
        secrets[0],
    )

    reused = post(
        hub,
        TENANT,
        body_of(event("same-id", "receivable.upserted", receivable_data("E2"))),
        secrets[0],
    ).json()["results"][0]

    assert (reused["outcome"], reused["status"]) == ("rejected", 409)
    assert stored(TENANT, "E2~1") is None


def test_the_previous_secret_still_verifies_during_a_rotation(
    hub: LocalHub, secrets: list[str]
) -> None:
    body = body_of(event("rot-1", "receivable.upserted", receivable_data("T1")))

    assert post(hub, TENANT, body, secrets[1]).status_code == 200


# ---------------------------------------------------------------------- refusals


def _problem(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]


UNVERIFIED = (401, "request signature could not be verified")


def test_signature_failures_answer_401_without_saying_why(
    hub: LocalHub, secrets: list[str]
) -> None:
    body = body_of(event("sig-1", "receivable.upserted", receivable_data("G1")))
    now = int(time.time())
    reserialised = json.dumps(json.loads(body), indent=1).encode()

    cases = {
        "missing": post(hub, TENANT, body, None),
        "wrong secret": post(hub, TENANT, body, "not-the-secret"),
        "re-serialised": post(
            hub, TENANT, reserialised, None, header=f"t={now},v1={compute(secrets[0], now, body)}"
        ),
        "301 s old": post(hub, TENANT, body, secrets[0], signed_at=now - 301),
        "no v1": post(
            hub, TENANT, body, None, header=f"t={now},v0={compute(secrets[0], now, body)}"
        ),
    }

    answers = {name: _problem(response) for name, response in cases.items()}
    assert answers == dict.fromkeys(cases, UNVERIFIED)
    assert stored(TENANT, "G1~1") is None


def test_unknown_tenant_is_404(hub: LocalHub, secrets: list[str]) -> None:
    body = body_of(event("nt-1", "receivable.upserted", receivable_data("N1")))

    assert _problem(post(hub, "nobody-here", body, secrets[0])) == (404, "no tenant 'nobody-here'")


def test_malformed_json_is_400_and_still_archived(hub: LocalHub, secrets: list[str]) -> None:
    body = b'{"events": [ {"event_id": "x",'
    before = _raw_keys(hub)

    response = post(hub, TENANT, body, secrets[0])

    assert response.status_code == 400
    assert response.json()["detail"].startswith("body is not valid JSON")
    (key,) = _raw_keys(hub) - before
    assert archived(hub, key) == body


def test_not_a_batch_is_422(hub: LocalHub, secrets: list[str]) -> None:
    for body in (b"[]", b'{"events": []}', json.dumps({"events": [{}] * 101}).encode()):
        assert post(hub, TENANT, body, secrets[0]).status_code == 422


def test_an_oversized_body_is_413(hub: LocalHub, secrets: list[str]) -> None:
    body = b'{"events": [], "padding": "' + b"x" * (1024 * 1024) + b'"}'

    response = post(hub, TENANT, body, secrets[0])

    assert response.status_code == 413


def _raw_keys(hub: LocalHub) -> set[str]:
    listing = hub.client("s3").list_objects_v2(
        Bucket=get_settings().raw_bucket, Prefix=f"raw/{TENANT}/erp-webhook/"
    )
    return {item["Key"] for item in listing.get("Contents", [])}


def test_write_back_for_a_webhook_only_tenant_is_kept_not_parked(
    hub: LocalHub, secrets: list[str]
) -> None:
    from cobranca.services.outbox import request_writebacks
    from cobranca.services.replay import dead_letter_url, depth, queue_url

    post(
        hub,
        TENANT,
        body_of(event("wb-1", "receivable.upserted", receivable_data("W1"))),
        secrets[0],
    )
    request_writebacks(
        TENANT, [("W1~1", "payment", "pix-w1", {"amount": "150.00", "paid_on": "2026-12-02"})]
    )

    hub.drain()

    (kept,) = partition(TENANT, "W1~1", "WRITEBACK#")
    assert (kept["ref"], kept["outcome"]) == ("pix-w1", "no_erp_api")
    assert depth(dead_letter_url(queue_url("writeback"))) == 0
