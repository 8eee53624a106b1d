"""Providers' callbacks verified and normalised: signatures, tokens, events (TRAPS 8)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cobranca.adapters.gateways import CallbackRejected, EventKind
from cobranca.adapters.gateways.asaas import Asaas, AsaasConfig
from cobranca.adapters.gateways.pix_api import PixApi, PixApiConfig
from cobranca.adapters.gateways.stripe import parse_event as stripe_event
from cobranca.adapters.gateways.stripe import sign, verify_signature
from cobranca.domain.receivables import StatusEvent

from tests.vectors import cases

EVENTS = Path(__file__).resolve().parents[2] / "events" / "callbacks"
SECRET = "whsec_test_secret"
TOKEN = "tok-aurora-0123456789abcdef0123456789"


def _sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def _asaas() -> Asaas:
    config = AsaasConfig(api_key="key", webhook_token=TOKEN, base_url="http://127.0.0.1:9")
    return Asaas("aurora", config, sandbox=True)


# ---------------------------------------------------------------------- Stripe signatures


def test_stripe_signature_over_raw_body_is_accepted() -> None:
    body = _sample("stripe-payment-intent-succeeded.json")
    header = sign(body, SECRET, 1_773_924_030)

    verify_signature(header, body, SECRET, now=1_773_924_100, tolerance=300)


def test_stripe_signature_of_reserialised_json_fails() -> None:
    # GIVEN a genuine signature over the raw bytes
    body = _sample("stripe-payment-intent-succeeded.json")
    header = sign(body, SECRET, 1_773_924_030)
    # WHEN the same JSON is re-serialised (whitespace, key order) THEN it no longer verifies
    reserialised = json.dumps(json.loads(body), separators=(",", ":")).encode()

    with pytest.raises(CallbackRejected, match="no v1 signature matches") as raised:
        verify_signature(header, reserialised, SECRET, now=1_773_924_030, tolerance=300)
    assert raised.value.status == 401


def test_stripe_signature_301_seconds_old_fails_and_300_passes() -> None:
    body = b'{"id":"evt_1"}'
    header = sign(body, SECRET, 1_000_000)

    verify_signature(header, body, SECRET, now=1_000_300, tolerance=300)
    with pytest.raises(CallbackRejected, match="301 s away"):
        verify_signature(header, body, SECRET, now=1_000_301, tolerance=300)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing Stripe-Signature"),
        ("t=1000000", "no v1 signature"),
        ("t=1000000,v0=abc", "no v1 signature"),
        ("v1=abc", "no timestamp"),
    ],
)
def test_stripe_signature_header_without_v1_or_timestamp_fails(
    header: str | None, reason: str
) -> None:
    with pytest.raises(CallbackRejected, match=reason):
        verify_signature(header, b"{}", SECRET, now=1_000_000, tolerance=300)


def test_stripe_any_of_several_v1_signatures_may_match() -> None:
    body = b'{"id":"evt_2"}'
    genuine = sign(body, SECRET, 1_000_000).split(",")[1]

    verify_signature(f"t=1000000,v1=deadbeef,{genuine}", body, SECRET, now=1_000_000, tolerance=5)


def test_stripe_events_normalised() -> None:
    succeeded = stripe_event(json.loads(_sample("stripe-payment-intent-succeeded.json")))
    refunded = stripe_event(json.loads(_sample("stripe-charge-refunded.json")))
    dispute = stripe_event(json.loads(_sample("stripe-charge-dispute-created.json")))

    assert succeeded.kind is EventKind.PAYMENT
    assert succeeded.amount == Decimal("150.00")
    assert succeeded.reference == "aurora#NF100~1#1"
    assert succeeded.payment_ref == "pi_3PaymentIntent0001"
    assert str(succeeded.paid_on) == "2026-03-19"
    assert refunded.kind is EventKind.REFUND
    assert refunded.refunded_total == Decimal("50.00")
    assert refunded.charge_ref == "pi_3PaymentIntent0001"
    assert dispute.kind is EventKind.CHARGEBACK
    assert dispute.amount == Decimal("150.00")
    assert dispute.payment_ref == "dispute:dp_1Dispute0000001"


# ---------------------------------------------------------------------- Asaas


def test_asaas_token_header_is_required_and_compared() -> None:
    body = _sample("asaas-payment-received.json")
    provider = _asaas()

    with pytest.raises(CallbackRejected, match="missing asaas-access-token") as missing:
        provider.parse_callback({}, body)
    with pytest.raises(CallbackRejected, match="does not match") as forged:
        provider.parse_callback({"asaas-access-token": "forged"}, body)
    assert (missing.value.status, forged.value.status) == (401, 401)


def test_asaas_received_and_confirmed_name_the_same_payment() -> None:
    provider = _asaas()
    headers = {"Asaas-Access-Token": TOKEN}

    [received] = provider.parse_callback(headers, _sample("asaas-payment-received.json"))
    [confirmed] = provider.parse_callback(headers, _sample("asaas-payment-confirmed.json"))

    assert received.kind is confirmed.kind is EventKind.PAYMENT
    assert received.event_id != confirmed.event_id
    assert received.payment_ref == confirmed.payment_ref == "pay_000000000001"
    assert received.amount == Decimal("150.00")
    assert received.bank_fee == Decimal("0.99")
    assert received.credited == Decimal("149.01")
    assert str(received.paid_on) == "2026-03-19"
    assert received.method == "pix"
    assert confirmed.method == "card"


def test_asaas_overdue_is_a_status_event_and_refund_is_cumulative() -> None:
    provider = _asaas()
    headers = {"asaas-access-token": TOKEN}

    [overdue] = provider.parse_callback(headers, _sample("asaas-payment-overdue.json"))
    [refunded] = provider.parse_callback(headers, _sample("asaas-payment-refunded.json"))

    assert overdue.kind is EventKind.STATUS
    assert overdue.status_event is StatusEvent.OVERDUE
    assert refunded.kind is EventKind.REFUND
    assert refunded.refunded_total == Decimal("150.00")


def test_asaas_inconsistent_amounts_are_flagged_for_parking() -> None:
    document = json.loads(_sample("asaas-payment-received.json"))
    document["payment"]["netValue"] = 151.00
    [event] = _asaas().parse_callback({"asaas-access-token": TOKEN}, json.dumps(document).encode())

    assert event.problem == "netValue 151.00 exceeds the payment value 150.00"


def test_asaas_body_that_is_not_json_is_rejected_with_400() -> None:
    with pytest.raises(CallbackRejected, match="not valid JSON") as raised:
        _asaas().parse_callback({"asaas-access-token": TOKEN}, b"{not json")
    assert raised.value.status == 400


# ---------------------------------------------------------------------- API Pix


def _psp(answers: dict[str, Any]) -> PixApi:
    """A PixApi adapter whose PSP answers from ``answers`` (path -> body or None for 404)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        body = answers.get(request.url.path)
        if body is None:
            return httpx.Response(404, json={"title": "not found"})
        return httpx.Response(200, json=body)

    config = PixApiConfig(
        base_url="http://127.0.0.1:9",
        client_id="id",
        client_secret="secret",
        key="chave",
        token_url="http://127.0.0.1:9/oauth/token",
    )
    return PixApi("aurora", config, sandbox=True, transport=httpx.MockTransport(handler))


def test_pix_webhook_vector_is_read_with_devolucoes_as_object_or_list() -> None:
    # GIVEN the API Pix example body (devolucoes as an object, e2eids shorter than the schema)
    [case] = cases("pix_api_webhook_payload")
    body = json.dumps(case["expected"]).encode()
    answers = {
        f"/pix/{item['endToEndId']}": {"valor": item["valor"], "txid": item["txid"]}
        for item in case["expected"]["pix"]
    }

    events = _psp(answers).parse_callback({}, body, channel="pix")

    # THEN each pix is one payment; a devolução still EM_PROCESSAMENTO gives nothing back yet
    assert [event.kind for event in events] == [EventKind.PAYMENT, EventKind.PAYMENT]
    assert [event.amount for event in events] == [Decimal("110.00"), Decimal("110.00")]
    assert events[0].charge_ref == "c3e0e7a4e7f1469a9f782d3d4999343c"
    assert events[0].payment_ref == "E12345678202009091221kkkkkkkkkkk"
    assert str(events[0].paid_on) == "2020-09-09"
    assert all(event.problem is None for event in events)


def test_pix_unknown_to_the_psp_or_with_another_valor_is_flagged() -> None:
    body = _sample("pix-api-webhook.json")
    e2eid = "E1234567820260319150000000000001"

    [forged] = _psp({}).parse_callback({}, body, channel="pix")
    [tampered] = _psp({f"/pix/{e2eid}": {"valor": "15.00", "txid": "x"}}).parse_callback(
        {}, body, channel="pix"
    )

    assert forged.problem == f"the PSP does not know endToEndId {e2eid}"
    assert tampered.problem == "valor 150.00 disagrees with the PSP's 15.00"


def test_pix_body_without_the_pix_array_is_rejected() -> None:
    with pytest.raises(CallbackRejected, match="pix") as raised:
        _psp({}).parse_callback({}, b'{"foo": []}', channel="pix")
    assert raised.value.status == 400
