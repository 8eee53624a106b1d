"""Customers, receivables and policies for the reminder tests (all data fictitious)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cobranca.model.customers import Customer
from cobranca.model.receivables import Receivable
from cobranca.model.tenants import Tenant
from cobranca.services.ingest import Incoming, Ingestor


def cpf(seed: int) -> str:
    """A valid CPF built from a nine-digit seed."""
    digits = [int(c) for c in f"{seed:09d}"]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True))
        check = 11 - total % 11
        digits.append(0 if check >= 10 else check)
    return "".join(map(str, digits))


def customer(
    number: int,
    *,
    email: bool = True,
    sms: bool = False,
    whatsapp: bool = False,
    segment: str | None = None,
) -> Customer:
    """Customer ``c<number>`` with an e-mail and a mobile phone."""
    return Customer.model_validate(
        {
            "customer_id": f"c{number}",
            "name": f"Maria Teste {number}",
            "document": cpf(100000000 + number),
            "emails": [f"cliente{number}@example.com"],
            "phones": [f"+55119{number:08d}"],
            "consent": {"email": email, "sms": sms, "whatsapp": whatsapp},
            "segment": segment,
        }
    )


def receivable(
    number: int, customer_id: str, due: date, amount: str = "200.00", **extra: Any
) -> Receivable:
    return Receivable.model_validate(
        {
            "erp_id": f"NF{number}",
            "number": f"NF-{number}",
            "customer_id": customer_id,
            "issue_date": date(2025, 12, 1).isoformat(),
            "due_date": due.isoformat(),
            "amount": amount,
            "erp_updated_at": datetime(2025, 12, 1, tzinfo=UTC).isoformat(),
            **extra,
        }
    )


def load(tenant: Tenant, customers: list[Customer], receivables: list[Receivable]) -> None:
    """Store customers and receivables through the one ERP upsert path."""
    incoming = Incoming(
        customers=[(item, None) for item in customers],
        receivables=[(item, None) for item in receivables],
    )
    report = Ingestor(tenant, actor="test").ingest(incoming, queue_charges=False)
    assert report.count("rejected") == 0
    assert report.count("accepted") + report.count("unchanged") == len(customers) + len(receivables)


POLICY: dict[str, Any] = {
    "steps": [
        {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
        {"offset_days": 0, "channels": ["whatsapp", "email"], "template": "vencimento"},
        {"offset_days": 1, "channels": ["sms", "email"], "template": "atraso"},
        {
            "offset_days": 3,
            "channels": ["email", "whatsapp"],
            "strategy": "all",
            "template": "atraso",
            "conditions": {"min_amount": "100.00"},
        },
    ],
    "max_messages_per_customer_per_day": 2,
}

ZERO = Decimal("0.00")
