"""Counting AWS requests a piece of code makes, for benchmarks and cost tests.

A :class:`RequestCounter` hooks botocore's ``before-call`` event on one client (by default the
hub's lazily built client for the service), so it sees every API call the code under
measurement makes through it, including those of libraries handed the same client::

    with RequestCounter("dynamodb") as counted:
        sync_tenant(...)
    counted.total, counted.writes, counted.snapshot()  # {"BatchGetItem": 10, ...}

Retries of one call made inside botocore are one call here: what is counted is what the code
asked for, which is what a cost model of the code needs. ``seconds`` adds up the wall time the
calls took (request to parsed answer), to tell the code's own time from the service's.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from cobranca.platform import aws

WRITE_OPERATIONS = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "SendMessage",
        "SendMessageBatch",
        "PutObject",
        "DeleteObject",
    }
)


def _body(params: Any) -> dict[str, Any]:
    """The request's parameters: JSON protocols (DynamoDB, SQS) carry them as a JSON body."""
    body = params.get("body") if isinstance(params, dict) else None
    if isinstance(body, bytes | str) and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(body) if isinstance(body, dict) else {}


@dataclass
class Call:
    """One API call as seen by the counter."""

    operation: str
    params: dict[str, Any]
    seconds: float = 0.0


@dataclass
class RequestCounter:
    """Counts the API calls made through one boto3 client while active."""

    service: str = "dynamodb"
    client: Any = None
    keep_params: bool = True
    calls: list[Call] = field(default_factory=list)
    seconds: float = 0.0
    _handler: Callable[..., None] | None = None
    _after: Callable[..., None] | None = None
    _started: threading.local = field(default_factory=threading.local)

    def __enter__(self) -> RequestCounter:
        self.client = self.client or aws.client(self.service)
        event = f"before-call.{self.client.meta.service_model.service_name}"

        def record(model: Any, params: dict[str, Any], **_: Any) -> None:
            call = Call(model.name, _body(params) if self.keep_params else {})
            self.calls.append(call)
            self._started.call = call
            self._started.moment = time.perf_counter()

        def finished(**_: Any) -> None:
            started = getattr(self._started, "moment", None)
            if started is not None:
                elapsed = time.perf_counter() - started
                self.seconds += elapsed
                self._started.call.seconds = elapsed
                self._started.moment = None

        self._handler = record
        self._after = finished
        self.client.meta.events.register(event, record)
        self.client.meta.events.register(event.replace("before-", "after-"), finished)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handler is not None:
            event = f"before-call.{self.client.meta.service_model.service_name}"
            self.client.meta.events.unregister(event, self._handler)
            self.client.meta.events.unregister(event.replace("before-", "after-"), self._after)
            self._handler = None

    def reset(self) -> None:
        self.calls.clear()
        self.seconds = 0.0

    @property
    def total(self) -> int:
        """Every call counted."""
        return len(self.calls)

    @property
    def by_operation(self) -> Counter[str]:
        return Counter(call.operation for call in self.calls)

    def seconds_by_operation(self) -> dict[str, float]:
        """Wall time of the calls by operation name."""
        totals: dict[str, float] = {}
        for call in self.calls:
            totals[call.operation] = totals.get(call.operation, 0.0) + call.seconds
        return {name: round(value, 3) for name, value in sorted(totals.items())}

    def snapshot(self) -> dict[str, int]:
        """Calls so far by operation name (``{"BatchGetItem": 10, "TransactWriteItems": 21}``)."""
        return dict(sorted(self.by_operation.items()))

    @property
    def writes(self) -> int:
        """Calls that write (put, update, delete, batch write, transaction...)."""
        return sum(1 for call in self.calls if call.operation in WRITE_OPERATIONS)

    def writes_where(self, predicate: Callable[[Call], bool]) -> int:
        """Write calls matching ``predicate`` (to tell bookkeeping from business writes)."""
        return sum(
            1 for call in self.calls if call.operation in WRITE_OPERATIONS and predicate(call)
        )
