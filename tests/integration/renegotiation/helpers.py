"""Renegotiation on the local runtime: a fixed business clock, seeded debtors, and readers of
what the flow did (e-mails sent, queued charge and write-back requests, stored items).

The charge and write-back queues are read through the emulator (received and deleted, kept
here) and never drained into their consumers, so each test sees exactly the requests the
renegotiation made.
"""

from __future__ import annotations

import email
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.adapters.storage.table import table
from cobranca.adapters.storage.tenants import put_document
from cobranca.model.customers import Customer
from cobranca.model.receivables import Payment, Receivable
from cobranca.platform import clock
from cobranca.services.ingest import Incoming, Ingestor
from cobranca.services.renegotiation import starter, store
from cobranca_local.hub import LocalHub
from cobranca_local.template import ACCOUNT_ID, REGION

from tests.support.hub import make_tenant

# Monday 16 March 2026, noon in São Paulo: NF-1 (due 10 Jan) is 65 days late, NF-2 (10 Feb) 34.
NOW = datetime(2026, 3, 16, 12, 0, tzinfo=clock.BUSINESS_TZ)
TODAY = NOW.date()
SENDER = "cobranca@example.com"
DEBT = (("NF-1", date(2026, 1, 10), "500.00"), ("NF-2", date(2026, 2, 10), "300.00"))
ORIGINALS = ["NF-1~1", "NF-2~1"]
LINK = re.compile(r"https?://[^\s\"<>]+/portal/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


_clients: dict[tuple[str, str], Any] = {}
# One HTTP client for the portal calls: a new client per request costs an SSL context each.
http = httpx.Client(timeout=30)


def client(hub: LocalHub, service: str) -> Any:
    """A cached boto3 client on the hub's emulator (``hub.client`` builds a new one per call)."""
    key = (hub.emulator.endpoint, service)
    if key not in _clients:
        _clients[key] = hub.client(service)
    return _clients[key]


def set_today(moment: datetime = NOW) -> None:
    """Put the hub's clock at ``moment`` (real time keeps flowing from there)."""
    clock.set_offset(moment - datetime.now(UTC))


def prepare(hub: LocalHub) -> None:
    """What a module's hub needs: a verified SES sender and the fixed clock."""
    hub.client("ses").verify_email_identity(EmailAddress=SENDER)
    set_today()


def email_of(tenant_id: str, customer_id: str = "C1") -> str:
    return f"{customer_id.lower()}.{tenant_id}@example.com"


def seed(
    tenant_id: str,
    *,
    customer_id: str = "C1",
    debt: Iterable[tuple[str, date, str]] = DEBT,
    policy: dict[str, Any] | None = None,
    faults: dict[str, Any] | None = None,
    with_email: bool = True,
    create_tenant: bool = True,
) -> None:
    """A tenant (sandbox), one customer and their overdue receivables, through the ERP path."""
    if create_tenant:
        tenant, _ = make_tenant(tenant_id)
    else:
        from cobranca.adapters.storage.tenants import load_tenant

        tenant = load_tenant(tenant_id)
    if policy is not None:
        put_document(tenant_id, store.POLICY_DOCUMENT, policy)
    if faults is not None:
        put_document(tenant_id, store.FAULTS_DOCUMENT, faults)
    customer = Customer(
        customer_id=customer_id,
        name="Ana Maria Souza",
        document="52998224725",
        emails=[email_of(tenant_id, customer_id)] if with_email else [],
    )
    receivables = [
        Receivable(
            erp_id=erp_id,
            number=erp_id.replace("NF-", "100"),
            customer_id=customer_id,
            issue_date=due - timedelta(days=30),
            due_date=due,
            amount=Decimal(amount),
        )
        for erp_id, due, amount in debt
    ]
    Ingestor(tenant, actor="erp:test").ingest(
        Incoming(
            customers=[(customer, None)],
            receivables=[(receivable, None) for receivable in receivables],
        ),
        queue_charges=False,
    )


def pay(tenant_id: str, receivable_id: str, amount: str, paid_on: date) -> None:
    """A payment the ERP reports (the same upsert path every payment takes)."""
    from cobranca.adapters.storage.tenants import load_tenant

    payment = Payment(
        payment_id=f"PG-{receivable_id.replace('~', '.')}-{amount}",
        amount=Decimal(amount),
        paid_on=paid_on,
        source="erp",
    )
    Ingestor(load_tenant(tenant_id), actor="erp:test").ingest(
        Incoming(payments=[(receivable_id, payment, None)]), queue_charges=False
    )


def start(tenant_id: str, customer_id: str = "C1", **options: Any) -> starter.Started:
    options.setdefault("decision_seconds", 120)
    options.setdefault("heartbeat_seconds", 120)
    return starter.start(tenant_id, customer_id, **options)


def wait_execution(hub: LocalHub, arn: str, timeout: float = 90) -> dict[str, Any]:
    sfn = client(hub, "stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        description: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if description["status"] != "RUNNING":
            return description
        time.sleep(0.2)
    raise AssertionError(f"execution {arn} still running after {timeout}s")


def output(description: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(description.get("output") or "{}"))


# ---------------------------------------------------------------------- e-mails


def _ses() -> Any:
    from moto.backends import get_backend

    return get_backend("ses")[ACCOUNT_ID][REGION]


def emails_to(address: str) -> list[email.message.Message]:
    return [
        email.message_from_string(message.raw_data)
        for message in list(_ses().sent_messages)
        if address in getattr(message, "destinations", [])
    ]


def text_of(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            return payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)
    return ""


def offer_links(tenant_id: str, customer_id: str = "C1") -> list[str]:
    links = []
    for message in emails_to(email_of(tenant_id, customer_id)):
        found = LINK.search(text_of(message))
        if found:
            links.append(found.group(0))
    return links


def wait_for_link(tenant_id: str, count: int = 1, timeout: float = 30) -> str:
    """The portal link of the ``count``-th offer e-mail sent to the tenant's customer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        links = offer_links(tenant_id)
        if len(links) >= count:
            return links[count - 1]
        time.sleep(0.2)
    raise AssertionError(f"no offer e-mail number {count} for {tenant_id}")


def accept(link: str, plan: str = "p3") -> httpx.Response:
    return http.post(f"{link}/accept", data={"plan": plan})


def decline(link: str) -> httpx.Response:
    return http.post(f"{link}/decline")


def get(url: str) -> httpx.Response:
    return http.get(url)


# ---------------------------------------------------------------------- queued requests


@dataclass
class Outbox:
    """Every message the module's tests queued for the charge issuer and the ERP."""

    hub: LocalHub
    charge_messages: list[dict[str, Any]] = field(default_factory=list)
    writeback_messages: list[dict[str, Any]] = field(default_factory=list)

    def _read(self, queue: str, into: list[dict[str, Any]]) -> None:
        sqs = client(self.hub, "sqs")
        url = self.hub.ref(queue)
        while True:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                into.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def charges(self, tenant_id: str) -> list[tuple[str, str]]:
        """``(action, receivable_id)`` in the order queued."""
        self._read("ChargeQueue", self.charge_messages)
        return [
            (message["action"], message["receivable_id"])
            for message in self.charge_messages
            if message["tenant_id"] == tenant_id
        ]

    def writebacks(self, tenant_id: str) -> list[dict[str, Any]]:
        self._read("WritebackQueue", self.writeback_messages)
        return [m for m in self.writeback_messages if m["tenant_id"] == tenant_id]


# ---------------------------------------------------------------------- stored state


def receivable(tenant_id: str, receivable_id: str) -> ReceivableRecord:
    return store.receivables(tenant_id, [receivable_id])[receivable_id]


def offers(tenant_id: str) -> list[store.Offer]:
    items = store.collection(tenant_id, store.OFFERS)
    return sorted((store.Offer.from_item(item) for item in items), key=lambda o: o.attempt)


def agreements(tenant_id: str) -> list[store.Agreement]:
    return [
        store.Agreement.from_item(item) for item in store.collection(tenant_id, store.AGREEMENTS)
    ]


def parked(tenant_id: str) -> list[dict[str, Any]]:
    return table().partition(keys.parked(tenant_id))


def case(tenant_id: str, customer_id: str = "C1") -> store.CaseState:
    return store.case_state(tenant_id, customer_id)


def last_action(charges: list[tuple[str, str]], receivable_id: str) -> str | None:
    actions = [action for action, rid in charges if rid == receivable_id]
    return actions[-1] if actions else None


def assert_consistent(tenant_id: str, outbox: Outbox) -> None:
    """No receivable or charge request is left half-way, whatever the flow did.

    - An agreement in force: every original renegotiated into it with its charge's cancellation
      requested last; every parcela open with its charge's issue requested last.
    - No agreement in force: every original open with its full balance, and its last charge
      request (if any) a reissue; every parcela created cancelled, its last request a cancel.
    - Either way the customer's case is not held by a finished execution.
    """
    charges = outbox.charges(tenant_id)
    active = [item for item in agreements(tenant_id) if item.status == "active"]
    originals = {rid: receivable(tenant_id, rid) for rid in ORIGINALS}
    if active:
        (agreement,) = active
        for rid, record in originals.items():
            assert record.status.value == "renegotiated", rid
            assert record.flags["renegotiated_into"] == agreement.agreement_id
            assert last_action(charges, rid) == "cancel", rid
        for rid in agreement.installment_ids:
            assert receivable(tenant_id, rid).status.value == "open", rid
            assert last_action(charges, rid) == "issue", rid
        assert case(tenant_id).agreement_id == agreement.agreement_id
    else:
        for rid, record in originals.items():
            assert record.status.value == "open", rid
            assert record.balance == {"NF-1~1": Decimal("500.00"), "NF-2~1": Decimal("300.00")}[rid]
            assert "renegotiated_into" not in record.flags
            assert last_action(charges, rid) in (None, "reissue"), (rid, charges)
        for agreement in agreements(tenant_id):
            for rid in agreement.installment_ids:
                created = store.receivables(tenant_id, [rid]).get(rid)
                if created is not None:
                    assert created.status.value == "cancelled", rid
                    assert last_action(charges, rid) == "cancel", rid
        assert case(tenant_id).agreement_id is None
    assert case(tenant_id).active_case is None
