"""The generic REST connector: auth modes, pagination modes, 429 and 5xx handling."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.rest import (
    AuthConfig,
    Pagination,
    RestClient,
    RestConfig,
    RestError,
    StreamConfig,
    clear_token_cache,
    render,
)

BASE = "http://erp.test"
ROWS = [{"id": n, "changed": f"2026-11-0{n % 9 + 1}T10:00:00"} for n in range(1, 8)]


class Recorder:
    """An httpx handler that records requests and answers from a script."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request, len(self.requests))


def client(
    answer: Any, config: RestConfig, secrets: dict[str, Any] | None = None
) -> tuple[RestClient, Recorder, list[float]]:
    recorder = Recorder(answer)
    slept: list[float] = []
    rest = RestClient(
        BASE,
        config,
        secrets or {},
        transport=httpx.MockTransport(recorder),
        sleep=slept.append,
        retries=3,
        backoff=0.5,
    )
    return rest, recorder, slept


def stream(mode: str, **extra: Any) -> StreamConfig:
    params = {
        "page": {"page": "{page}", "size": "{limit}"},
        "offset": {"offset": "{offset}", "limit": "{limit}"},
        "cursor": {"cursor": "{cursor}", "limit": "{limit}"},
        "link": {"limit": "{limit}"},
    }[mode]
    return StreamConfig(
        name="items",
        path="/items",
        params=params | {"since": "{since}"},
        records="data",
        pagination=Pagination(mode=mode, size=3, **extra),  # type: ignore[arg-type]
    )


def pages_of(rest: RestClient, config: StreamConfig) -> list[list[int]]:
    return [[row["id"] for row in page.records] for page in rest.pages(config, None)]


# ---------------------------------------------------------------------- templating


def test_placeholders_keep_their_type_and_drop_since_when_absent() -> None:
    template = {
        "page": "{page}",
        "filters": [["docstatus", "=", 1], ["modified", ">", "{since}"]],
        "text": "from {since}",
        "key": "{secret.app_key}",
    }

    first = render(template, {"page": 2, "since": None, "secret.app_key": "k"})
    later = render(template, {"page": 2, "since": "2026-11-01", "secret.app_key": "k"})

    assert first == {"page": 2, "filters": [["docstatus", "=", 1]], "key": "k"}
    assert later["filters"][1] == ["modified", ">", "2026-11-01"]
    assert later["text"] == "from 2026-11-01"


# ---------------------------------------------------------------------- pagination


def _page_answer(request: httpx.Request, count: int) -> httpx.Response:
    page = int(request.url.params["page"])
    size = int(request.url.params["size"])
    return httpx.Response(200, json={"data": ROWS[(page - 1) * size : page * size]})


def test_page_numbers_until_a_short_page() -> None:
    rest, recorder, _ = client(_page_answer, RestConfig(auth=AuthConfig(mode="none")))

    assert pages_of(rest, stream("page")) == [[1, 2, 3], [4, 5, 6], [7]]
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2", "3"]
    assert "since" not in recorder.requests[0].url.params


def test_page_numbers_with_a_total_pages_field() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(
            200, json={"data": ROWS[(page - 1) * 3 : page * 3], "total_de_paginas": 2}
        )

    rest, recorder, _ = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert pages_of(rest, stream("page", total_pages="total_de_paginas")) == [[1, 2, 3], [4, 5, 6]]
    assert len(recorder.requests) == 2


def test_offset_and_limit() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"data": ROWS[offset : offset + 3]})

    rest, recorder, _ = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert pages_of(rest, stream("offset")) == [[1, 2, 3], [4, 5, 6], [7]]
    assert [r.url.params["offset"] for r in recorder.requests] == ["0", "3", "6"]


def test_cursor_read_from_each_answer() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        start = int(request.url.params.get("cursor") or 0)
        following = start + 3 if start + 3 < len(ROWS) else None
        return httpx.Response(
            200, json={"data": ROWS[start : start + 3], "meta": {"next": following}}
        )

    rest, recorder, _ = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert pages_of(rest, stream("cursor", next_cursor="meta.next")) == [[1, 2, 3], [4, 5, 6], [7]]
    assert [r.url.params.get("cursor") for r in recorder.requests] == [None, "3", "6"]


def test_link_header_next() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        start = int(request.url.params.get("start") or 0)
        headers = {}
        if start + 3 < len(ROWS):
            headers["Link"] = f'<{BASE}/items?start={start + 3}&limit=3>; rel="next"'
        return httpx.Response(200, json={"data": ROWS[start : start + 3]}, headers=headers)

    rest, recorder, _ = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert pages_of(rest, stream("link")) == [[1, 2, 3], [4, 5, 6], [7]]
    assert str(recorder.requests[2].url) == f"{BASE}/items?start=6&limit=3"


def test_since_is_formatted_in_the_streams_zone() -> None:
    config = StreamConfig(
        name="s",
        path="/items",
        params={"from": "{since}"},
        records="data",
        since_format="%d/%m/%Y %H:%M",
        since_timezone="America/Sao_Paulo",
    )
    rest, recorder, _ = client(
        lambda request, count: httpx.Response(200, json={"data": []}),
        RestConfig(auth=AuthConfig(mode="none")),
    )

    list(rest.pages(config, datetime(2026, 11, 21, 2, 30, tzinfo=UTC)))

    assert recorder.requests[0].url.params["from"] == "20/11/2026 23:30"


# ---------------------------------------------------------------------- auth


def _ok(request: httpx.Request, count: int) -> httpx.Response:
    return httpx.Response(200, json={"data": []})


def test_bearer_basic_and_api_key_headers() -> None:
    bearer, seen, _ = client(_ok, RestConfig(auth=AuthConfig(mode="bearer")), {"token": "tok"})
    bearer.request("GET", "/x")
    basic, seen_basic, _ = client(
        _ok, RestConfig(auth=AuthConfig(mode="basic")), {"username": "u", "password": "p"}
    )
    basic.request("GET", "/x")
    key, seen_key, _ = client(
        _ok,
        RestConfig(
            auth=AuthConfig(
                mode="api_key", scheme="token", value="{secret.api_key}:{secret.api_secret}"
            )
        ),
        {"api_key": "k1", "api_secret": "s1"},
    )
    key.request("GET", "/x")
    header, seen_header, _ = client(
        _ok, RestConfig(auth=AuthConfig(mode="api_key", header="X-Api-Key")), {"api_key": "k2"}
    )
    header.request("GET", "/x")

    assert seen.requests[0].headers["Authorization"] == "Bearer tok"
    assert (
        seen_basic.requests[0].headers["Authorization"]
        == "Basic " + base64.b64encode(b"u:p").decode()
    )
    assert seen_key.requests[0].headers["Authorization"] == "token k1:s1"
    assert seen_header.requests[0].headers["X-Api-Key"] == "k2"


def test_a_missing_credential_is_named() -> None:
    rest, _, _ = client(_ok, RestConfig(auth=AuthConfig(mode="bearer")), {})

    with pytest.raises(RestError, match="lacks 'token'"):
        rest.request("GET", "/x")


def test_oauth2_client_credentials_token_is_cached_and_refreshed_on_401() -> None:
    clear_token_cache()
    issued: list[str] = []

    def answer(request: httpx.Request, count: int) -> httpx.Response:
        if request.url.path == "/oauth/token":
            assert request.headers["Authorization"].startswith("Basic ")
            assert b"grant_type=client_credentials" in request.content
            issued.append(f"t{len(issued) + 1}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 3600})
        if request.headers["Authorization"] == "Bearer t1" and len(issued) == 1 and count > 3:
            return httpx.Response(401, json={"error": "expired"})
        return httpx.Response(200, json={"data": []})

    config = RestConfig(auth=AuthConfig(mode="oauth2", token_url="/oauth/token", scope="read"))
    rest, recorder, _ = client(answer, config, {"client_id": "cid", "client_secret": "cs"})

    rest.request("GET", "/a")
    rest.request("GET", "/b")
    rest.request("GET", "/c")

    paths = [request.url.path for request in recorder.requests]
    # one token for the first two calls; the 401 on the third fetches a fresh one, once
    assert paths == ["/oauth/token", "/a", "/b", "/c", "/oauth/token", "/c"]
    assert recorder.requests[-1].headers["Authorization"] == "Bearer t2"
    clear_token_cache()


# ---------------------------------------------------------------------- faults


def test_429_honours_retry_after() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        if count == 1:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return httpx.Response(200, json={"ok": True})

    rest, recorder, slept = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert rest.request("GET", "/x").json() == {"ok": True}
    assert slept == [7.0]
    assert len(recorder.requests) == 2


def test_retry_after_is_capped() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        if count == 1:
            return httpx.Response(429, headers={"Retry-After": "86400"})
        return httpx.Response(200, json={})

    rest, _, slept = client(answer, RestConfig(auth=AuthConfig(mode="none")))
    rest.request("GET", "/x")

    assert slept == [60.0]


def test_5xx_then_recovery_with_exponential_backoff_and_jitter() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        return httpx.Response(502 if count <= 3 else 200, json={"n": count})

    rest, _recorder, slept = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    assert rest.request("GET", "/x").json() == {"n": 4}
    assert len(slept) == 3
    # base 0.5 s doubling per attempt, each within ±50 % jitter
    for attempt, delay in enumerate(slept):
        assert 0.5 * 2**attempt * 0.5 <= delay <= 0.5 * 2**attempt * 1.5


def test_timeouts_are_retried_then_reported() -> None:
    def answer(request: httpx.Request, count: int) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    rest, recorder, _slept = client(answer, RestConfig(auth=AuthConfig(mode="none")))

    with pytest.raises(RestError, match="ReadTimeout") as failure:
        rest.request("GET", "/x")
    assert failure.value.retryable
    assert len(recorder.requests) == 4


def test_4xx_is_not_retried() -> None:
    rest, recorder, slept = client(
        lambda request, count: httpx.Response(422, json={"error": "bad"}),
        RestConfig(auth=AuthConfig(mode="none")),
    )

    with pytest.raises(RestError) as failure:
        rest.request("POST", "/x", json={"a": 1})
    assert (failure.value.status, failure.value.retryable) == (422, False)
    assert json.loads(failure.value.body) == {"error": "bad"}
    assert (len(recorder.requests), slept) == (1, [])
