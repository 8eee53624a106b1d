"""A small threaded JSON server on 127.0.0.1 for the fakes, with injectable faults.

A fake subclasses :class:`JsonFake` and implements :meth:`JsonFake.handle`. Faults let tests
reproduce what providers do under stress: answer 5xx, time out, or perform the request and
then fail to answer (the crash window between a provider's answer and the hub's write).
Faults are configured with ``POST /_fake/faults`` or :meth:`JsonFake.add_fault`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from cobranca.adapters.gateways.base import json_body

FaultMode = Literal["error", "timeout", "after_error", "after_timeout"]
Answer = tuple[int, Any]


@dataclass
class Fault:
    """Fail the next ``count`` requests of ``method`` whose path starts with ``prefix``."""

    method: str
    prefix: str
    mode: FaultMode
    count: int = 1
    delay_seconds: float = 2.0


@dataclass
class Request:
    """What a fake's handler sees."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal) if self.body else {}

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def dumps(payload: Any) -> bytes:
    """JSON as a provider would send it (Decimal amounts as JSON numbers, never via float)."""
    return json_body(payload)


class JsonFake:
    """Base of the JSON fakes: serving, faults and request counting."""

    name = "json-fake"

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def serve(self) -> str:
        """Start serving on a free port of 127.0.0.1; returns the base URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name=self.name).start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ faults

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.startswith(fault.prefix) and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def count(self, method: str, prefix: str) -> int:
        """How many requests of ``method`` under ``prefix`` were served (faults included)."""
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(prefix))

    # ------------------------------------------------------------------ handling

    def handle(self, request: Request) -> Answer:
        """Answer one request; subclasses route here."""
        return 404, {"error": f"no route {request.method} {request.path}"}

    def _dispatch(self, request: Request) -> Answer:
        if request.path == "/_fake/faults" and request.method == "POST":
            data = request.json()
            self.add_fault(
                Fault(
                    method=str(data["method"]).upper(),
                    prefix=str(data["prefix"]),
                    mode=data.get("mode", "error"),
                    count=int(data.get("count", 1)),
                    delay_seconds=float(data.get("delay_seconds", 2.0)),
                )
            )
            return 200, {"ok": True}
        with self.lock:
            self.requests.append((request.method, request.path))
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.mode == "error":
            return 503, {"error": "injected fault"}
        if fault is not None and fault.mode == "timeout":
            time.sleep(fault.delay_seconds)
            return 503, {"error": "injected timeout"}
        answer = self.handle(request)
        if fault is not None and fault.mode == "after_error":
            return 502, {"error": "injected failure after the request was done"}
        if fault is not None and fault.mode == "after_timeout":
            time.sleep(fault.delay_seconds)
        return answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(split.query).items()}
                request = Request(self.command, split.path, query, dict(self.headers), body)
                try:
                    status, payload = fake._dispatch(request)
                except (KeyError, ValueError, TypeError) as error:
                    status, payload = 400, {"error": f"bad request: {error}"}
                data = b"" if payload is None else dumps(payload)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a timeout test); nothing to answer.
                    return

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return Handler
