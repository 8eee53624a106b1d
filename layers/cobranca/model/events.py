"""ERP events: the envelope of the webhook batch (the data inside is mapped per tenant)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cobranca.model.types import ExternalId


class ErpEventType(StrEnum):
    """What happened in the ERP."""

    CUSTOMER_UPSERTED = "customer.upserted"
    RECEIVABLE_UPSERTED = "receivable.upserted"
    RECEIVABLE_CANCELLED = "receivable.cancelled"
    PAYMENT_RECORDED = "payment.recorded"


class ErpEvent(BaseModel):
    """One event of a webhook batch; ``data`` is in the ERP's shape until mapped."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    event_id: ExternalId
    type: ErpEventType
    occurred_at: datetime
    data: dict[str, Any] = Field(min_length=1)


class ErpEventBatch(BaseModel):
    """The webhook body: a batch of events, at most 100 per request."""

    events: list[dict[str, Any]] = Field(min_length=1, max_length=100)
