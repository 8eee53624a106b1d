"""Providers' issuing without a network: lookups before creates, token cache, error mapping."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.gateways import (
    ChargeMethod,
    ChargeRequest,
    ProviderRefused,
    ProviderUnavailable,
    SandboxBlocked,
    charge_key,
    charge_reference,
    parse_reference,
)
from cobranca.adapters.gateways.asaas import Asaas, AsaasConfig
from cobranca.adapters.gateways.base import is_loopback, json_body
from cobranca.adapters.gateways.cnab_bank import cnab_ref, event_of_record
from cobranca.adapters.gateways.pix_api import PixApi, PixApiConfig
from cobranca.adapters.gateways.pix_api import _tokens as pix_tokens
from cobranca.instruments.cnab import Occurrence, RetornoRecord
from cobranca.model.customers import Customer
from cobranca.services.charging import rules_of

CUSTOMER = Customer(customer_id="C1", name="Maria Silva", document="12345678909")


def _request(**changes: Any) -> ChargeRequest:
    values: dict[str, Any] = {
        "tenant_id": "aurora",
        "receivable_id": "NF100~1",
        "generation": 1,
        "amount": Decimal("150.00"),
        "due_date": date(2026, 3, 20),
        "issue_date": date(2026, 3, 1),
        "method": ChargeMethod.BOLETO,
        "customer": CUSTOMER,
        "rules": rules_of(Decimal("2.00"), Decimal("1.00")),
        "fine_percent": Decimal("2.00"),
        "interest_percent_per_month": Decimal("1.00"),
        "document_number": "100",
    }
    return ChargeRequest(**(values | changes))


def test_keys_and_references_are_stable_and_fit_a_pix_txid() -> None:
    key = charge_key("aurora", "NF100~1", 1)

    assert key == charge_key("aurora", "NF100~1", 1)
    assert key != charge_key("aurora", "NF100~1", 2)
    assert len(key) == 35 and key.isalnum() and key.islower()
    assert charge_reference("aurora", "NF100~1", 2) == "aurora#NF100~1#2"
    assert parse_reference("aurora#NF100~1#2") == ("aurora", "NF100~1", 2)
    assert parse_reference("056984") is None
    assert parse_reference("a#b#x") is None


def test_amounts_are_json_numbers_never_floats() -> None:
    body = json_body({"value": Decimal("588.30"), "fine": {"value": Decimal("2.00")}})

    assert body == b'{"value":588.30,"fine":{"value":2.00}}'


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.9.9.9", True),
        ("http://localhost:1", True),
        ("http://[::1]:4000/x", True),
        ("https://api.asaas.com", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback_detection(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_sandbox_tenant_never_reaches_a_real_provider() -> None:
    config = AsaasConfig(api_key="k", webhook_token="t", base_url="https://api.asaas.com")
    provider = Asaas("aurora", config, sandbox=True)

    with pytest.raises(SandboxBlocked, match="is not a local fake"):
        provider.issue(_request())


def _asaas(handler: Any) -> Asaas:
    config = AsaasConfig(api_key="k", webhook_token="t", base_url="http://127.0.0.1:9")
    return Asaas("aurora", config, sandbox=True, transport=httpx.MockTransport(handler))


def test_asaas_adopts_a_payment_found_by_external_reference() -> None:
    # GIVEN Asaas already holds the generation's payment (created before a crash)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/v3/payments" and request.method == "GET":
            assert request.url.params["externalReference"] == "aurora#NF100~1#1"
            return httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "id": "pay_1",
                            "value": 150.0,
                            "billingType": "PIX",
                            "dueDate": "2026-03-20",
                        }
                    ]
                },
            )
        if request.url.path.endswith("/pixQrCode"):
            return httpx.Response(200, json={"payload": "000201..."})
        return httpx.Response(500)

    # WHEN the charge is issued again THEN it is adopted, and nothing is created
    issued = _asaas(handler).issue(_request())

    assert issued.adopted is True
    assert issued.provider_id == "pay_1"
    assert issued.amount == Decimal("150.00")
    assert "POST /v3/payments" not in seen


def test_asaas_create_sends_fine_and_interest_in_its_units() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if method == "GET" and path in ("/v3/payments", "/v3/customers"):
            return httpx.Response(200, json={"data": []})
        if method == "POST" and path == "/v3/customers":
            return httpx.Response(200, json={"id": "cus_1"})
        if method == "POST" and path == "/v3/payments":
            bodies.append(json.loads(request.content))
            return httpx.Response(
                200,
                json={
                    "id": "pay_9",
                    "value": 150.0,
                    "billingType": "BOLETO",
                    "dueDate": "2026-03-20",
                },
            )
        return httpx.Response(404, json={})

    issued = _asaas(handler).issue(_request())

    assert issued.adopted is False
    [body] = bodies
    assert body["customer"] == "cus_1"
    assert body["billingType"] == "BOLETO"
    assert body["value"] == 150.0
    assert body["fine"] == {"value": 2.0, "type": "PERCENTAGE"}
    assert body["interest"] == {"value": 1.0}
    assert body["externalReference"] == "aurora#NF100~1#1"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, ProviderUnavailable),
        (503, ProviderUnavailable),
        (429, ProviderUnavailable),
        (400, ProviderRefused),
        (401, ProviderRefused),
    ],
)
def test_provider_errors_say_whether_to_retry(status: int, error: type[Exception]) -> None:
    provider = _asaas(lambda request: httpx.Response(status, json={"errors": []}))

    with pytest.raises(error):
        provider.issue(_request())


def test_timeouts_are_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ProviderUnavailable, match="timed out"):
        _asaas(handler).issue(_request())


def test_pix_token_is_fetched_once_and_renewed_after_a_401() -> None:
    pix_tokens.clear()
    tokens = iter(["first", "second"])
    calls: dict[str, int] = {"token": 0}
    revoked = {"first": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            calls["token"] += 1
            assert request.headers["Authorization"].startswith("Basic ")
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 3600})
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        if bearer == "first" and revoked["first"]:
            return httpx.Response(401, json={})
        return httpx.Response(404, json={})

    config = PixApiConfig(
        base_url="http://127.0.0.1:9",
        client_id="id",
        client_secret="s",
        key="k",
        token_url="http://127.0.0.1:9/oauth/token",
    )
    provider = PixApi("aurora", config, sandbox=True, transport=httpx.MockTransport(handler))

    assert provider._send("GET", "/cobv/x", allow_missing=True) is None
    assert provider._send("GET", "/cobv/y", allow_missing=True) is None
    assert calls["token"] == 1
    revoked["first"] = True
    assert provider._send("GET", "/cobv/z", allow_missing=True) is None
    assert calls["token"] == 2
    pix_tokens.clear()


def _record(**changes: Any) -> RetornoRecord:
    values: dict[str, Any] = {
        "line_number": 2,
        "nosso_numero": "000000001239",
        "occurrence_code": "06",
        "occurrence": Occurrence.LIQUIDACAO,
        "occurrence_description": "Liquidação",
        "amount_title": Decimal("100.00"),
        "amount_paid": Decimal("100.00"),
        "fees_paid": Decimal("0.00"),
        "discount": Decimal("0.00"),
        "abatimento": Decimal("0.00"),
        "bank_fee": Decimal("1.40"),
        "amount_credited": Decimal("98.60"),
        "occurred_on": date(2026, 3, 10),
        "credited_on": date(2026, 3, 11),
    }
    return RetornoRecord(**(values | changes))


def test_cnab_liquidacao_settles_by_the_amount_paid_not_the_credit() -> None:
    # TRAPS 4: title 100.00, paid 100.00, fee 1.40, credited 98.60
    event = event_of_record("237", _record())

    assert event.amount == Decimal("100.00")
    assert event.bank_fee == Decimal("1.40")
    assert event.credited == Decimal("98.60")
    assert event.charge_ref == cnab_ref("000000001239") == "1239"
    assert event.problem is None
    assert event.event_id == "237:1239:06:2026-03-10:100.00"


def test_cnab_credit_that_does_not_add_up_is_flagged() -> None:
    event = event_of_record("237", _record(amount_credited=Decimal("97.00")))

    assert event.problem is not None
    assert "credited 97.00 is not the amount paid 100.00 less the fee 1.40" in event.problem
