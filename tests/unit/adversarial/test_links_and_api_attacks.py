"""Tampered link tokens and hostile request bodies against links.verify and the API guards."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import Response
from cobranca.platform.api import create_app
from cobranca.services import links

from tests.vectors import ROOT

KEY = b"k" * 48
SAMPLE = ROOT / "tests" / "events" / "aws" / "apigateway-rest-proxy.json"


def _token() -> str:
    return links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1), key=KEY)


# --- signed links ---------------------------------------------------------------------------------


@pytest.mark.parametrize("junk", ["!!", "~", "*", "\n", "=", "$"])
def test_characters_outside_base64url_in_the_signature_are_refused(junk: str) -> None:
    # urlsafe_b64decode drops characters outside its alphabet, so these forgeries verified
    token = _token()
    payload, signature = token.split(".")

    with pytest.raises(links.LinkInvalid):
        links.verify(f"{payload}.{signature[:10]}{junk}{signature[10:]}", "dashboard", key=KEY)


def test_a_signature_with_a_non_canonical_last_character_is_refused() -> None:
    # 32 bytes are 43 base64 characters whose last one carries 2 unused bits: four spellings
    # decoded to the same signature, so one link had four valid tokens.
    token = _token()
    payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(signature[:-1] + twin + "=") == base64.urlsafe_b64decode(
        signature + "="
    )

    with pytest.raises(links.LinkInvalid, match="signature"):
        links.verify(f"{payload}.{signature[:-1]}{twin}", "dashboard", key=KEY)
    assert links.verify(token, "dashboard", key=KEY).tenant_id == "aurora"


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_non_ascii_in_a_token_is_invalid_not_a_crash(where: str) -> None:
    # payload.encode("ascii") raised UnicodeEncodeError: the dashboard answered 500
    payload, signature = _token().split(".")
    token = f"{payload}é.{signature}" if where == "payload" else f"{payload}.é{signature}"

    with pytest.raises(links.LinkInvalid, match="malformed"):
        links.verify(token, "dashboard", key=KEY)


# --- API guards -----------------------------------------------------------------------------------


def _app() -> Any:
    app = create_app()

    @app.post("/v1/echo")
    def echo() -> Response[str]:
        return Response(200, "application/json", json.dumps({"ok": True}))

    @app.get("/dashboard/<token>")
    def explode(token: str) -> Response[str]:
        raise RuntimeError("boom")

    return app


def _event(body: str | None, *, method: str = "POST", path: str = "/v1/echo") -> dict[str, Any]:
    event: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    resource = "/dashboard/{token}" if path.startswith("/dashboard/") else path
    event.update(
        {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "body": body,
            "pathParameters": None,
        }
    )
    event["requestContext"].update({"resourcePath": resource, "httpMethod": method})
    return event


def _problem(response: dict[str, Any]) -> dict[str, Any]:
    assert response["headers"]["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response["body"])
    return body


def test_a_well_formed_body_passes_the_guards() -> None:
    response = _app().resolve(_event('{"amount": "10.00"}'), None)

    assert response["statusCode"] == 200


def test_deeply_nested_json_is_a_400_not_a_recursion_error() -> None:
    # 200,000 brackets fit well under 1 MiB; json.loads raised RecursionError past the guard
    response = _app().resolve(_event("[" * 200_000 + "]" * 200_000), None)

    problem = _problem(response)
    assert response["statusCode"] == 400
    assert "nested too deeply" in problem["detail"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(literal: str) -> None:
    response = _app().resolve(_event(f'{{"amount": {literal}}}'), None)

    assert response["statusCode"] == 400
    assert f"{literal} is not a JSON value" in _problem(response)["detail"]


def test_a_key_given_twice_is_refused() -> None:
    # {"amount": "1.00", "amount": "1000.00"}: which one did the sender mean?
    response = _app().resolve(
        _event('{"receivable": {"amount": "1.00", "amount": "1000.00"}}'), None
    )

    assert response["statusCode"] == 400
    assert "key 'amount' appears more than once" in _problem(response)["detail"]


def test_a_body_that_is_not_base64_is_a_400() -> None:
    event = _event("%%%not base64%%%")
    event["isBase64Encoded"] = True

    response = _app().resolve(event, None)

    assert response["statusCode"] == 400
    assert "base64" in _problem(response)["detail"]


def test_an_unexpected_error_logs_the_route_not_the_secret_path(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # The raw path of /dashboard/<token> is a bearer credential; the log must not carry it.
    token = _token()

    response = _app().resolve(_event(None, method="GET", path=f"/dashboard/{token}"), None)
    captured = capfd.readouterr()
    logged = captured.out + captured.err + caplog.text
    logged += "".join(json.dumps(record.__dict__, default=str) for record in caplog.records)

    assert response["statusCode"] == 500
    assert "unhandled error" in logged
    assert "/dashboard/{token}" in logged
    assert token not in logged
    assert token.split(".")[1] not in logged
