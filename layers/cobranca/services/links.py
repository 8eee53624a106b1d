"""Signed links for customers: portal offers, payment pages and unsubscribe.

A link token is ``<payload>.<signature>``: the payload is base64url JSON with the purpose, the
tenant, the subject (an offer, a receivable, a customer), an expiry and a random nonce; the
signature is HMAC-SHA256 over the payload with the portal signing key from Secrets Manager.
Verification compares in constant time and checks purpose and expiry; a token never carries a
Step Functions task token or personal data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cobranca.adapters.secrets import get_json
from cobranca.platform import clock
from cobranca.platform.settings import get_settings

Purpose = Literal["offer", "pay", "unsubscribe", "dashboard"]
MAX_TOKEN_LENGTH = 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class LinkInvalid(Exception):
    """The token is malformed, forged, or made for another purpose."""


class LinkExpired(LinkInvalid):
    """The token was genuine but its time is over."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says."""

    purpose: Purpose
    tenant_id: str
    subject: str
    expires_at: datetime
    nonce: str
    extra: dict[str, Any]


def _key() -> bytes:
    document = get_json(get_settings().portal_secret_name)
    return str(document["key"]).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(
    purpose: Purpose,
    tenant_id: str,
    subject: str,
    *,
    ttl: timedelta,
    extra: dict[str, Any] | None = None,
    key: bytes | None = None,
) -> str:
    """A token for ``purpose`` about ``subject``, valid for ``ttl``."""
    claims = {
        "p": purpose,
        "t": tenant_id,
        "s": subject,
        "e": int((clock.now() + ttl).timestamp()),
        "n": secrets.token_urlsafe(9),
        "x": extra or {},
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(key or _key(), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def verify(token: str, purpose: Purpose, *, key: bytes | None = None) -> LinkClaims:
    """Check a token's signature, purpose and expiry; raise :class:`LinkInvalid` otherwise.

    The token must be exactly as :func:`sign` wrote it: base64url without padding on both
    sides, and the signature compared as text. Decoding it first would accept forgeries, since
    the decoder skips characters outside the alphabet and ignores the last character's unused
    bits, so one link would have many valid spellings.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise LinkInvalid("malformed link")
    payload, signature = token.split(".")
    if not (_B64URL.fullmatch(payload) and _B64URL.fullmatch(signature)):
        raise LinkInvalid("malformed link")
    digest = hmac.new(key or _key(), payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature.encode("ascii"), _b64(digest).encode("ascii")):
        raise LinkInvalid("the link's signature does not match")
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise LinkInvalid("malformed link") from None
    if claims.get("p") != purpose:
        raise LinkInvalid("the link was made for something else")
    expires_at = datetime.fromtimestamp(int(claims["e"]), tz=clock.now().tzinfo)
    if clock.now() >= expires_at:
        raise LinkExpired("the link has expired")
    return LinkClaims(
        purpose=purpose,
        tenant_id=str(claims["t"]),
        subject=str(claims["s"]),
        expires_at=expires_at,
        nonce=str(claims["n"]),
        extra=dict(claims.get("x") or {}),
    )


def url_for(purpose: Purpose, token: str) -> str:
    """The public URL of a link (``/portal``, ``/pay`` or ``/unsubscribe``)."""
    base = get_settings().public_base_url.rstrip("/")
    if purpose == "dashboard":
        return f"{base}/dashboard/{token}"
    path = {"offer": "portal", "pay": "pay", "unsubscribe": "unsubscribe"}[purpose]
    return f"{base}/{path}/{token}"
