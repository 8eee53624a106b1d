"""Tryton over JSON-RPC: session login, paged reads of changed invoices, the pay wizard.

Facts this client is built on (observed on trytond 8.2):

- the endpoint is ``POST <base>/<db>/rpc/`` (``/<db>/`` answers 405); calls that need no
  database go to ``<base>/rpc/``;
- Decimal, date and datetime travel as tagged objects (``{"__class__": "Decimal", "decimal":
  "1.50"}``), both ways; datetimes are naive and in the server's time (UTC);
- the *last positional parameter* of every model or wizard call is the context, or the server
  answers 422; the client sends what ``res.user.get_preferences`` returned at login;
- ``common.db.login`` returns ``[user_id, session, ...]``; later calls carry ``Authorization:
  Session base64(login:user_id:session)``; a bad or expired session answers HTTP 401, and so
  does the pay wizard when the session was idle for more than ``[session] timeout``: the client
  logs in again once and retries;
- trytond labels every JSON answer above 1,400 bytes ``Content-Encoding: gzip`` but compresses
  only when the request accepted gzip, so the client always sends ``Accept-Encoding: gzip``;
- dotted fields (``party.name``) come back nested under the key with a trailing dot
  (``"party.": {...}``); :func:`normalise` folds them into plain keys;
- business errors come back as HTTP 200 with an ``error`` member.

Reads retry 5xx answers and timeouts with exponential backoff and jitter; the pay wizard is not
retried blindly (the write-back checks the ERP for its own reference first, see
:func:`TrytonClient.find_payment`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from cobranca.platform.observability import logger

RETRIES = 4
BACKOFF_SECONDS = 0.2
TIMEOUT_SECONDS = 30.0

INVOICE_FIELDS = (
    "number",
    "reference",
    "description",
    "state",
    "type",
    "invoice_date",
    "write_date",
    "create_date",
    "total_amount",
    "amount_to_pay",
    "currency.code",
    "party.name",
    "party.write_date",
    "party.create_date",
    "party.identifiers.type",
    "party.identifiers.code",
    "party.contact_mechanisms.type",
    "party.contact_mechanisms.value",
    "party.addresses.street",
    "party.addresses.postal_code",
    "party.addresses.city",
    "party.addresses.subdivision.code",
    "lines_to_pay.maturity_date",
    "lines_to_pay.amount",
    "lines_to_pay.reconciliation",
)


class TrytonError(RuntimeError):
    """A JSON-RPC call failed; ``status`` is the HTTP status (200 for business errors)."""

    def __init__(self, message: str, status: int = 200, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class TrytonUnavailable(TrytonError):
    """The server did not answer (connection refused, timeout, 5xx after the retries)."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message, status, retryable=True)


# ---------------------------------------------------------------------- wire encoding


def encode(value: Any) -> Any:
    """Python values to Tryton's tagged JSON objects (``json.dumps`` default hook)."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime):
        return {
            "__class__": "datetime",
            "year": value.year,
            "month": value.month,
            "day": value.day,
            "hour": value.hour,
            "minute": value.minute,
            "second": value.second,
            "microsecond": value.microsecond,
        }
    if isinstance(value, date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


def decode(obj: dict[str, Any]) -> Any:
    """Tryton's tagged objects back to Python (``json.loads`` object hook)."""
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return datetime(
            obj["year"],
            obj["month"],
            obj["day"],
            obj.get("hour", 0),
            obj.get("minute", 0),
            obj.get("second", 0),
            obj.get("microsecond", 0),
        )
    if kind == "timedelta":
        return timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def _unfold(value: Any) -> Any:
    if isinstance(value, list):
        return [_unfold(item) for item in value]
    if not isinstance(value, dict):
        return value
    folded: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("."):
            folded[key[:-1]] = _unfold(item)
        elif key not in folded:
            folded[key] = _unfold(item)
    return folded


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """One ``search_read`` row of an invoice as plain JSON, the shape the Tryton preset maps.

    Dotted reads lose their trailing dot (``"party."`` becomes ``"party"``); amounts become
    decimal text and dates ISO text. Each line to pay gets ``settled`` (reconciled) and
    ``balance``: Tryton does not allocate a partial payment to an installment (its lines stay
    unreconciled, only the invoice's ``amount_to_pay`` drops), so the unallocated part is
    applied to the open installments oldest first, the order a payer's money settles them.
    """
    row = _unfold(record)
    lines = sorted(
        row.get("lines_to_pay") or [],
        key=lambda line: (line.get("maturity_date") or date.max, line.get("id", 0)),
    )
    open_lines = [line for line in lines if line.get("reconciliation") is None]
    open_total = sum((Decimal(line.get("amount") or 0) for line in open_lines), Decimal("0.00"))
    to_pay = row.get("amount_to_pay")
    unallocated = (
        max(open_total - Decimal(to_pay), Decimal("0.00")) if to_pay is not None else Decimal(0)
    )
    for line in lines:
        amount = Decimal(line.get("amount") or 0)
        line["settled"] = line.get("reconciliation") is not None
        if line["settled"]:
            line["balance"] = Decimal("0.00")
            continue
        applied = min(unallocated, amount)
        unallocated -= applied
        line["balance"] = amount - applied
    row["lines_to_pay"] = lines
    plain: dict[str, Any] = _plain(row)
    return plain


# ---------------------------------------------------------------------- client


class TrytonClient:
    """A JSON-RPC session with one Tryton database."""

    def __init__(
        self,
        base_url: str,
        database: str,
        login: str,
        password: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
        retries: int = RETRIES,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.database = database
        self.login_name = login
        self._password = password
        self.retries = retries
        self.backoff = backoff
        self.context: dict[str, Any] = {}
        self._authorization: str | None = None
        self._ids = 0
        self.calls = 0
        # gzip must be accepted: trytond flags big answers as gzip even when they are not.
        self.http = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"Accept-Encoding": "gzip", "Content-Type": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TrytonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- transport

    def _post(self, path: str, method: str, params: Sequence[Any]) -> Any:
        self._ids += 1
        body = json.dumps(
            {"id": self._ids, "method": method, "params": list(params)}, default=encode
        )
        headers = {"Authorization": self._authorization} if self._authorization else {}
        self.calls += 1
        try:
            response = self.http.post(f"{self.base_url}{path}", content=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as error:
            raise TrytonUnavailable(f"{method}: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise TrytonUnavailable(f"{method}: HTTP {response.status_code}", response.status_code)
        if response.status_code != 200:
            raise TrytonError(f"{method}: HTTP {response.status_code}", response.status_code)
        data = json.loads(response.content, object_hook=decode)
        if "error" in data:
            raise TrytonError(f"{method}: {_error_text(data['error'])}")
        return data.get("result")

    def _with_retries(self, path: str, method: str, params: Sequence[Any]) -> Any:
        for attempt in range(self.retries + 1):
            try:
                return self._post(path, method, params)
            except TrytonUnavailable:
                if attempt == self.retries:
                    raise
                delay = self.backoff * 2**attempt * random.uniform(0.5, 1.5)  # noqa: S311
                logger.warning(
                    "tryton unavailable; retrying",
                    extra={"method": method, "attempt": attempt + 1, "delay": round(delay, 2)},
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    # -------------------------------------------------------------- session

    def login(self) -> None:
        """Open a session and load the user's context (company, language)."""
        self._authorization = None
        result = self._with_retries(
            f"/{self.database}/rpc/",
            "common.db.login",
            [self.login_name, {"password": self._password}, "en"],
        )
        user_id, session = result[0], result[1]
        token = base64.b64encode(f"{self.login_name}:{user_id}:{session}".encode()).decode()
        self._authorization = f"Session {token}"
        preferences = self._with_retries(
            f"/{self.database}/rpc/", "model.res.user.get_preferences", [True, {}]
        )
        self.context = {
            key: preferences[key]
            for key in ("company", "companies", "language")
            if key in preferences
        }

    def logout(self) -> None:
        if self._authorization is None:
            return
        with contextlib.suppress(TrytonError):
            self._post(f"/{self.database}/rpc/", "common.db.logout", [])
        self._authorization = None

    def call(self, method: str, *params: Any, context: dict[str, Any] | None = None) -> Any:
        """A model or wizard call; the context is appended as the last parameter.

        A 401 (expired session, or one too idle for a wizard) logs in again once and retries.
        """
        if self._authorization is None:
            self.login()
        for attempt in (1, 2):
            arguments = [*params, dict(self.context, **(context or {}))]
            try:
                return self._with_retries(f"/{self.database}/rpc/", method, arguments)
            except TrytonError as error:
                if error.status != 401 or attempt == 2:
                    raise
                logger.info("tryton session expired; logging in again", extra={"method": method})
                self.login()
        raise AssertionError("unreachable")

    def version(self) -> str:
        return str(self._with_retries("/rpc/", "common.server.version", []))

    # -------------------------------------------------------------- reads

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: Sequence[str],
        *,
        offset: int = 0,
        limit: int | None = None,
        order: list[list[str]] | None = None,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.call(
            f"model.{model}.search_read", domain, offset, limit, order, list(fields)
        )
        return rows

    def changed_invoices(
        self,
        since: datetime | None,
        *,
        page_size: int = 200,
        fields: Sequence[str] = INVOICE_FIELDS,
    ) -> Iterator[list[dict[str, Any]]]:
        """Customer invoices written or created after ``since``, page by page, oldest first.

        Records that were never written have no ``write_date``, so the domain also takes those
        created after ``since``. The ids are listed first, in one call, so pages do not shift
        when a record changes during the run (it is then read in its newest state, and its next
        change is caught by the next run).
        """
        domain: list[Any] = [["type", "=", "out"], ["state", "in", ["posted", "paid", "cancelled"]]]
        if since is not None:
            domain.append(["OR", ["write_date", ">", since], ["create_date", ">", since]])
        listing = self.search_read(
            "account.invoice",
            domain,
            ["write_date", "create_date"],
            order=[["id", "ASC"]],
        )
        listing.sort(key=lambda row: (row.get("write_date") or row["create_date"], row["id"]))
        ids = [row["id"] for row in listing]
        for start in range(0, len(ids), page_size):
            chunk = ids[start : start + page_size]
            rows = self.call("model.account.invoice.read", chunk, list(fields))
            by_id = {row["id"]: row for row in rows}
            yield [by_id[identifier] for identifier in chunk if identifier in by_id]

    def open_invoices(
        self, *, page_size: int = 500, fields: Sequence[str] = INVOICE_FIELDS
    ) -> Iterator[list[dict[str, Any]]]:
        """Every posted (still open) customer invoice, paged with offset and limit."""
        offset = 0
        while True:
            rows = self.search_read(
                "account.invoice",
                [["type", "=", "out"], ["state", "=", "posted"]],
                list(fields),
                offset=offset,
                limit=page_size,
                order=[["id", "ASC"]],
            )
            if rows:
                yield rows
            if len(rows) < page_size:
                return
            offset += page_size

    # -------------------------------------------------------------- write-back

    def find_payment(self, invoice_id: int, marker: str) -> list[int]:
        """Moves already booked on the invoice whose description carries ``marker``."""
        found: list[int] = self.call(
            "model.account.move.search",
            [
                ["origin", "=", f"account.invoice,{invoice_id}"],
                ["description", "ilike", f"%{marker}%"],
            ],
            0,
            None,
            None,
        )
        return found

    def payment_method(self) -> int:
        """The first invoice payment method of the company (how a receipt is booked)."""
        found = self.call("model.account.invoice.payment.method.search", [], 0, 1, None)
        if not found:
            raise TrytonError("no invoice payment method is configured in Tryton")
        return int(found[0])

    def pay_invoice(
        self,
        invoice_id: int,
        amount: Decimal,
        paid_on: date,
        description: str,
        payment_method: int,
    ) -> None:
        """Book a receipt with the ``account.invoice.pay`` wizard, as a user would.

        An amount that settles a whole set of installments reconciles them; any other amount
        is booked as a partial payment (Tryton asks, the client answers ``partial``).
        """
        wizard_context = {
            "active_model": "account.invoice",
            "active_id": invoice_id,
            "active_ids": [invoice_id],
        }
        session, start_state, _ = self.call("wizard.account.invoice.pay.create")
        try:
            view = self.call(
                "wizard.account.invoice.pay.execute",
                session,
                {},
                start_state,
                context=wizard_context,
            )
            start = {
                key: value
                for key, value in view["view"]["defaults"].items()
                if not key.endswith(".")
            }
            start.update(
                amount=amount, date=paid_on, payment_method=payment_method, description=description
            )
            result = self.call(
                "wizard.account.invoice.pay.execute",
                session,
                {"start": start},
                "choice",
                context=wizard_context,
            )
            if (result or {}).get("view", {}).get("state") == "ask":
                ask = {
                    key: value
                    for key, value in result["view"]["defaults"].items()
                    if not key.endswith(".")
                }
                ask["type"] = "partial"
                self.call(
                    "wizard.account.invoice.pay.execute",
                    session,
                    {"start": start, "ask": ask},
                    "pay",
                    context=wizard_context,
                )
        finally:
            try:
                self.call("wizard.account.invoice.pay.delete", session, context=wizard_context)
            except TrytonError:
                logger.warning("tryton wizard not deleted", extra={"session": session})

    def add_note(self, invoice_id: int, message: str) -> int:
        """Attach a note to the invoice (``ir.note``): how a status or agreement is recorded."""
        created = self.call(
            "model.ir.note.create",
            [{"resource": f"account.invoice,{invoice_id}", "message": message}],
        )
        return int(created[0])

    def find_note(self, invoice_id: int, marker: str) -> list[int]:
        found: list[int] = self.call(
            "model.ir.note.search",
            [
                ["resource", "=", f"account.invoice,{invoice_id}"],
                ["message", "ilike", f"%{marker}%"],
            ],
            0,
            None,
            None,
        )
        return found

    def invoice(self, invoice_id: int, fields: Sequence[str] = INVOICE_FIELDS) -> dict[str, Any]:
        rows = self.call("model.account.invoice.read", [invoice_id], list(fields))
        if not rows:
            raise TrytonError(f"invoice {invoice_id} does not exist", 404)
        row: dict[str, Any] = rows[0]
        return row


def _error_text(error: Any) -> str:
    if isinstance(error, list) and error:
        kind = error[0]
        detail = error[1] if len(error) > 1 else ""
        if isinstance(detail, list) and detail:
            detail = detail[0]
        return f"{kind}: {detail}"
    return str(error)
