"""Receivables (títulos a receber), payments and cancellations."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cobranca.domain.money import ZERO
from cobranca.domain.receivables import ReceivableStatus
from cobranca.model.types import ExternalId, Money, PositiveMoney

_NFE_KEY = re.compile(r"^\d{44}$")


OPEN_STATUSES = frozenset({ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID})


class PaymentMethod(StrEnum):
    """How money arrived."""

    PIX = "pix"
    BOLETO = "boleto"
    CARD = "card"
    TRANSFER = "transfer"
    CASH = "cash"
    OTHER = "other"


def receivable_id_for(erp_id: str, installment: int) -> str:
    """The hub's id of one installment of an ERP document: stable, so upserts need no lookup."""
    return f"{erp_id}~{installment}"


class Receivable(BaseModel):
    """One installment (parcela) the customer owes: the unit that gets charged and reminded."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    erp_id: ExternalId
    number: str = Field(min_length=1, max_length=60)
    customer_id: ExternalId
    issue_date: date
    due_date: date
    amount: PositiveMoney
    balance: PositiveMoney | None = None
    installment: int = Field(default=1, ge=1, le=999)
    installments: int = Field(default=1, ge=1, le=999)
    status: ReceivableStatus = ReceivableStatus.OPEN
    branch: str | None = Field(default=None, max_length=40)
    nfe_number: str | None = Field(default=None, max_length=20)
    nfe_key: str | None = None
    description: str = Field(default="", max_length=500)
    currency: str = Field(default="BRL", pattern=r"^BRL$")
    metadata: dict[str, Any] = Field(default_factory=dict)
    erp_updated_at: datetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Receivable:
        if self.installment > self.installments:
            raise ValueError(
                f"installment {self.installment} is beyond installments {self.installments}"
            )
        if self.due_date < self.issue_date:
            raise ValueError(f"due_date {self.due_date} is before issue_date {self.issue_date}")
        if self.nfe_key is not None and not _NFE_KEY.match(self.nfe_key):
            raise ValueError("nfe_key must have 44 digits")
        if self.balance is not None and self.balance > self.amount:
            raise ValueError(f"balance {self.balance} exceeds amount {self.amount}")
        if len(json.dumps(self.metadata, default=str)) > 4096:
            raise ValueError("metadata is larger than 4 KB")
        return self

    @property
    def receivable_id(self) -> str:
        return receivable_id_for(self.erp_id, self.installment)

    @property
    def open_balance(self) -> Decimal:
        """What is still owed according to the ERP (the full amount when it says nothing)."""
        if self.status in {ReceivableStatus.PAID, ReceivableStatus.CANCELLED}:
            return ZERO
        return self.amount if self.balance is None else self.balance

    def digest(self) -> str:
        """A fingerprint of the business content, to skip writes when nothing changed."""
        content = self.model_dump(mode="json", exclude={"erp_updated_at"})
        encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()[:32]


class Payment(BaseModel):
    """Money received against a receivable, from the ERP, a gateway, a bank file or Pix."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    payment_id: ExternalId
    amount: Money
    paid_on: date
    credited_on: date | None = None
    method: PaymentMethod = PaymentMethod.OTHER
    source: str = Field(min_length=1, max_length=40)
    fees_paid: PositiveMoney = ZERO
    bank_fee: PositiveMoney = ZERO
    discount: PositiveMoney = ZERO
    reference: str | None = Field(default=None, max_length=120)


class Cancellation(BaseModel):
    """The ERP cancelled a document (or one installment of it)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    erp_id: ExternalId
    installment: int | None = Field(default=None, ge=1)
    reason: str = Field(default="", max_length=300)
    cancelled_at: datetime | None = None
