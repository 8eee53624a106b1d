"""localstripe (a stateful fake Stripe server from PyPI) served on 127.0.0.1 in-process.

localstripe's own entry point binds ``[::]``; here its aiohttp routes are mounted on a fresh
application served by a site bound to 127.0.0.1, in a thread with its own event loop.

Three things the real Stripe does and localstripe does not are added by one middleware, so
the hub's Stripe adapter runs unchanged against it:

- ``Idempotency-Key``: a repeated POST with the same key answers the first response again
  (Stripe keeps keys 24 hours);
- ``GET /v1/payment_intents/search`` with ``metadata['key']:'value'`` queries;
- injectable faults (5xx, timeouts, and failing after the request was carried out), to prove
  the hub never double-charges.

localstripe keeps its objects in one store per process and, by default, pickles it to /tmp on
every write; that persistence is switched off for the fake.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from cobranca_local.fakes.jsonhttp import Fault

_QUERY = re.compile(r"^metadata\['([^']+)'\]:'([^']*)'$")
Handler = Callable[[Any], Awaitable[Any]]


def _async(handler: Any) -> Any:
    """localstripe's GET handlers are plain functions, which aiohttp deprecates."""
    if asyncio.iscoroutinefunction(handler):
        return handler

    async def wrapped(request: Any) -> Any:
        return handler(request)

    return wrapped


class LocalStripe:
    """localstripe on 127.0.0.1 with idempotency keys, search and faults."""

    name = "stripe"

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self._replies: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> dict[str, str]:
        from aiohttp import web

        with warnings.catch_warnings():
            # localstripe registers plain-function handlers at import, which aiohttp deprecates;
            # the routes mounted below are wrapped as coroutines.
            warnings.simplefilter("ignore", DeprecationWarning)
            from localstripe import resources, server  # type: ignore[import-untyped]

        # The fake's state lives for the process; writing it to /tmp on each change is slow.
        resources.store.dump_to_disk = lambda: None
        resources.store.clear()

        app = web.Application(
            middlewares=[server.error_middleware, server.auth_middleware, self._middleware()]
        )
        for route in server.app.router.routes():
            app.router.add_route(route.method, route.resource.canonical, _async(route.handler))

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="localstripe"
        )
        self._thread.start()

        async def serve() -> int:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._runner = runner
            sockets = runner.addresses
            return int(sockets[0][1])

        self.port = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=30)
        return {"COBRANCA_FAKE_STRIPE_URL": self.url}

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    # ------------------------------------------------------------------ helpers for tests

    def register_webhook(self, url: str, secret: str, name: str = "hub") -> None:
        """Where localstripe posts signed events (its ``/_config/webhooks`` equivalent)."""
        from localstripe.webhooks import register_webhook  # type: ignore[import-untyped]

        register_webhook(name, url, secret, None)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def count(self, method: str, prefix: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(prefix))

    def payment_intents(self) -> list[dict[str, Any]]:
        """Every PaymentIntent localstripe holds, exported as the API returns them."""
        from localstripe import resources

        return [
            value._export()
            for key, value in list(resources.store.items())
            if key.startswith("payment_intent:")
        ]

    # ------------------------------------------------------------------ middleware

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.method == method and path.startswith(fault.prefix) and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _middleware(self) -> Any:
        from aiohttp import web

        fake = self

        @web.middleware
        async def extras(request: Any, handler: Handler) -> Any:
            fault = fake._take_fault(request.method, request.path)
            if fault is not None and fault.mode == "error":
                return web.json_response({"error": {"message": "injected fault"}}, status=503)
            if fault is not None and fault.mode == "timeout":
                await asyncio.sleep(fault.delay_seconds)
                return web.json_response({"error": {"message": "injected timeout"}}, status=503)

            if request.method == "GET" and request.path == "/v1/payment_intents/search":
                response = fake._search(request.query.get("query", ""))
            else:
                response = await fake._idempotent(request, handler)

            if fault is not None and fault.mode == "after_error":
                return web.json_response({"error": {"message": "failed after doing"}}, status=502)
            if fault is not None and fault.mode == "after_timeout":
                await asyncio.sleep(fault.delay_seconds)
            return response

        return extras

    async def _idempotent(self, request: Any, handler: Handler) -> Any:
        from aiohttp import web

        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        cache_key = f"{key}|{request.path}"
        with self._lock:
            replay = self._replies.get(cache_key)
        if replay is not None:
            status, body = replay
            return web.Response(status=status, body=body, content_type="application/json")
        response = await handler(request)
        cacheable = isinstance(response, web.Response) and isinstance(response.body, bytes)
        if cacheable and response.status < 500:
            with self._lock:
                self._replies[cache_key] = (response.status, response.body)
        return response

    def _search(self, query: str) -> Any:
        from aiohttp import web

        match = _QUERY.match(query.strip())
        if match is None:
            return web.json_response(
                {"error": {"message": f"unsupported search query {query!r}"}}, status=400
            )
        name, value = match.groups()
        found = [
            intent
            for intent in self.payment_intents()
            if (intent.get("metadata") or {}).get(name) == value
        ]
        body = {"object": "search_result", "data": found, "has_more": False, "next_page": None}
        return web.Response(text=json.dumps(body), content_type="application/json")
