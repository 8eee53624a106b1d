"""The suite cannot reach beyond 127.0.0.1: a test that tries fails before any packet leaves."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_connections_to_other_hosts_are_blocked() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    client = socket.create_connection(("127.0.0.1", port), timeout=1)

    client.close()
    server.close()
