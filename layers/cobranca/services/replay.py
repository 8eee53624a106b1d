"""Dead-letter queues: parking poison messages, and re-driving them after a fix.

Every work queue's DLQ is found through the queue's own redrive policy (the template is the
source of truth), so nothing here repeats a queue name. ``replay`` moves messages back to their
queue and deletes them from the DLQ only once re-sent; for a FIFO queue the message keeps its
group (a receivable's facts stay in order) and gets a fresh deduplication id, because the
original id may still be inside SQS's five-minute deduplication window and the re-sent message
would silently vanish. Consumers are idempotent (write-backs on their ``ref``, charges on the
receivable), so a replay never applies a fact twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from cobranca.platform import aws
from cobranca.platform.observability import logger
from cobranca.platform.settings import get_settings

QueueName = Literal["writeback", "charge", "reminder"]


def queue_url(name: QueueName) -> str:
    """A work queue's URL from the function environment."""
    settings = get_settings()
    url = {
        "writeback": settings.writeback_queue_url,
        "charge": settings.charge_queue_url,
        "reminder": settings.reminder_queue_url,
    }[name]
    if not url:
        raise LookupError(f"the {name} queue URL is not configured in this environment")
    return url


def url_of_arn(arn: str) -> str:
    """The URL of a queue given its ARN."""
    response = aws.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])
    return str(response["QueueUrl"])


@cache
def dead_letter_url(source_url: str) -> str:
    """The DLQ URL of a queue, read from its redrive policy (cached per process)."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=source_url, AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    target = policy.get("deadLetterTargetArn")
    if not target:
        raise LookupError(f"queue {source_url} has no dead-letter queue")
    return url_of_arn(str(target))


def _is_fifo(url: str) -> bool:
    return url.endswith(".fifo")


def park(source_url: str, body: str, *, group: str | None, reason: str, message_id: str) -> None:
    """Send a poison message straight to the DLQ of ``source_url``."""
    target = dead_letter_url(source_url)
    request: dict[str, Any] = {
        "QueueUrl": target,
        "MessageBody": body,
        "MessageAttributes": {
            "parked_reason": {"DataType": "String", "StringValue": reason[:1000]}
        },
    }
    if _is_fifo(target):
        request["MessageGroupId"] = group or "parked"
        request["MessageDeduplicationId"] = f"parked-{message_id}"[:128]
    aws.client("sqs").send_message(**request)
    logger.warning("message parked in the DLQ", extra={"message_id": message_id, "reason": reason})


def depth(url: str) -> int:
    """Messages waiting in a queue (visible plus in flight)."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


@dataclass
class ReplayReport:
    queue: str
    dead_letter_queue: str
    moved: int = 0
    dry_run: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "dead_letter_queue": self.dead_letter_queue,
            "moved": self.moved,
            "dry_run": self.dry_run,
            "messages": self.messages[:50],
        }


def replay(name: QueueName, *, limit: int | None = None, dry_run: bool = False) -> ReplayReport:
    """Move messages from a queue's DLQ back to the queue (all, or ``limit`` of them)."""
    source = queue_url(name)
    dlq = dead_letter_url(source)
    sqs = aws.client("sqs")
    report = ReplayReport(source, dlq, dry_run=dry_run)
    seen: set[str] = set()
    while limit is None or report.moved < limit:
        wanted = 10 if limit is None else min(10, limit - report.moved)
        received = sqs.receive_message(
            QueueUrl=dlq,
            MaxNumberOfMessages=wanted,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=30 if dry_run else 120,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        fresh = [message for message in received if message["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            group = message.get("Attributes", {}).get("MessageGroupId")
            report.messages.append({"message_id": message["MessageId"], "group": group})
            if dry_run:
                report.moved += 1
                continue
            request: dict[str, Any] = {"QueueUrl": source, "MessageBody": message["Body"]}
            if _is_fifo(source):
                request["MessageGroupId"] = group or "replayed"
                request["MessageDeduplicationId"] = f"replay-{message['MessageId']}"[:128]
            sqs.send_message(**request)
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            report.moved += 1
    logger.info(
        "dead-letter queue replayed",
        extra={"queue": name, "moved": report.moved, "dry_run": dry_run},
    )
    return report
