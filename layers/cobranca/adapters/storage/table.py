"""The single DynamoDB table: typed conversions and the few request shapes the hub uses.

Items are plain dicts of Python values here; conversion to and from DynamoDB's attribute
values happens only in this module. Amounts stay ``Decimal`` (never float), dates become ISO
strings, ``None`` attributes are left out (so sparse indexes stay sparse).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from cobranca.platform import aws
from cobranca.platform.settings import get_settings

Item = dict[str, Any]
Key = dict[str, str]

BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100


class ConditionFailed(Exception):
    """A conditional write did not hold; ``reasons`` has one entry per transaction item."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []

    def failed_indexes(self) -> list[int]:
        """Positions of the transaction items whose condition failed."""
        return [
            index for index, code in enumerate(self.reasons) if code == "ConditionalCheckFailed"
        ]


class TransactionConflict(Exception):
    """Another transaction touched the same items at the same time; retry."""


def _plain(value: Any) -> Any:
    if isinstance(value, bool | str | Decimal | bytes) or value is None:
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError("float is not stored; use Decimal")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__}")


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values to DynamoDB attribute values (None attributes dropped)."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {
        key: serializer.serialize(_plain(value)) for key, value in item.items() if value is not None
    }


def deserialize(item: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values to Python.

    Numbers come back as ``Decimal`` exactly as DynamoDB normalises them (100.00 returns as
    100): readers re-apply the money policy when they build models, and counters use int().
    """
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in item.items()}


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Expression attribute values, serialised."""
    return serialize(mapping)


@dataclass
class Put:
    """A transactional or single put, optionally conditional."""

    item: Item
    condition: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def request(self, table: str) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": table, "Item": serialize(self.item)}
        _add_condition(request, self.condition, self.names, self.values)
        return request


@dataclass
class Update:
    """A transactional or single update."""

    key: Key
    expression: str
    condition: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def request(self, table: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": table,
            "Key": serialize(self.key),
            "UpdateExpression": self.expression,
        }
        _add_condition(request, self.condition, self.names, self.values)
        return request


@dataclass
class Check:
    """A transaction item that only asserts a condition on another item."""

    key: Key
    condition: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def request(self, table: str) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": table, "Key": serialize(self.key)}
        _add_condition(request, self.condition, self.names, self.values)
        return request


@dataclass
class Delete:
    """A transactional or single delete."""

    key: Key
    condition: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def request(self, table: str) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": table, "Key": serialize(self.key)}
        _add_condition(request, self.condition, self.names, self.values)
        return request


Write = Put | Update | Check | Delete


def _add_condition(
    request: dict[str, Any], condition: str | None, names: dict[str, str], vals: dict[str, Any]
) -> None:
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = names
    if vals:
        request["ExpressionAttributeValues"] = serialize(vals)


class Table:
    """The hub's table. One instance per process; the client is created lazily."""

    def __init__(self, name: str | None = None) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name or get_settings().table_name

    @property
    def client(self) -> Any:
        return aws.client("dynamodb")

    # ------------------------------------------------------------------ reads

    def get(self, pk: str, sk: str, *, consistent: bool = True) -> Item | None:
        """One item by key, strongly consistent unless told otherwise."""
        response = self.client.get_item(
            TableName=self.name, Key=serialize({"pk": pk, "sk": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return deserialize(item) if item else None

    def batch_get(
        self, keys: Sequence[Key], *, consistent: bool = True
    ) -> dict[tuple[str, str], Item]:
        """Many items by key (100 per request), retrying unprocessed keys with backoff."""
        found: dict[tuple[str, str], Item] = {}
        unique = list({(key["pk"], key["sk"]): key for key in keys}.values())
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            pending: list[dict[str, Any]] = [
                serialize(key) for key in unique[start : start + BATCH_GET_LIMIT]
            ]
            attempt = 0
            while pending:
                response = self.client.batch_get_item(
                    RequestItems={self.name: {"Keys": pending, "ConsistentRead": consistent}}
                )
                for raw in response.get("Responses", {}).get(self.name, []):
                    item = deserialize(raw)
                    found[(item["pk"], item["sk"])] = item
                pending = response.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
                if pending:
                    attempt += 1
                    time.sleep(min(2.0, 0.05 * 2**attempt))
        return found

    def query(
        self,
        key_condition: str,
        vals: Mapping[str, Any],
        *,
        index: str | None = None,
        names: Mapping[str, str] | None = None,
        filter_expression: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        consistent: bool = False,
    ) -> Iterator[Item]:
        """Every item matching a key condition, page after page."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": serialize(dict(vals)),
            "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        elif consistent:
            request["ConsistentRead"] = True
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if filter_expression:
            request["FilterExpression"] = filter_expression
        yielded = 0
        while True:
            if limit is not None:
                request["Limit"] = limit - yielded
            response = self.client.query(**request)
            for raw in response.get("Items", []):
                yield deserialize(raw)
                yielded += 1
            last = response.get("LastEvaluatedKey")
            if not last or (limit is not None and yielded >= limit):
                return
            request["ExclusiveStartKey"] = last

    def partition(self, pk: str, *, sk_prefix: str | None = None) -> list[Item]:
        """Every item of one partition (optionally under a sort-key prefix), consistently."""
        if sk_prefix is None:
            return list(self.query("pk = :pk", {":pk": pk}, consistent=True))
        return list(
            self.query(
                "pk = :pk AND begins_with(sk, :prefix)",
                {":pk": pk, ":prefix": sk_prefix},
                consistent=True,
            )
        )

    # ------------------------------------------------------------------ writes

    def put(self, write: Put) -> None:
        """One put; a failed condition raises :class:`ConditionFailed`."""
        try:
            self.client.put_item(**write.request(self.name))
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConditionFailed(f"condition failed on {write.item.get('pk')}") from None

    def update(self, write: Update, *, return_values: str = "NONE") -> Item:
        """One update; returns the attributes asked for by ``return_values``."""
        request = write.request(self.name)
        request["ReturnValues"] = return_values
        try:
            response = self.client.update_item(**request)
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConditionFailed(f"condition failed on {write.key}") from None
        return deserialize(response.get("Attributes", {}))

    def delete(self, write: Delete) -> None:
        try:
            self.client.delete_item(**write.request(self.name))
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConditionFailed(f"condition failed on {write.key}") from None

    def transact(self, writes: Sequence[Write], token: str | None = None) -> None:
        """All-or-nothing write of up to 100 items.

        A failed condition raises :class:`ConditionFailed` carrying the per-item reasons, so
        the caller can tell which item's condition broke; a conflict with a concurrent
        transaction raises :class:`TransactionConflict`.
        """
        if not writes:
            return
        if len(writes) > TRANSACTION_LIMIT:
            raise ValueError(f"{len(writes)} items exceed the transaction limit of 100")
        items = []
        for write in writes:
            kind = {Put: "Put", Update: "Update", Check: "ConditionCheck", Delete: "Delete"}[
                type(write)
            ]
            items.append({kind: write.request(self.name)})
        request: dict[str, Any] = {"TransactItems": items}
        if token:
            request["ClientRequestToken"] = token
        try:
            self.client.transact_write_items(**request)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = [
                str(reason.get("Code", "None"))
                for reason in error.response.get("CancellationReasons", [])
            ]
            if "TransactionConflict" in reasons:
                raise TransactionConflict(str(error)) from None
            raise ConditionFailed("transaction cancelled", reasons) from None

    def batch_put(self, items: Sequence[Item]) -> None:
        """Unconditional puts, 25 per request, retrying unprocessed items with backoff."""
        for start in range(0, len(items), 25):
            pending = [
                {"PutRequest": {"Item": serialize(item)}} for item in items[start : start + 25]
            ]
            attempt = 0
            while pending:
                response = self.client.batch_write_item(RequestItems={self.name: pending})
                pending = response.get("UnprocessedItems", {}).get(self.name, [])
                if pending:
                    attempt += 1
                    time.sleep(min(2.0, 0.05 * 2**attempt))


_table: Table | None = None


def table() -> Table:
    """The process's table (name from the settings, read on first use)."""
    global _table  # noqa: PLW0603 - one lazily built table object per process
    if _table is None:
        _table = Table()
    return _table
