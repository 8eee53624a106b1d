"""The canonical model: what the hub stores and exchanges, whatever the ERP or provider.

ERP payloads are mapped into these shapes (adapters/erp/mapping); providers' callbacks are
translated into :class:`Payment`. Amounts follow the money policy, dates are local dates.
"""

from cobranca.domain.receivables import ReceivableStatus
from cobranca.model.customers import Address, Consent, Customer
from cobranca.model.events import ErpEvent, ErpEventType
from cobranca.model.receivables import (
    Cancellation,
    Payment,
    PaymentMethod,
    Receivable,
    receivable_id_for,
)
from cobranca.model.tenants import Tenant

__all__ = [
    "Address",
    "Cancellation",
    "Consent",
    "Customer",
    "ErpEvent",
    "ErpEventType",
    "Payment",
    "PaymentMethod",
    "Receivable",
    "ReceivableStatus",
    "Tenant",
    "receivable_id_for",
]
