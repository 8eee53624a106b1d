"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body, as the ERP sent it.

Header format (one header, comma-separated ``key=value`` pairs)::

    X-Cobranca-Signature: t=1764864000,v1=5f0c...e2,v1=9ab1...07

- ``t`` is the Unix time (seconds) at which the sender signed;
- each ``v1`` is the lower-case hex HMAC-SHA256 of ``f"{t}.".encode() + raw_body`` keyed with
  one of the tenant's webhook secrets (the UTF-8 bytes of the secret). A sender rotating its
  secret may send one ``v1`` per secret; the hub accepts the request when any ``v1`` matches any
  of the tenant's active secrets (two during a rotation).

The signature covers the **raw bytes**: the same JSON re-serialised (other spacing, key order or
escaping) does not verify. A ``t`` more than 300 seconds away from the hub's clock, in either
direction, fails, so a captured request cannot be replayed later. Unknown keys (a future
``v2``) are ignored, but a header without any ``v1`` fails. Digests are compared in constant
time.

Every failure raises :class:`SignatureInvalid`; its ``reason`` is for the hub's own logs only,
never for the caller, who learns nothing about which part failed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime

HEADER = "X-Cobranca-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 1024
MAX_SIGNATURES = 8


class SignatureInvalid(Exception):
    """The request's signature did not verify; ``reason`` is for logs only."""

    def __init__(self, reason: str) -> None:
        super().__init__("request signature could not be verified")
        self.reason = reason


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value for ``body`` signed at ``timestamp`` with ``secret``."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secrets: str | Sequence[str], body: bytes, timestamp: int) -> str:
    """A complete header value, one ``v1`` per secret (what a sender, or a test, puts)."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    parts = [f"t={timestamp}", *(f"{SCHEME}={compute(key, timestamp, body)}" for key in keys)]
    return ",".join(parts)


def parse(header: str | None) -> tuple[int, list[str]]:
    """The timestamp and the ``v1`` signatures of a header; raises :class:`SignatureInvalid`."""
    if not header:
        raise SignatureInvalid("missing header")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureInvalid("header too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            raise SignatureInvalid("malformed header")
        if key == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise SignatureInvalid("malformed timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise SignatureInvalid("no timestamp")
    if not signatures:
        raise SignatureInvalid("no v1 signature")
    if len(signatures) > MAX_SIGNATURES:
        raise SignatureInvalid("too many signatures")
    return timestamp, signatures


def verify(
    header: str | None,
    body: bytes,
    secrets: Iterable[str],
    *,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """Check the header against ``body`` and the tenant's secrets; returns the timestamp.

    Raises :class:`SignatureInvalid` when the header is missing or malformed, the timestamp is
    outside the tolerance, or no signature matches any secret.
    """
    timestamp, signatures = parse(header)
    keys = [secret for secret in secrets if secret]
    if not keys:
        raise SignatureInvalid("tenant has no webhook secret")

    # Every comparison runs whatever the outcome, so timing tells nothing about which matched.
    matched = False
    for secret in keys:
        expected = compute(secret, timestamp, body).encode("ascii")
        for given in signatures:
            matched |= hmac.compare_digest(expected, given.encode("ascii", "replace"))
    if abs(now.timestamp() - timestamp) > tolerance:
        raise SignatureInvalid("timestamp outside tolerance")
    if not matched:
        raise SignatureInvalid("no signature matched")
    return timestamp
