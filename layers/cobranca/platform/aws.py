"""Lazy boto3 clients.

Clients are built on first use so a module imports without credentials or network, and so the
local runtime can point every client at the embedded emulator by setting AWS_ENDPOINT_URL (boto3
reads it natively) before the first call.
"""

from __future__ import annotations

import threading
from typing import Any

NO_RETRY_SERVICES = frozenset({"ses", "sesv2", "sns"})

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """A cached boto3 client for ``service``; boto3 itself is imported only here."""
    existing = _clients.get(service)
    if existing is not None:
        return existing

    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            # Adaptive retries absorb throttling; the connect timeout keeps a cold endpoint
            # from eating the whole Lambda timeout.
            # A message a provider accepted must never be sent again because its answer was
            # lost: sending services get one attempt, and the caller's own state decides.
            attempts = 1 if service in NO_RETRY_SERVICES else 5
            config = Config(
                retries={"mode": "adaptive", "max_attempts": attempts},
                connect_timeout=3,
                read_timeout=20,
                max_pool_connections=32,
            )
            session: Any = boto3.session.Session()
            _clients[service] = session.client(service, config=config)
        return _clients[service]


def reset_clients() -> None:
    """Drop cached clients (after the endpoint or credentials change)."""
    with _lock:
        _clients.clear()
