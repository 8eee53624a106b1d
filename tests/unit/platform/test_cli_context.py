"""CLI commands attach to the running local hub: its environment and its simulated clock."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cobranca.cli.context import attach
from cobranca.platform import clock
from cobranca.platform.lifecycle import reset_process_state

HUB_NOW = datetime(2031, 3, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    # Recorded first, so teardown puts back what was there before attach() wrote its own.
    for name in ("TABLE_NAME", "STAGE"):
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "hub.json"
    monkeypatch.setenv("COBRANCA_LOCAL_STATE", str(state))
    offset = clock.get_offset()
    yield state
    clock.set_offset(offset)
    reset_process_state()


@pytest.fixture
def clock_server() -> Iterator[str]:
    class Clock(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"now": HUB_NOW.isoformat()}).encode()
            self.send_response(200 if self.path == "/_local/clock" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Clock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _write(state: Path, api: str) -> None:
    environment = {"TABLE_NAME": "cobranca-local", "STAGE": "local"}
    state.write_text(json.dumps({"api": api, "environment": environment}), encoding="utf-8")


def test_without_a_hub_the_command_says_how_to_start_one(isolated: Path) -> None:
    with pytest.raises(SystemExit, match="no hub to talk to"):
        attach()


def test_a_recorded_hub_that_is_gone_is_named(isolated: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _write(isolated, f"http://127.0.0.1:{port}")

    with pytest.raises(SystemExit) as stopped:
        attach()

    assert str(isolated) in str(stopped.value)
    assert "does not answer" in str(stopped.value)


def test_attaching_adopts_the_hubs_environment_and_clock(isolated: Path, clock_server: str) -> None:
    _write(isolated, clock_server)

    attach()

    assert clock.today() == date(2031, 3, 7)
    assert abs(clock.now() - HUB_NOW) < timedelta(seconds=5)
    assert os.environ["TABLE_NAME"] == "cobranca-local"


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"api": "http://127.0.0.1:1"}', '{"environment": {}}']
)
def test_a_damaged_hub_record_is_named_not_a_traceback(isolated: Path, content: str) -> None:
    isolated.write_text(content, encoding="utf-8")

    with pytest.raises(SystemExit, match="not a hub record"):
        attach()
