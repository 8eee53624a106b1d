"""Webhook signatures over the raw body (TRAPS item 8), header format and rotation."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from cobranca.adapters.erp.signatures import SignatureInvalid, compute, parse, sign, verify

SECRET = "whsec_test_primary"
OLD_SECRET = "whsec_test_previous"
NOW = datetime(2026, 12, 4, 15, 0, 0, tzinfo=UTC)
T = int(NOW.timestamp())
BODY = b'{"events":[{"event_id":"e1","type":"receivable.upserted","data":{"amount":"150.00"}}]}'


def test_v1_is_hmac_sha256_of_timestamp_dot_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert compute(SECRET, T, BODY) == expected
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_genuine_signature_verifies_and_returns_its_timestamp() -> None:
    assert verify(sign(SECRET, BODY, T), BODY, [SECRET], now=NOW) == T


def test_the_same_json_reserialised_fails() -> None:
    # GIVEN the sender signed its exact bytes
    header = sign(SECRET, BODY, T)
    # WHEN a proxy re-serialises the same JSON (other spacing, same content)
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert json.loads(reserialised) == json.loads(BODY)
    assert reserialised != BODY

    # THEN the signature no longer verifies
    with pytest.raises(SignatureInvalid):
        verify(header, reserialised, [SECRET], now=NOW)


def test_a_timestamp_301_seconds_old_fails_and_300_passes() -> None:
    assert verify(sign(SECRET, BODY, T - 300), BODY, [SECRET], now=NOW) == T - 300
    with pytest.raises(SignatureInvalid) as failure:
        verify(sign(SECRET, BODY, T - 301), BODY, [SECRET], now=NOW)
    assert failure.value.reason == "timestamp outside tolerance"


def test_a_timestamp_301_seconds_in_the_future_fails() -> None:
    with pytest.raises(SignatureInvalid):
        verify(sign(SECRET, BODY, T + 301), BODY, [SECRET], now=NOW)


def test_a_header_without_a_v1_signature_fails() -> None:
    v0 = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureInvalid) as failure:
        verify(f"t={T},v0={v0}", BODY, [SECRET], now=NOW)
    assert failure.value.reason == "no v1 signature"


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", f"v1={'0' * 64}", f"t=abc,v1={'0' * 64}", f"t={T},t={T},v1=00"],
)
def test_missing_or_malformed_headers_fail(header: str | None) -> None:
    with pytest.raises(SignatureInvalid):
        verify(header, BODY, [SECRET], now=NOW)


def test_a_wrong_secret_fails_with_the_same_public_message() -> None:
    with pytest.raises(SignatureInvalid) as wrong:
        verify(sign("someone-else", BODY, T), BODY, [SECRET], now=NOW)
    with pytest.raises(SignatureInvalid) as stale:
        verify(sign(SECRET, BODY, T - 301), BODY, [SECRET], now=NOW)

    assert str(wrong.value) == str(stale.value) == "request signature could not be verified"


def test_during_a_rotation_either_active_secret_verifies() -> None:
    # GIVEN the tenant holds the new and the previous secret
    secrets = [SECRET, OLD_SECRET]

    # THEN a sender still on the old secret, and one sending both signatures, verify
    assert verify(sign(OLD_SECRET, BODY, T), BODY, secrets, now=NOW) == T
    assert verify(sign([SECRET, OLD_SECRET], BODY, T), BODY, secrets, now=NOW) == T
    # AND a retired secret does not
    with pytest.raises(SignatureInvalid):
        verify(sign(OLD_SECRET, BODY, T), BODY, [SECRET], now=NOW)


def test_parse_reads_every_v1_and_ignores_unknown_schemes() -> None:
    assert parse(f"t={T},v1=AA,v2=bb,v1=cc") == (T, ["aa", "cc"])


def test_a_tenant_without_secrets_verifies_nothing() -> None:
    with pytest.raises(SignatureInvalid):
        verify(sign(SECRET, BODY, T), BODY, [], now=NOW)
