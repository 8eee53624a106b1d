"""S3 event notifications: objects created in a bucket delivered to the functions that asked.

moto stores objects but does not call local handlers, so the runtime lists each watched bucket
prefix and delivers an ``ObjectCreated:Put`` record per new object, once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from cobranca_local.lambdas import FunctionError, Functions
from cobranca_local.template import REGION


@dataclass
class Watch:
    """One S3 event of a function: a bucket, an optional key prefix and suffix."""

    function: str
    bucket: str
    prefix: str
    suffix: str
    seen: set[str] = field(default_factory=set)


class S3Notifications:
    """Delivers new objects under watched prefixes to their functions."""

    def __init__(self, functions: Functions, s3: Any) -> None:
        self.functions = functions
        self.s3 = s3
        self.watches = self._read()
        self.errors: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _read(self) -> list[Watch]:
        template = self.functions.template
        watches = []
        for function in self.functions.by_name.values():
            for event in function.events:
                if event.type != "S3":
                    continue
                properties = event.properties
                bucket_ref = properties["Bucket"]
                bucket = str(template.resolve(bucket_ref))
                prefix = suffix = ""
                rules = ((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
                for rule in rules:
                    if rule["Name"].lower() == "prefix":
                        prefix = str(template.resolve(rule["Value"]))
                    elif rule["Name"].lower() == "suffix":
                        suffix = str(template.resolve(rule["Value"]))
                watches.append(Watch(function.name, bucket, prefix, suffix))
        return watches

    def pump(self) -> int:
        """Deliver every object not delivered yet; returns how many were delivered."""
        delivered = 0
        with self._lock:
            for watch in self.watches:
                for item in self._list(watch):
                    key = item["Key"]
                    if key in watch.seen or not key.endswith(watch.suffix):
                        continue
                    watch.seen.add(key)
                    delivered += 1
                    try:
                        self.functions.invoke(watch.function, self._event(watch, item), "s3")
                    except FunctionError as error:
                        # S3 retries asynchronous invocations twice, then drops or sends to the
                        # function's DLQ; locally the failure is kept for the operator to see.
                        self.errors.append((key, str(error)))
        return delivered

    def _list(self, watch: Watch) -> list[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        items: list[dict[str, Any]] = []
        for page in paginator.paginate(Bucket=watch.bucket, Prefix=watch.prefix):
            items.extend(page.get("Contents", []))
        return items

    def _event(self, watch: Watch, item: dict[str, Any]) -> dict[str, Any]:
        moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventTime": moment,
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "bucket": {"name": watch.bucket, "arn": f"arn:aws:s3:::{watch.bucket}"},
                        "object": {
                            "key": quote_plus(item["Key"], safe="/"),
                            "size": item.get("Size", 0),
                            "eTag": str(item.get("ETag", "")).strip('"'),
                        },
                    },
                }
            ]
        }

    def start(self, interval: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.pump()
                except Exception as error:
                    self.errors.append(("(listing)", str(error)))

        threading.Thread(target=loop, daemon=True, name="s3-notifications").start()

    def stop(self) -> None:
        self._stop.set()
