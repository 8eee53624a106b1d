"""Payment callbacks per second on the local runtime, against the emulator's raw PutItem rate.

One run starts the local hub (the real template, the real handlers behind the local API
server), measures how many raw PutItem calls the embedded DynamoDB emulator takes per second,
then sends Asaas PAYMENT_RECEIVED callbacks over HTTP to the real route, each settling its own
receivable, with the same client concurrency (one at a time, see WORKERS). It prints their
ratio (target >= 0.25) and the
DynamoDB requests each confirmed payment cost (target <= 4), counted by a botocore hook.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import note, report  # noqa: E402

PAYMENTS = int(os.environ.get("CALLBACK_PAYMENTS", "100"))
PUTS = int(os.environ.get("RAW_PUTS", "300"))
# One client at a time for both rates: moto's TransactWriteItems deep-copies its tables without
# a lock, so concurrent transactions against the emulator fail with 500s.
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
TOKEN = "bench-asaas-webhook-token-0123456789"  # noqa: S105 - a fake's token
TENANT = "bench-co"


def raw_put_rate(hub: object) -> float:
    """PutItem calls per second straight to the emulator (no hub code in the way)."""
    client = hub.client("dynamodb")  # type: ignore[attr-defined]
    table = hub.ref("CobrancaTable")  # type: ignore[attr-defined]

    def put(index: int) -> None:
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"BENCH#{index % 50}"},
                "sk": {"S": f"{index:08d}"},
                "amount": {"N": "150.00"},
                "status": {"S": "paid"},
            },
        )

    for index in range(20):
        put(index)
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(put, range(PUTS)))
    return PUTS / (time.perf_counter() - started)


def main() -> int:
    import httpx
    from cobranca.model.customers import Customer
    from cobranca.model.receivables import Receivable
    from cobranca.platform.requests import RequestCounter
    from cobranca.services.ingest import Incoming, Ingestor
    from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub

    from tests.support.hub import make_tenant

    with LocalHub(DEFAULT_TEMPLATE, api_port=0) as hub:
        secrets = {
            "asaas": {
                "api_key": "bench",
                "webhook_token": TOKEN,
                "base_url": os.environ["COBRANCA_FAKE_ASAAS_URL"],
            }
        }
        tenant, _ = make_tenant(TENANT, secrets, charge_provider="asaas")
        customer = Customer(customer_id="B1", name="Cliente Bench", document="12345678909")
        receivables = [
            Receivable(
                erp_id=f"B{index:05d}",
                number=str(index),
                customer_id="B1",
                issue_date=date(2026, 3, 1),
                due_date=date(2026, 3, 20),
                amount=Decimal("150.00"),
            )
            for index in range(PAYMENTS + 10)
        ]
        Ingestor(tenant, actor="bench").ingest(
            Incoming(
                customers=[(customer, None)], receivables=[(item, None) for item in receivables]
            ),
            queue_charges=False,
        )

        url = f"{hub.url}/v1/callbacks/{TENANT}/asaas"
        headers = {"Content-Type": "application/json", "asaas-access-token": TOKEN}
        client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=WORKERS * 2))

        def callback(index: int) -> int:
            document = {
                "id": f"evt_bench_{index}",
                "event": "PAYMENT_RECEIVED",
                "payment": {
                    "object": "payment",
                    "id": f"pay_bench_{index}",
                    "value": 150.00,
                    "netValue": 149.01,
                    "billingType": "PIX",
                    "status": "RECEIVED",
                    "paymentDate": "2026-03-19",
                    "externalReference": f"{TENANT}#B{index:05d}~1#1",
                },
            }
            response = client.post(url, content=json.dumps(document), headers=headers)
            outcome = response.json()["results"][0]["outcome"] if response.is_success else None
            return 1 if outcome == "applied" else 0

        # Warm up the handler (imports, cached secrets, connections) on receivables apart.
        for index in range(PAYMENTS, PAYMENTS + 10):
            callback(index)

        put_rate = raw_put_rate(hub)
        with RequestCounter("dynamodb") as counter:
            started = time.perf_counter()
            with ThreadPoolExecutor(WORKERS) as pool:
                applied = sum(pool.map(callback, range(PAYMENTS)))
            elapsed = time.perf_counter() - started
        callback_rate = PAYMENTS / elapsed

        note(
            f"raw PutItem: {put_rate:.0f}/s; callbacks: {callback_rate:.1f}/s; "
            f"applied {applied}/{PAYMENTS}; calls {counter.snapshot()}"
        )
        if applied != PAYMENTS:
            note(f"only {applied} of {PAYMENTS} callbacks were applied")
            return 1
        report("charges_callbacks_per_second", callback_rate, "callbacks/s", "informational")
        report("charges_callback_to_putitem_ratio", callback_rate / put_rate, "ratio", ">= 0.25")
        report(
            "charges_dynamodb_requests_per_payment",
            counter.total / PAYMENTS,
            "requests",
            "<= 4",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
