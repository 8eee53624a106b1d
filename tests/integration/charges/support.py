"""Tenants wired to each provider's local fake, receivables to charge, and what to read back."""

from __future__ import annotations

import json
import os
import time
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import table
from cobranca.model.customers import Customer
from cobranca.model.receivables import Receivable
from cobranca.model.tenants import Tenant
from cobranca.services.ingest import Incoming, Ingestor
from cobranca_local.hub import LocalHub

from tests.support.hub import make_tenant

ASAAS_TOKEN = "asaas-webhook-token-0123456789abcdef"
STRIPE_SECRET = "whsec_local_0123456789"
PIX_KEY = "7d9f0335-8dcc-4054-9bf9-0dbd61d36906"
CUSTOMER = Customer(
    customer_id="C1",
    name="Maria Silva",
    document="12345678909",
    emails=["maria@example.com"],
)


def asaas_tenant(hub: LocalHub, tenant_id: str, **options: Any) -> Tenant:
    secrets = {
        "asaas": {
            "api_key": f"key-{tenant_id}",
            "webhook_token": ASAAS_TOKEN,
            "base_url": os.environ["COBRANCA_FAKE_ASAAS_URL"],
            **options,
        }
    }
    tenant, _ = make_tenant(tenant_id, secrets, charge_provider="asaas")
    _connect(tenant, f"{hub.url}/v1/callbacks/{tenant_id}/asaas")
    return tenant


def stripe_tenant(hub: LocalHub, tenant_id: str, stripe_url: str, **options: Any) -> Tenant:
    secrets = {
        "stripe": {
            "api_key": "sk_test_local",
            "webhook_secret": STRIPE_SECRET,
            "base_url": stripe_url,
            **options,
        }
    }
    tenant, _ = make_tenant(tenant_id, secrets, charge_provider="stripe")
    return tenant


def pix_tenant(hub: LocalHub, tenant_id: str) -> Tenant:
    secrets = {
        "pix_api": {
            "base_url": os.environ["COBRANCA_FAKE_PIX_PSP_URL"],
            "client_id": f"client-{tenant_id}",
            "client_secret": "client-secret",
            "key": PIX_KEY,
        }
    }
    tenant, _ = make_tenant(tenant_id, secrets, charge_provider="pix_api")
    _connect(tenant, f"{hub.url}/v1/callbacks/{tenant_id}/pix_api")
    return tenant


def cnab_tenant(tenant_id: str, bank: str = "237", layout: str = "400") -> Tenant:
    secrets = {
        "cnab": {
            "bank": bank,
            "layout": layout,
            "agencia": "1234",
            "conta": "0012345",
            "conta_dv": "6",
            "carteira": "09",
        }
    }
    tenant, _ = make_tenant(tenant_id, secrets, charge_provider="cnab")
    return tenant


def _connect(tenant: Tenant, url: str) -> None:
    from cobranca.services.charging import Charging

    Charging(tenant).provider.register_webhook(url)


def receivable(erp_id: str, amount: str, due: date, **changes: Any) -> Receivable:
    values: dict[str, Any] = {
        "erp_id": erp_id,
        "number": erp_id.removeprefix("NF"),
        "customer_id": CUSTOMER.customer_id,
        "issue_date": date(2026, 3, 1),
        "due_date": due,
        "amount": Decimal(amount),
    }
    return Receivable.model_validate(values | changes)


def sync(tenant: Tenant, *receivables: Receivable, customer: Customer = CUSTOMER) -> None:
    """What an ERP sync does: upsert the customer and receivables (charges get queued)."""
    incoming = Incoming(
        customers=[(customer, None)],
        receivables=[(item, None) for item in receivables],
    )
    Ingestor(tenant, actor="erp_sync").ingest(incoming)


def stored(tenant_id: str, receivable_id: str) -> dict[str, Any]:
    item = table().get(keys.receivable(tenant_id, receivable_id), keys.RECEIVABLE)
    assert item is not None, f"receivable {receivable_id} not stored"
    return item


def partition(tenant_id: str, receivable_id: str, prefix: str) -> list[dict[str, Any]]:
    return table().partition(keys.receivable(tenant_id, receivable_id), sk_prefix=prefix)


def ledger(tenant_id: str, receivable_id: str) -> dict[str, str]:
    """The ledger as strings with two places, for exact comparisons."""
    values = stored(tenant_id, receivable_id)["ledger"]
    return {
        name: value if name == "status" else f"{Decimal(value):.2f}"
        for name, value in values.items()
    }


def audit_actions(tenant_id: str, receivable_id: str) -> list[str]:
    items = table().query(
        "gsi2pk = :pk",
        {":pk": keys.audit_of_receivable(tenant_id, receivable_id)},
        index="gsi2",
    )
    return [str(item["action"]) for item in items]


def post_json(url: str, document: Any, headers: dict[str, str]) -> httpx.Response:
    body = json.dumps(document).encode()
    return httpx.post(
        url, content=body, headers={"Content-Type": "application/json", **headers}, timeout=30
    )


def wait_for(condition: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def writebacks(hub: LocalHub) -> list[dict[str, Any]]:
    """Write-back messages waiting on the FIFO queue (read without consuming them)."""
    sqs = hub.client("sqs")
    url = hub.ref("WritebackQueue")
    found: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        ).get("Messages", [])
        for message in messages:
            found[message["MessageId"]] = json.loads(message["Body"])
        if not messages:
            break
    return list(found.values())


def drain_charges(hub: LocalHub) -> int:
    """Deliver charge-queue messages and retorno files until idle (write-backs stay queued).

    Write-backs belong to the ERP write-back function; these tests read them off the queue.
    """
    charge_queue = hub.ref("ChargeQueue")
    mappings = [m for m in hub.queues.mappings if m.queue_url == charge_queue]
    total = 0
    for _ in range(200):
        moved = hub.s3_events.pump()
        moved += sum(hub.queues.poll_once(mapping) for mapping in mappings)
        total += moved
        if moved == 0:
            attributes = hub.client("sqs").get_queue_attributes(
                QueueUrl=charge_queue,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if not any(int(value) for value in attributes.values()):
                return total
            time.sleep(0.05)
    raise AssertionError("the charge queue did not drain")
