"""Counting AWS requests a piece of code makes, for benchmarks and cost tests.

A :class:`RequestCounter` hooks botocore's ``before-call`` event on one client (by default the
hub's lazily built client for the service), so it sees every API call the code under
measurement makes through it, including those of libraries handed the same client::

    with RequestCounter("dynamodb") as counted:
        sync_tenant(...)
    counted.total, counted.writes, counted.snapshot()  # {"BatchGetItem": 10, ...}

Retries of one call made inside botocore are one call here: what is counted is what the code
asked for, which is what a cost model of the code needs.
"""

from __future__ import annotations

import json
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


@dataclass
class RequestCounter:
    """Counts the API calls made through one boto3 client while active."""

    service: str = "dynamodb"
    client: Any = None
    keep_params: bool = True
    calls: list[Call] = field(default_factory=list)
    _handler: Callable[..., None] | None = None

    def __enter__(self) -> RequestCounter:
        self.client = self.client or aws.client(self.service)
        event = f"before-call.{self.client.meta.service_model.service_name}"

        def record(model: Any, params: dict[str, Any], **_: Any) -> None:
            self.calls.append(Call(model.name, _body(params) if self.keep_params else {}))

        self._handler = record
        self.client.meta.events.register(event, record)
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
            self._handler = None

    def reset(self) -> None:
        self.calls.clear()

    @property
    def total(self) -> int:
        """Every call counted."""
        return len(self.calls)

    @property
    def by_operation(self) -> Counter[str]:
        return Counter(call.operation for call in self.calls)

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
