"""Messages between functions: SQS sends in batches of ten, FIFO groups where order matters."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cobranca.platform import aws


class QueueError(RuntimeError):
    """Some messages could not be queued; ``failed`` lists their ids."""

    def __init__(self, failed: list[str]) -> None:
        super().__init__(f"{len(failed)} messages were not queued: {failed[:5]}")
        self.failed = failed


def send_batch(
    queue_url: str,
    messages: Sequence[dict[str, Any]],
    *,
    group_of: str | None = None,
    dedup_of: str | None = None,
) -> int:
    """Send JSON messages, ten per request; returns how many requests were made.

    For a FIFO queue, ``group_of`` names the field that is the message group (ordering per
    receivable) and ``dedup_of`` the field that is the deduplication id.
    """
    requests = 0
    sqs = aws.client("sqs")
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries = []
        for index, message in enumerate(chunk):
            body = json.dumps(message, default=str, sort_keys=True)
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": body}
            if group_of is not None:
                entry["MessageGroupId"] = str(message[group_of])
                dedup = str(message[dedup_of]) if dedup_of else body
                entry["MessageDeduplicationId"] = hashlib.sha256(dedup.encode()).hexdigest()
            entries.append(entry)
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        requests += 1
        failed = response.get("Failed") or []
        if failed:
            raise QueueError([str(item.get("Id")) for item in failed])
    return requests
