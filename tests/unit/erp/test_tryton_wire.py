"""The Tryton JSON-RPC client against a scripted server: wire types, context, sessions."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.tryton import (
    TrytonClient,
    TrytonError,
    TrytonUnavailable,
    decode,
    encode,
    normalise,
)

CONTEXT = {"company": 1, "companies": [1], "language": "en"}


def test_tagged_types_both_ways() -> None:
    sent = json.dumps(
        {"d": Decimal("137.45"), "day": date(2026, 10, 1), "at": datetime(2026, 12, 4, 15, 18, 30)},
        default=encode,
    )
    assert json.loads(sent) == {
        "d": {"__class__": "Decimal", "decimal": "137.45"},
        "day": {"__class__": "date", "year": 2026, "month": 10, "day": 1},
        "at": {
            "__class__": "datetime",
            "year": 2026,
            "month": 12,
            "day": 4,
            "hour": 15,
            "minute": 18,
            "second": 30,
            "microsecond": 0,
        },
    }
    assert json.loads(sent, object_hook=decode) == {
        "d": Decimal("137.45"),
        "day": date(2026, 10, 1),
        "at": datetime(2026, 12, 4, 15, 18, 30),
    }


def test_normalise_folds_dotted_reads_and_allocates_partial_payments_oldest_first() -> None:
    row = {
        "id": 13,
        "amount_to_pay": Decimal("2229.91"),
        "party.": {"id": 4, "name": "Ana"},
        "lines_to_pay.": [
            {
                "id": 2,
                "maturity_date": date(2026, 12, 1),
                "amount": Decimal("1858.57"),
                "reconciliation": None,
            },
            {
                "id": 1,
                "maturity_date": date(2026, 11, 1),
                "amount": Decimal("1858.57"),
                "reconciliation": None,
            },
        ],
    }

    plain = normalise(row)

    assert plain["party"] == {"id": 4, "name": "Ana"}
    assert [line["id"] for line in plain["lines_to_pay"]] == [1, 2]
    # 3717.14 open on the lines, 2229.91 to pay: 1487.23 paid, applied to the oldest line
    assert [line["balance"] for line in plain["lines_to_pay"]] == ["371.34", "1858.57"]
    assert plain["amount_to_pay"] == "2229.91"


class FakeTryton:
    """Answers like trytond 8.2: sessions, 401 on a stale session, gzip when asked."""

    def __init__(self) -> None:
        self.sessions = {"s1"}
        self.calls: list[dict[str, Any]] = []
        self.fail_next: list[int] = []
        self.logins = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content, object_hook=decode)
        self.calls.append(
            {"path": request.url.path, **body, "auth": request.headers.get("Authorization")}
        )
        if self.fail_next:
            return httpx.Response(self.fail_next.pop(0), text="<html>error</html>")
        method = body["method"]
        if method == "common.db.login":
            self.logins += 1
            session = f"s{self.logins}"
            self.sessions.add(session)
            return self._result(body, [1, session, None], request)
        token = (request.headers.get("Authorization") or "").removeprefix("Session ")
        _user, _, session = base64.b64decode(token).decode().partition(":")[2].partition(":")
        if session not in self.sessions:
            return httpx.Response(401, text="<html>Unauthorized</html>")
        if method.startswith("model.") and not isinstance(body["params"][-1], dict):
            return httpx.Response(422, text="Missing context argument")
        if method == "model.res.user.get_preferences":
            return self._result(body, CONTEXT | {"locale": {"x": "y" * 2000}}, request)
        if method == "model.account.invoice.read":
            return self._result(body, [{"id": 1, "amount_to_pay": Decimal("10.00")}], request)
        if method == "model.account.invoice.write":
            return self._result(body, None, request, error=["UserError", ["not allowed", ""]])
        return self._result(body, [], request)

    @staticmethod
    def _result(
        body: dict[str, Any], result: Any, request: httpx.Request, error: Any = None
    ) -> httpx.Response:
        payload = (
            {"id": body["id"], "error": error} if error else {"id": body["id"], "result": result}
        )
        raw = json.dumps(payload, default=encode).encode()
        headers = {"Content-Type": "application/json"}
        if len(raw) > 1400:
            # trytond labels big answers gzip, and compresses only when gzip was accepted
            headers["Content-Encoding"] = "gzip"
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                raw = gzip.compress(raw)
        return httpx.Response(200, content=raw, headers=headers)


def make(fake: FakeTryton) -> TrytonClient:
    return TrytonClient(
        "http://tryton.test",
        "tryton",
        "admin",
        "secret",
        transport=httpx.MockTransport(fake),
        backoff=0.0,
    )


def test_login_then_calls_carry_the_session_and_the_context_last() -> None:
    fake = FakeTryton()
    client = make(fake)

    rows = client.call("model.account.invoice.read", [1], ["amount_to_pay"])

    assert rows == [{"id": 1, "amount_to_pay": Decimal("10.00")}]
    login, preferences, read = fake.calls
    assert login["path"] == "/tryton/rpc/"
    assert login["params"] == ["admin", {"password": "secret"}, "en"]
    assert preferences["auth"] == "Session " + base64.b64encode(b"admin:1:s1").decode()
    assert read["params"] == [[1], ["amount_to_pay"], CONTEXT]
    assert client.context == CONTEXT


def test_a_401_logs_in_again_once_and_retries() -> None:
    fake = FakeTryton()
    client = make(fake)
    client.login()
    fake.sessions.clear()

    assert client.call("model.account.invoice.read", [1], ["amount_to_pay"])[0]["id"] == 1
    assert fake.logins == 2
    assert [call["method"] for call in fake.calls[-4:]] == [
        "model.account.invoice.read",
        "common.db.login",
        "model.res.user.get_preferences",
        "model.account.invoice.read",
    ]


def test_business_errors_come_back_as_tryton_errors() -> None:
    client = make(FakeTryton())

    with pytest.raises(TrytonError, match="UserError: not allowed") as failure:
        client.call("model.account.invoice.write", [1], {"description": "x"})
    assert failure.value.status == 200


def test_5xx_is_retried_then_succeeds_or_reports_unavailable() -> None:
    fake = FakeTryton()
    client = make(fake)
    client.login()
    fake.fail_next = [503, 500]

    assert client.call("model.account.invoice.read", [1], ["amount_to_pay"])[0]["id"] == 1

    fake.fail_next = [502] * 10
    with pytest.raises(TrytonUnavailable):
        client.call("model.account.invoice.read", [1], ["amount_to_pay"])


def test_connection_refused_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = TrytonClient(
        "http://tryton.test",
        "tryton",
        "admin",
        "x",
        transport=httpx.MockTransport(refuse),
        retries=1,
        backoff=0.0,
    )
    with pytest.raises(TrytonUnavailable, match="ConnectError"):
        client.login()
