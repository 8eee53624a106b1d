"""ERP pull sync against a real Tryton: DynamoDB cost per receivable and end-to-end speed.

A Tryton database with 5,000 posted invoices (200 customers; 30-day, 60-day and 3-installment
terms, so more than 5,000 receivables) is seeded once and cached under the temp dir; a working
copy is served on 127.0.0.1 and a local hub pulls it. Figures:

- DynamoDB requests per 1,000 receivables synced when they are new, and when they are synced
  again unchanged (counted by a botocore hook over the whole run: lease, state, mapping, reads,
  transactions);
- business writes per 1,000 receivables re-synced unchanged (every write except the run's own
  lease and state bookkeeping, which is two or three writes per run whatever its size);
- the hub's end-to-end time for the first pull (read, archive, map, upsert, queue charges) as
  a ratio to the time of only reading the same invoices over JSON-RPC with the same client:
  as measured on the local emulator, and with the emulator's time replaced by 10 ms per AWS
  request (moto's transactions copy the whole table and its queues rescan every message, so
  on the emulator the hub's cost grows with the data already stored, which AWS's does not).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import note, report  # noqa: E402

INVOICES = int(os.environ.get("ERP_BENCH_INVOICES", "5000"))
CUSTOMERS = int(os.environ.get("ERP_BENCH_CUSTOMERS", "200"))
PAGE_SIZE = 200
AWS_REQUEST_SECONDS = 0.010  # a DynamoDB, SQS or S3 request within the region, order of size


def _read_only(url: str) -> tuple[float, int]:
    """Seconds to read every changed invoice over JSON-RPC, and how many were read."""
    from cobranca.adapters.erp.tryton import TrytonClient

    with TrytonClient(url, "tryton", "admin", "admin") as client:
        client.login()
        started = time.perf_counter()
        count = sum(len(rows) for rows in client.changed_invoices(None, page_size=PAGE_SIZE))
        return time.perf_counter() - started, count


def main() -> int:
    from cobranca.adapters.storage.table import table
    from cobranca.platform.requests import RequestCounter
    from cobranca.services.sync import LEASE, STATE, sync_tenant
    from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub
    from cobranca_local.tryton.cache import seeded_database, working_copy
    from cobranca_local.tryton.seed import SeedSpec
    from cobranca_local.tryton.server import TrytonServer

    from tests.support.hub import make_tenant

    _direct_queue_clock()
    started = time.monotonic()
    seeded = seeded_database(SeedSpec(customers=CUSTOMERS, invoices=INVOICES, payments=False))
    note(f"# seeded Tryton ready in {time.monotonic() - started:.0f} s ({seeded.name})")

    with tempfile.TemporaryDirectory(prefix="erp-bench-") as scratch:
        folder = working_copy(seeded, Path(scratch) / "tryton")
        with (
            TrytonServer(folder) as server,
            LocalHub(DEFAULT_TEMPLATE, api_port=0) as hub,
            _charge_consumer(hub),
        ):
            make_tenant(
                "bench",
                {"erp": {"login": "admin", "password": "admin"}},
                erp={
                    "kind": "tryton",
                    "base_url": server.url,
                    "database": "tryton",
                    "page_size": PAGE_SIZE,
                },
            )
            # Warm both sides once (imports, trytond caches), then measure.
            _read_only(server.url)
            read_seconds, read_count = _read_only(server.url)
            note(f"# JSON-RPC read of {read_count} invoices: {read_seconds:.1f} s")

            with (
                RequestCounter("dynamodb") as first,
                RequestCounter("sqs") as queued,
                RequestCounter("s3") as archived,
            ):
                began = time.perf_counter()
                new = sync_tenant("bench")
                hub_seconds = time.perf_counter() - began
            emulated = first.seconds + queued.seconds + archived.seconds
            aws_requests = first.total + queued.total + archived.total
            if new.outcome != "ok" or new.records != read_count:
                note(f"# first sync failed: {new.as_dict()}")
                return 1
            receivables = _stored_receivables()
            note(
                f"# first sync: {new.records} invoices, {receivables} receivables, "
                f"{hub_seconds:.1f} s, of which {emulated:.1f} s waiting on the local AWS "
                f"emulator ({first.seconds:.1f} DynamoDB, {queued.seconds:.1f} SQS, "
                f"{archived.seconds:.1f} S3) for {aws_requests} requests; "
                f"DynamoDB calls {first.snapshot()}"
            )

            with RequestCounter("dynamodb") as again:
                unchanged = sync_tenant("bench", archive=False)
            note(f"# re-sync: {unchanged.unchanged} unchanged; calls {again.snapshot()}")

            def business(call: object) -> bool:
                text = str(getattr(call, "params", ""))
                return f"'{LEASE}'" not in text and f"'{STATE}'" not in text

            report(
                "dynamodb_requests_per_1000_new_receivables",
                first.total * 1000 / receivables,
                "requests",
                "<= 50",
            )
            report(
                "dynamodb_requests_per_1000_unchanged_receivables",
                again.total * 1000 / receivables,
                "requests",
                "<= 15",
            )
            report(
                "dynamodb_business_writes_per_1000_unchanged_receivables",
                again.writes_where(business) * 1000 / receivables,
                "writes",
                "<= 0",
            )
            report(
                "erp_sync_5000_end_to_end_over_jsonrpc_read",
                hub_seconds / read_seconds,
                "ratio",
                "<= 2.0",
            )
            # moto copies the whole table for every TransactWriteItems and rescans the queue
            # for every SendMessage, so its time grows with the data; this figure replaces the
            # emulator's time by an in-region AWS request latency.
            modelled = hub_seconds - emulated + aws_requests * AWS_REQUEST_SECONDS
            report(
                "erp_sync_5000_end_to_end_over_jsonrpc_read_aws_latency_model",
                modelled / read_seconds,
                "ratio",
                "<= 2.0",
            )
            note(f"# table {table().name}")
    return 0


def _direct_queue_clock() -> None:
    """Let the emulator's SQS read the clock directly.

    For every message sent, moto derives "now" through several datetime objects once per
    message already waiting (to count the visible ones), which makes a send cost more than the
    rest of an upsert once a few thousand charge requests wait. Reading ``time.time()`` gives
    the same milliseconds ten times cheaper; the per-send scan itself is moto's and stays.
    """
    from moto.sqs import models

    derived: Any = models.unix_time_millis

    def millis(moment: Any = None) -> float:
        return time.time() * 1000.0 if moment is None else float(derived(moment))

    module: Any = models
    module.unix_time_millis = millis


@contextmanager
def _charge_consumer(hub: Any) -> Iterator[None]:
    """Consume the charge queue while the pull runs, as the charge issuer does on AWS.

    The pull queues one charge request per new receivable; left to pile up, the emulator's
    queue rescans every waiting message on each send, a cost AWS does not have. Requests are
    received and deleted here (with the hub's own client, so they are not counted as the
    pull's).
    """
    sqs = hub.client("sqs")
    url = hub.ref("ChargeQueue")
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set():
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not received:
                stop.wait(0.05)
                continue
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(received)
                ],
            )

    worker = threading.Thread(target=consume, name="charge-consumer", daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=10)


def _stored_receivables() -> int:
    """Receivables the first sync stored (a scan of the benchmark's own table, uncounted)."""
    from cobranca.adapters.storage.table import table

    count = 0
    paginator = table().client.get_paginator("scan")
    for page in paginator.paginate(
        TableName=table().name,
        FilterExpression="begins_with(pk, :prefix) AND sk = :sk",
        ExpressionAttributeValues={
            ":prefix": {"S": "TENANT#bench#RECEIVABLE#"},
            ":sk": {"S": "RECEIVABLE"},
        },
        Select="COUNT",
    ):
        count += int(page["Count"])
    return count


if __name__ == "__main__":
    sys.exit(main())
