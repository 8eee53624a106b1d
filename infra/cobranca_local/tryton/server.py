"""A real trytond serving a seeded SQLite database on 127.0.0.1, in a subprocess.

``TrytonServer(data_dir).start()`` picks a free port, starts ``trytond`` from the current
virtualenv with ``TRYTOND_WEB__LISTEN=127.0.0.1:<port>``, waits until ``common.db.list`` names
the database, and ``stop()`` ends that process (by its own handle, never by name).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

START_TIMEOUT_SECONDS = 60.0


class TrytonServerError(RuntimeError):
    """trytond did not come up; the message carries the end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _trytond_executable() -> str:
    candidate = Path(sys.executable).with_name("trytond")
    if candidate.exists():
        return str(candidate)
    raise TrytonServerError(f"trytond is not installed next to {sys.executable}")


class TrytonServer:
    """One trytond process for one seeded data folder."""

    def __init__(self, data_dir: Path, database: str = "tryton", port: int | None = None) -> None:
        # Absolute, because trytond is started with this folder as its working directory.
        self.data_dir = Path(data_dir).resolve()
        self.database = database
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "trytond.log"

    @property
    def url(self) -> str:
        """Base URL (the connector adds ``/<db>/rpc/``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> TrytonServer:
        """Start trytond and wait until it lists the database."""
        if self.process is not None:
            return self
        self.port = self.port or free_port()
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("TRYTOND_")
        }
        environment["TRYTOND_WEB__LISTEN"] = f"127.0.0.1:{self.port}"
        # A session's "fresh" window (the pay wizard needs it) follows trytond.conf.
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                _trytond_executable(),
                "-c",
                str(self.data_dir / "trytond.conf"),
                "-d",
                self.database,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            cwd=self.data_dir,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TrytonServerError(f"trytond exited: {self._log_tail()}")
            if self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise TrytonServerError(f"trytond did not answer in {timeout} s: {self._log_tail()}")

    def _answers(self) -> bool:
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            f"{self.url}/rpc/",
            data=json.dumps({"id": 0, "method": "common.db.list", "params": []}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                return self.database in json.load(response).get("result", [])
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the process this object started (SIGTERM, then SIGKILL after 10 s)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> TrytonServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
