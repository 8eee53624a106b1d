"""The generic REST connector the REST presets use: auth, pagination, retries, as data.

A preset's ``rest`` section describes the ERP's API; a tenant's secret document supplies the
credentials. The client:

- authenticates with ``bearer`` (a stored token), ``basic`` (user and password), ``api_key``
  (a named header, optionally with a scheme such as ERPNext's ``token key:secret``) or
  ``oauth2`` client credentials (the token is fetched from ``token_url`` and cached until shortly
  before it expires; a 401 fetches a fresh one once);
- pages with ``page`` numbers, ``offset``/``limit``, an opaque ``cursor`` read from each answer,
  or RFC 8288 ``Link: <...>; rel="next"`` headers, in the query string or in a JSON body;
- honours ``429`` with ``Retry-After`` (seconds or an HTTP date, capped), and retries 5xx
  answers, timeouts and dropped connections with exponential backoff and jitter.

Request templates may use ``{since}``, ``{page}``, ``{offset}``, ``{limit}``, ``{cursor}``,
``{id}`` (a record's id, for detail reads) and ``{secret.<name>}``. A value that is exactly one
placeholder takes the placeholder's type (``"{page}"`` becomes the number 2); a list element or
object member that mentions ``{since}`` is dropped on a first sync, when there is no watermark.
"""

from __future__ import annotations

import base64
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import httpx
import jmespath
from pydantic import BaseModel, ConfigDict, Field

from cobranca.platform.observability import logger

RETRIES = 4
BACKOFF_SECONDS = 0.5
MAX_RETRY_AFTER_SECONDS = 60.0
TIMEOUT_SECONDS = 30.0
TOKEN_MARGIN_SECONDS = 60
MAX_PAGES = 10_000

_PLACEHOLDER = re.compile(r"\{(since|page|offset|limit|cursor|id|secret\.[A-Za-z0-9_]+)\}")


class RestError(RuntimeError):
    """The ERP answered with an error (after retries, for the retryable ones)."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body[:2000]

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


# ---------------------------------------------------------------------- configuration


class AuthConfig(BaseModel):
    """How to authenticate; the credentials come from the tenant's secret document."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    mode: Literal["none", "bearer", "basic", "api_key", "oauth2"] = "bearer"
    header: str = "Authorization"
    scheme: str | None = None
    value: str | None = None
    token_url: str | None = None
    scope: str | None = None


class Pagination(BaseModel):
    """How an endpoint pages."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    mode: Literal["none", "page", "offset", "cursor", "link"] = "none"
    size: int = Field(default=100, ge=1, le=10_000)
    start: int = 1
    next_cursor: str | None = None
    total_pages: str | None = None


class DetailConfig(BaseModel):
    """A second read per listed record (list endpoints that omit fields)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    path: str
    records: str = "@"
    id: str = "id"


class StreamConfig(BaseModel):
    """One kind of record pulled from the ERP."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    event: str = "receivable.upserted"
    method: Literal["GET", "POST"] = "GET"
    path: str
    params: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    records: str = "@"
    pagination: Pagination = Field(default_factory=Pagination)
    since_format: str = "%Y-%m-%dT%H:%M:%S"
    since_timezone: str = "UTC"
    changed_at: str | None = None
    changed_at_format: str = "iso"
    changed_at_timezone: str = "UTC"
    detail: DetailConfig | None = None


class RestConfig(BaseModel):
    """The ``rest`` section of a preset."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    auth: AuthConfig = Field(default_factory=AuthConfig)
    headers: dict[str, str] = Field(default_factory=dict)
    streams: list[StreamConfig] = Field(default_factory=list)
    open_stream: StreamConfig | None = None
    writeback: str | None = None


# ---------------------------------------------------------------------- templating


def _fill(template: Any, values: dict[str, Any]) -> Any:
    """Replace placeholders recursively; ``_DROP`` marks what must disappear."""
    if isinstance(template, str):
        names = _PLACEHOLDER.findall(template)
        if not names:
            return template
        if any(values.get(name) is None for name in names):
            return _DROP
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), template)
    if isinstance(template, list):
        filled = [_fill(item, values) for item in template]
        if _DROP in filled and all(isinstance(item, str) for item in template):
            # A condition like ["modified", ">", "{since}"] goes as a whole.
            return _DROP
        return [item for item in filled if item is not _DROP]
    if isinstance(template, dict):
        result = {}
        for key, item in template.items():
            value = _fill(item, values)
            if value is not _DROP:
                result[key] = value
        return result
    return template


class _Drop:
    def __repr__(self) -> str:
        return "<drop>"


_DROP = _Drop()


def render(template: Any, values: dict[str, Any]) -> Any:
    """A request template with its placeholders filled (public for tests and dry runs)."""
    filled = _fill(template, values)
    return None if filled is _DROP else filled


# ---------------------------------------------------------------------- tokens

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def clear_token_cache() -> None:
    """Forget cached OAuth2 tokens (tests, credential rotation)."""
    with _tokens_lock:
        _tokens.clear()


# ---------------------------------------------------------------------- client


@dataclass
class Page:
    """One page of records of a stream."""

    records: list[dict[str, Any]]
    number: int


class RestClient:
    """HTTP to one ERP with the preset's auth, retries and pagination."""

    def __init__(
        self,
        base_url: str,
        config: RestConfig,
        secrets: dict[str, Any],
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
        retries: int = RETRIES,
        backoff: float = BACKOFF_SECONDS,
        max_retry_after: float = MAX_RETRY_AFTER_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.secrets = secrets
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.requests = 0
        headers = {
            name: str(render(value, self._placeholders()) or "")
            for name, value in config.headers.items()
        }
        self.http = httpx.Client(timeout=timeout, transport=transport, headers=headers)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- auth

    def _secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if value in (None, ""):
            raise RestError(f"the tenant's ERP secret lacks {name!r}")
        return str(value)

    def _auth_headers(self, *, fresh: bool = False) -> dict[str, str]:
        auth = self.config.auth
        if auth.mode == "none":
            return {}
        if auth.mode == "bearer":
            return {auth.header: f"{auth.scheme or 'Bearer'} {self._secret('token')}"}
        if auth.mode == "basic":
            pair = f"{self._secret('username')}:{self._secret('password')}".encode()
            return {auth.header: f"Basic {base64.b64encode(pair).decode('ascii')}"}
        if auth.mode == "api_key":
            value = (
                render(auth.value, self._placeholders()) if auth.value else self._secret("api_key")
            )
            return {auth.header: f"{auth.scheme} {value}" if auth.scheme else str(value)}
        return {auth.header: f"Bearer {self._oauth_token(fresh=fresh)}"}

    def _placeholders(self, **values: Any) -> dict[str, Any]:
        secrets = {f"secret.{key}": value for key, value in self.secrets.items()}
        return {**secrets, **values}

    def _oauth_token(self, *, fresh: bool) -> str:
        auth = self.config.auth
        if not auth.token_url:
            raise RestError("oauth2 needs a token_url")
        token_url = (
            auth.token_url if auth.token_url.startswith("http") else self.base_url + auth.token_url
        )
        client_id = self._secret("client_id")
        key = (token_url, client_id)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not fresh and cached[1] > time.time():
                return cached[0]
        form = {"grant_type": "client_credentials"}
        if auth.scope:
            form["scope"] = auth.scope
        response = self._send(
            "POST",
            token_url,
            headers={},
            data=form,
            auth=(client_id, self._secret("client_secret")),
        )
        payload = response.json()
        token = str(payload["access_token"])
        lifetime = int(payload.get("expires_in") or 300)
        with _tokens_lock:
            _tokens[key] = (token, time.time() + max(lifetime - TOKEN_MARGIN_SECONDS, 1))
        return token

    # -------------------------------------------------------------- transport

    def _delay_for(self, response: httpx.Response | None, attempt: int) -> float:
        if response is not None and response.status_code == 429:
            header = response.headers.get("Retry-After", "")
            wait: float | None = None
            if header.strip().isdigit():
                wait = float(header.strip())
            elif header:
                try:
                    when = parsedate_to_datetime(header)
                    wait = (when - datetime.now(UTC)).total_seconds()
                except (TypeError, ValueError):
                    wait = None
            if wait is not None:
                return min(max(wait, 0.0), self.max_retry_after)
        base: float = self.backoff * 2**attempt
        return base * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not security

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        response: httpx.Response | None = None
        for attempt in range(self.retries + 1):
            response = None
            try:
                self.requests += 1
                response = self.http.request(
                    method, url, headers=headers, params=params, json=json, data=data, auth=auth
                )
            except (httpx.TimeoutException, httpx.TransportError) as error:
                if attempt == self.retries:
                    raise RestError(f"{method} {url}: {type(error).__name__}") from None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code != 429 and response.status_code < 500:
                    raise RestError(
                        f"{method} {url}: HTTP {response.status_code}",
                        response.status_code,
                        response.text,
                    )
                if attempt == self.retries:
                    raise RestError(
                        f"{method} {url}: HTTP {response.status_code} after {attempt + 1} tries",
                        response.status_code,
                        response.text,
                    )
            delay = self._delay_for(response, attempt)
            logger.warning(
                "erp request failed; retrying",
                extra={
                    "method": method,
                    "status": None if response is None else response.status_code,
                    "attempt": attempt + 1,
                    "delay": round(delay, 2),
                },
            )
            self.sleep(delay)
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One call with auth and retries; a 401 under OAuth2 refreshes the token once."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        try:
            return self._send(method, url, headers=self._auth_headers(), params=params, json=json)
        except RestError as error:
            if error.status != 401 or self.config.auth.mode != "oauth2":
                raise
            return self._send(
                method, url, headers=self._auth_headers(fresh=True), params=params, json=json
            )

    # -------------------------------------------------------------- pagination

    def pages(
        self, stream: StreamConfig, since: datetime | None, *, page_size: int | None = None
    ) -> Iterator[Page]:
        """Every page of a stream's records changed after ``since`` (all when None)."""
        paging = stream.pagination
        size = page_size or paging.size
        since_text = None
        if since is not None:
            local = since.astimezone(ZoneInfo(stream.since_timezone))
            since_text = local.strftime(stream.since_format)
        page, offset, cursor = paging.start, 0, None
        next_url: str | None = None
        records_path = jmespath.compile(stream.records)
        for number in range(1, MAX_PAGES + 1):
            values = self._placeholders(
                since=since_text, page=page, offset=offset, limit=size, cursor=cursor
            )
            if next_url is not None:
                response = self.request(stream.method, next_url)
            else:
                params = render(stream.params, values) or None
                body = render(stream.body, values) if stream.body is not None else None
                response = self.request(stream.method, stream.path, params=params, json=body)
            payload = response.json() if response.content else None
            records = records_path.search(payload) if payload is not None else None
            records = records or []
            if not isinstance(records, list):
                records = [records]
            if stream.detail is not None:
                records = [self._detail(stream.detail, record) for record in records]
            if records:
                yield Page(records, number)

            if paging.mode == "none" or not records:
                return
            if paging.mode == "page":
                if paging.total_pages:
                    total = jmespath.search(paging.total_pages, payload)
                    if total is not None and page >= int(total):
                        return
                elif len(records) < size:
                    return
                page += 1
            elif paging.mode == "offset":
                if len(records) < size:
                    return
                offset += len(records)
            elif paging.mode == "cursor":
                cursor = jmespath.search(paging.next_cursor or "next", payload)
                if not cursor:
                    return
            elif paging.mode == "link":
                link = response.links.get("next")
                if not link or not link.get("url"):
                    return
                next_url = str(link["url"])
        raise RestError(f"stream {stream.name} did not stop after {MAX_PAGES} pages")

    def _detail(self, detail: DetailConfig, record: dict[str, Any]) -> dict[str, Any]:
        identifier = jmespath.search(detail.id, record)
        path = detail.path.replace("{id}", str(identifier))
        response = self.request("GET", path)
        found = jmespath.search(detail.records, response.json())
        return found if isinstance(found, dict) else record
