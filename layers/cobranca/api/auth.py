"""Operator authentication: a bearer token from Secrets Manager, compared in constant time.

On AWS the operator routes can also sit behind IAM or a private API; the token keeps the local
hub and a small deployment safe without more moving parts.
"""

from __future__ import annotations

import hmac
import os

from cobranca.adapters.secrets import get_json
from cobranca.platform.api import Problem


def operator_token() -> str:
    """The operator token (cached by the secrets layer)."""
    name = os.environ.get("OPERATOR_SECRET_NAME", "cobranca/local/operator-token")
    return str(get_json(name)["token"])


def require_operator(authorization: str | None) -> None:
    """Raise 401 unless ``authorization`` is ``Bearer <operator token>``."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Problem(401, "operator token required (Authorization: Bearer ...)")
    if not hmac.compare_digest(given.strip().encode(), operator_token().encode()):
        raise Problem(401, "operator token not accepted")
