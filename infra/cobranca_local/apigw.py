"""The template's API routes served on 127.0.0.1, as API Gateway REST proxy events.

Each HTTP request becomes the proxy event API Gateway would build (path and query parameters,
headers single and multi-valued, base64 for binary bodies, a request context), goes to the same
handler that runs in Lambda, and the handler's proxy response is written back.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cobranca_local.lambdas import FunctionError, Functions
from cobranca_local.template import ACCOUNT_ID

TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/xml")
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass
class Route:
    """One Api event of a function: method, path template and the regex that matches it."""

    method: str
    path: str
    function: str
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, method: str, path: str, function: str) -> Route:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{part[1:-2]}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        return cls(method.upper(), path, function, re.compile(f"^{regex}/?$"))


def routes_from(functions: Functions) -> list[Route]:
    """Every Api event in the template, literal paths before parameterised ones."""
    routes = []
    for function in functions.by_name.values():
        for event in function.events:
            if event.type != "Api":
                continue
            properties = functions.template.resolve(event.properties)
            routes.append(Route.build(properties["Method"], properties["Path"], function.name))
    # API Gateway prefers the most specific match: fewer parameters, then greedy last.
    routes.sort(key=lambda route: (route.path.count("{"), "+}" in route.path, route.path))
    return routes


ControlHandler = Callable[[str, str, dict[str, list[str]], bytes], tuple[int, dict[str, Any]]]


class ApiServer:
    """A threaded HTTP server that proxies to handlers; ``/_local/`` goes to the runtime."""

    def __init__(
        self,
        functions: Functions,
        port: int = 3000,
        control: ControlHandler | None = None,
        stage: str = "local",
    ) -> None:
        self.functions = functions
        self.routes = routes_from(functions)
        self.control = control
        self.stage = stage
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route for a request, its path parameters, and whether the path exists at all."""
        path_exists = False
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            path_exists = True
            if route.method in (method, "ANY"):
                return route, {k: unquote(v) for k, v in found.groupdict().items()}, True
        return None, {}, path_exists

    def build_event(
        self,
        *,
        route: Route,
        parameters: dict[str, str],
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> dict[str, Any]:
        """The REST API (payload 1.0) proxy event for one request."""
        split = urlsplit(target)
        query = parse_qs(split.query, keep_blank_values=True)
        single_headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            single_headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        content_type = single_headers.get("Content-Type", single_headers.get("content-type", ""))
        is_text = (
            not body or content_type.startswith(TEXT_TYPES) or "form-urlencoded" in (content_type)
        )
        if is_text:
            try:
                body_text: str | None = body.decode("utf-8") if body else None
                encoded = False
            except UnicodeDecodeError:
                body_text, encoded = base64.b64encode(body).decode(), True
        else:
            body_text, encoded = base64.b64encode(body).decode(), True
        request_id = str(uuid.uuid4())
        return {
            "resource": route.path,
            "path": unquote(split.path),
            "httpMethod": method,
            "headers": single_headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": "local",
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{self.stage}{unquote(split.path)}",
                "stage": self.stage,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": source_ip, "userAgent": single_headers.get("User-Agent")},
                "domainName": f"127.0.0.1:{self.port}",
            },
            "body": body_text,
            "isBase64Encoded": encoded,
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm on, the body
            # waits for the client's delayed ACK (40 ms on Linux) on every response.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    self._write(
                        413, {"Content-Type": "application/json"}, b'{"message":"Request Too Long"}'
                    )
                    self.close_connection = True
                    return
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                if path.startswith("/_local/") and server.control is not None:
                    query = parse_qs(urlsplit(self.path).query)
                    status, payload = server.control(self.command, path, query, body)
                    self._write(
                        status,
                        {"Content-Type": "application/json"},
                        json.dumps(payload, default=str).encode(),
                    )
                    return
                route, parameters, exists = server.match(self.command, path)
                if route is None:
                    status = 405 if exists else 404
                    message = "Method Not Allowed" if exists else "Missing Authentication Token"
                    self._write(
                        status,
                        {"Content-Type": "application/json"},
                        json.dumps({"message": message}).encode(),
                    )
                    return
                event = server.build_event(
                    route=route,
                    parameters=parameters,
                    method=self.command,
                    target=self.path,
                    headers=list(self.headers.items()),
                    body=body,
                    source_ip=self.client_address[0],
                )
                try:
                    response = server.functions.invoke(route.function, event, source="api")
                except FunctionError:
                    # API Gateway's answer when the integration itself fails.
                    self._write(
                        502,
                        {"Content-Type": "application/json"},
                        b'{"message": "Internal server error"}',
                    )
                    return
                self._respond(response)

            def _respond(self, response: dict[str, Any]) -> None:
                headers: dict[str, Any] = dict(response.get("headers") or {})
                for name, values in (response.get("multiValueHeaders") or {}).items():
                    headers[name] = values
                body = response.get("body") or ""
                data = (
                    base64.b64decode(body)
                    if response.get("isBase64Encoded")
                    else (body.encode("utf-8"))
                )
                self._write(int(response.get("statusCode", 200)), headers, data)

            def _write(self, status: int, headers: dict[str, Any], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() in {"content-length", "connection"}:
                        continue
                    for item in value if isinstance(value, list) else [value]:
                        self.send_header(name, str(item))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        return Handler
