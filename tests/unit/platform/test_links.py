"""Signed customer links: forged, tampered, expired and misused tokens are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cobranca.platform import clock
from cobranca.services import links

KEY = b"k" * 48


def test_a_signed_link_verifies_with_its_claims() -> None:
    token = links.sign("offer", "aurora", "offer-1", ttl=timedelta(hours=72), key=KEY)

    claims = links.verify(token, "offer", key=KEY)

    assert (claims.purpose, claims.tenant_id, claims.subject) == ("offer", "aurora", "offer-1")


def test_a_tampered_payload_is_refused() -> None:
    token = links.sign("offer", "aurora", "offer-1", ttl=timedelta(hours=1), key=KEY)
    payload, signature = token.split(".")
    forged_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]

    with pytest.raises(links.LinkInvalid, match="signature"):
        links.verify(f"{forged_payload}.{signature}", "offer", key=KEY)


def test_another_key_or_purpose_is_refused() -> None:
    token = links.sign("pay", "aurora", "27~1", ttl=timedelta(hours=1), key=KEY)

    with pytest.raises(links.LinkInvalid, match="signature"):
        links.verify(token, "pay", key=b"x" * 48)
    with pytest.raises(links.LinkInvalid, match="something else"):
        links.verify(token, "offer", key=KEY)


def test_an_expired_link_says_so() -> None:
    token = links.sign("offer", "aurora", "offer-1", ttl=timedelta(hours=72), key=KEY)
    clock.set_offset(timedelta(hours=72, seconds=1))
    try:
        with pytest.raises(links.LinkExpired):
            links.verify(token, "offer", key=KEY)
    finally:
        clock.set_offset(timedelta(0))


@pytest.mark.parametrize("token", ["", "no-dot", "a.b.c", "x" * 2000, "abc.!!!"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(links.LinkInvalid):
        links.verify(token, "offer", key=KEY)
