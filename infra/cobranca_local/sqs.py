"""SQS event source mappings: queues from the template delivered in batches to their handlers.

Partial batch failures are honoured as Lambda does: messages the handler names in
``batchItemFailures`` stay on the queue and come back, the others are deleted; a raised error
fails the whole batch. After the queue's maxReceiveCount the emulator moves a message to its
dead-letter queue, exactly as the redrive policy in the template says.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from cobranca_local.lambdas import FunctionError, Functions
from cobranca_local.template import REGION


@dataclass
class Mapping:
    """One SQS event of a function."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_failures: bool
    fifo: bool


class SqsMappings:
    """Polls the mapped queues and invokes the handlers, in the background or on demand."""

    def __init__(self, functions: Functions, sqs: Any, retry_delay_seconds: int = 0) -> None:
        self.functions = functions
        self.sqs = sqs
        self.retry_delay_seconds = retry_delay_seconds
        self.mappings = self._read_mappings()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Condition()

    def _read_mappings(self) -> list[Mapping]:
        template = self.functions.template
        mappings = []
        for function in self.functions.by_name.values():
            for event in function.events:
                if event.type != "SQS":
                    continue
                properties = event.properties
                queue_arn = str(template.resolve(properties["Queue"]))
                queue_name = queue_arn.rsplit(":", 1)[-1]
                logical_id = next(
                    logical
                    for (logical, attribute), value in template.attributes.items()
                    if attribute == "Arn" and value == queue_arn
                )
                mappings.append(
                    Mapping(
                        function=function.name,
                        queue_url=str(template.refs[logical_id]),
                        queue_arn=queue_arn,
                        batch_size=int(properties.get("BatchSize", 10)),
                        report_failures="ReportBatchItemFailures"
                        in (properties.get("FunctionResponseTypes") or []),
                        fifo=queue_name.endswith(".fifo"),
                    )
                )
        return mappings

    # ------------------------------------------------------------------ delivery

    def poll_once(self, mapping: Mapping, wait_seconds: int = 0) -> int:
        """Receive one batch and deliver it; returns how many messages were delivered."""
        received = self.sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(mapping.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0

        with self._busy_lock:
            self._busy += 1
        try:
            self._deliver(mapping, received)
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()
        return len(received)

    def _deliver(self, mapping: Mapping, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(mapping, message) for message in messages]}
        failed: set[str]
        try:
            response = self.functions.invoke(mapping.function, event, source="sqs")
        except FunctionError:
            failed = {message["MessageId"] for message in messages}
        else:
            failed = set()
            if mapping.report_failures and isinstance(response, dict):
                failures = response.get("batchItemFailures") or []
                failed = {str(item.get("itemIdentifier")) for item in failures}
                unknown = failed - {message["MessageId"] for message in messages}
                if unknown or any(not item.get("itemIdentifier") for item in failures):
                    # Lambda treats a malformed failure report as a failure of the whole batch.
                    failed = {message["MessageId"] for message in messages}

        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(chunk)
                ],
            )
        for message in messages:
            if message["MessageId"] in failed:
                # Locally a failed message becomes visible again after the retry delay rather
                # than the queue's full visibility timeout, so retries and DLQ moves are quick.
                self.sqs.change_message_visibility(
                    QueueUrl=mapping.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay_seconds,
                )

    def _record(self, mapping: Mapping, message: dict[str, Any]) -> dict[str, Any]:
        body = message["Body"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType", "String"),
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", hashlib.md5(body.encode()).hexdigest()),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping.queue_arn,
            "awsRegion": REGION,
        }

    # ------------------------------------------------------------------ orchestration

    def pump(self, max_rounds: int = 1000, skip: frozenset[str] = frozenset()) -> int:
        """Deliver until every mapped queue is empty (synchronously); returns messages handled.

        Failed messages come back after the retry delay, so with a delay of 0 this also runs
        the retries until they succeed or the redrive policy parks them in the DLQ.
        """
        mappings = [mapping for mapping in self.mappings if mapping.function not in skip]
        total = 0
        for _ in range(max_rounds):
            delivered = sum(self.poll_once(mapping) for mapping in mappings)
            total += delivered
            if delivered == 0 and self._all_empty(mappings):
                return total
            if delivered == 0:
                time.sleep(0.05)
        raise TimeoutError("queues did not drain; a handler may be failing forever")

    def _all_empty(self, mappings: list[Mapping] | None = None) -> bool:
        for mapping in self.mappings if mappings is None else mappings:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=mapping.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if any(int(value) for value in attributes.values()):
                return False
        return True

    def start(self) -> None:
        """Poll every mapping in its own background thread (as Lambda's pollers do)."""
        for mapping in self.mappings:
            thread = threading.Thread(
                target=self._run, args=(mapping,), daemon=True, name=f"sqs-{mapping.function}"
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, mapping: Mapping) -> None:
        while not self._stop.is_set():
            try:
                if self.poll_once(mapping, wait_seconds=1) == 0:
                    self._stop.wait(0.2)
            except Exception:
                self._stop.wait(1)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_idle(self, timeout: float = 30) -> None:
        """Block until the background pollers have emptied every queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._busy_lock:
                idle = self._busy == 0
            if idle and self._all_empty():
                return
            time.sleep(0.05)
        raise TimeoutError("queues still busy")
