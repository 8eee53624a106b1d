"""Corrections to the emulator (DynamoDB and SQS) that the hub's workload needs.

1. **Transactions without copying the table.** moto backs up every table a transaction
   touches with ``copy.deepcopy`` before applying it, so each TransactWriteItems costs time in
   proportion to the whole table: a table of a few thousand items makes every payment
   confirmation slow. The replacement checks every condition first, then applies the writes
   keeping a copy of only the items it changes, and restores exactly those on failure. The
   observable behaviour (cancellation reasons per item, validation errors, all-or-nothing) is
   moto's own.
2. **Queue attributes without re-deriving their names.** moto's SQS rebuilds a queue's whole
   attribute map (converting each attribute name from CamelCase by regular expression) every
   time it checks one flag, several times per message sent; caching the name conversion keeps
   a send from costing more than the rest of a callback.
3. **One request at a time.** moto's DynamoDB backend is not thread-safe: concurrent requests
   through the threaded server can fail with "dictionary changed size during iteration". A
   lock around each DynamoDB request serialises them, which also gives transactions the
   isolation DynamoDB guarantees.
4. **Queue attributes computed one at a time.** Each SendMessage asks moto's queue for one
   flag (ContentBasedDeduplication) and moto answers by building every attribute, including
   the message counts, which scan every message twice: a send cost time in proportion to the
   queue's depth (0.2 s per message at 3,000 waiting). The queue's attribute map becomes a
   read-only view that computes only the attribute asked for; a full read (GetQueueAttributes)
   still sees every attribute with moto's values. Listing a queue's visible messages (each
   ReceiveMessage) reads the clock once instead of twice per message waiting.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

_installed = False
_lock = threading.RLock()


def install() -> None:
    """Patch moto's DynamoDB backend and handler (idempotent)."""
    global _installed  # noqa: PLW0603 - patches apply once per process
    if _installed:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    original_call: Any = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _lock:
            return original_call(self)

    handler: Any = DynamoHandler
    handler.call_action = call_action
    backend: Any = DynamoDBBackend
    backend.transact_write_items = _transact_write_items
    _cache_attribute_names()
    _lazy_queue_attributes()
    _installed = True


def _cache_attribute_names() -> None:
    import functools

    from moto.core import utils
    from moto.sqs import models

    # moto.sqs.models imported the function by name; the cached version replaces that name
    # only, with the same results for the same inputs.
    cached = functools.lru_cache(maxsize=512)(utils.camelcase_to_underscores)
    module: Any = models
    module.camelcase_to_underscores = cached


class _QueueAttributes(Mapping[str, Any]):
    """A queue's attributes as moto spells them, each computed when read."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        if queue.policy:
            names.append("Policy")
        if queue.redrive_policy:
            names.append("RedrivePolicy")
        self._names = list(dict.fromkeys(names))

    def __getitem__(self, name: str) -> Any:
        from moto.sqs import models

        if name not in self._names:
            raise KeyError(name)
        if name == "Policy" and self._queue.policy:
            return self._queue.policy
        if name == "RedrivePolicy" and self._queue.redrive_policy:
            return json.dumps(self._queue.redrive_policy)
        module: Any = models
        value = getattr(self._queue, module.camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _visible_messages(queue: Any) -> list[Any]:
    """moto's Queue.messages (visible and not delayed), with one clock read for the list."""
    from moto.sqs import models

    module: Any = models
    now = module.unix_time_millis()
    return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]


def _lazy_queue_attributes() -> None:
    from moto.sqs.models import Queue

    queue: Any = Queue
    queue.attributes = property(_QueueAttributes)
    queue.messages = property(_visible_messages)


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()

    # Phase 1: shape, unicity and every condition, against the state before any write.
    seen: set[tuple[str, str]] = set()
    plans: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise MockValidationException("Unsupported transaction operation")
        key = _key_of(self, op_type, op)
        identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)

        original: dict[str, Any] | None = None
        try:
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                check = get_filter_expression(
                    condition,
                    op.get("ExpressionAttributeNames"),
                    op.get("ExpressionAttributeValues"),
                )
                if not check.expr(current):
                    wanted = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    if wanted and current is not None:
                        original = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original)
        except ConditionalCheckFailed as failure:
            errors.append(("ConditionalCheckFailed", str(failure.message), original))
            continue
        except MockValidationException:
            raise
        except Exception as failure:
            errors.append((type(failure).__name__, str(failure), None))
            continue
        errors.append((None, None, None))
        plans.append((op_type, op, key))

    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Phase 2: apply, remembering only the items this transaction changes.
    saved: list[tuple[Any, Any, Any, Any]] = []
    try:
        for op_type, op, key in plans:
            if op_type == "ConditionCheck":
                continue
            table = self.get_table(op["TableName"])
            hash_key, range_key = self.get_keys_value(table, key)
            saved.append(
                (table, hash_key, range_key, copy.deepcopy(self.get_item(op["TableName"], key)))
            )
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(
                    op["TableName"],
                    op["Item"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    op["TableName"],
                    key,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            else:
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception:
        for table, hash_key, range_key, before in reversed(saved):
            _restore(table, hash_key, range_key, before)
        raise


def _restore(table: Any, hash_key: Any, range_key: Any, before: Any) -> None:
    if range_key is not None:
        partition = table.items[hash_key]
        if before is None:
            partition.pop(range_key, None)
        else:
            partition[range_key] = before
    elif before is None:
        table.items.pop(hash_key, None)
    else:
        table.items[hash_key] = before
