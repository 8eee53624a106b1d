"""Asaas API v3: customers, payments (boleto, Pix, card or the payer's choice), webhooks.

Requests carry the account's key in the ``access_token`` header. A charge is an Asaas
``payment`` whose ``externalReference`` is the hub's reference (``tenant#receivable#gen``):
Asaas has no idempotency header, so before creating, the adapter lists payments by that
reference and adopts what it finds. Each receivable installment is its own payment (the hub
already splits installments into receivables), so Asaas' own ``installmentCount`` is not used.

Multa and juros go in ``fine`` (percent) and ``interest`` (percent a month, Asaas' unit).

Webhooks carry the token chosen at registration in the ``asaas-access-token`` header (Asaas
does not sign bodies); the token is compared in constant time. Events: ``PAYMENT_CONFIRMED``
and ``PAYMENT_RECEIVED`` are one payment (card money is confirmed, then received), so both
name the Asaas payment id as ``payment_ref`` and the hub records it once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cobranca.adapters.gateways.base import (
    DEFAULT_TIMEOUT_SECONDS,
    USER_AGENT,
    CallbackRejected,
    ChargeMethod,
    ChargeRequest,
    EventKind,
    HttpProvider,
    IssuedCharge,
    ProviderEvent,
    ProviderRefused,
    decimal_of,
    header,
    json_body,
    read_json,
)
from cobranca.domain.money import money
from cobranca.domain.receivables import StatusEvent
from cobranca.model.customers import Customer
from cobranca.platform.observability import logger

NAME = "asaas"
DEFAULT_BASE_URL = "https://api.asaas.com"
TOKEN_HEADER = "asaas-access-token"  # noqa: S105 - a header name, not a secret

BILLING_TYPES = {
    ChargeMethod.BOLETO: "BOLETO",
    ChargeMethod.PIX: "PIX",
    ChargeMethod.CARD: "CREDIT_CARD",
    ChargeMethod.UNDEFINED: "UNDEFINED",
}
METHODS = {"BOLETO": "boleto", "PIX": "pix", "CREDIT_CARD": "card", "DEBIT_CARD": "card"}

PAYMENT_EVENTS = frozenset({"PAYMENT_CONFIRMED", "PAYMENT_RECEIVED"})
REFUND_EVENTS = frozenset({"PAYMENT_REFUNDED", "PAYMENT_PARTIALLY_REFUNDED"})
CHARGEBACK_EVENTS = frozenset({"PAYMENT_CHARGEBACK_REQUESTED"})
STATUS_EVENTS = {
    "PAYMENT_OVERDUE": StatusEvent.OVERDUE,
    "PAYMENT_CREATED": StatusEvent.WAITING_PAYMENT,
    "PAYMENT_UPDATED": StatusEvent.WAITING_PAYMENT,
    "PAYMENT_RESTORED": StatusEvent.WAITING_PAYMENT,
}


@dataclass(frozen=True)
class AsaasConfig:
    """The tenant's ``asaas`` secret: ``{api_key, base_url?, webhook_token, billing_type?}``."""

    api_key: str
    webhook_token: str
    base_url: str = DEFAULT_BASE_URL
    billing_type: str = "undefined"
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_secret(cls, document: Mapping[str, Any]) -> AsaasConfig:
        try:
            return cls(
                api_key=str(document["api_key"]),
                webhook_token=str(document["webhook_token"]),
                base_url=str(document.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
                billing_type=str(document.get("billing_type") or "undefined"),
                timeout_seconds=float(document.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS),
            )
        except KeyError as missing:
            raise ProviderRefused(
                NAME, f"tenant secret asaas.{missing.args[0]} is missing"
            ) from None


class Asaas(HttpProvider):
    """One tenant's Asaas account."""

    requires_future_due_date = True

    name = NAME

    config: AsaasConfig

    def _client_options(self) -> dict[str, Any]:
        headers = {"access_token": self.config.api_key, "User-Agent": USER_AGENT}
        return {"headers": headers | {"Content-Type": "application/json"}}

    # ------------------------------------------------------------------ customers

    def ensure_customer(self, customer: Customer) -> str:
        reference = f"{self.tenant_id}#{customer.customer_id}"
        found = self._send("GET", "/v3/customers", params={"externalReference": reference})
        for item in (found or {}).get("data") or []:
            if not item.get("deleted"):
                return str(item["id"])
        body: dict[str, Any] = {
            "name": customer.name,
            "cpfCnpj": customer.document,
            "externalReference": reference,
            # The hub sends its own reminders; Asaas' would duplicate them.
            "notificationDisabled": True,
        }
        if customer.emails:
            body["email"] = customer.emails[0]
        if customer.phones:
            body["mobilePhone"] = customer.phones[0].lstrip("+")
        if customer.address.postal_code:
            body["postalCode"] = customer.address.postal_code
            body["addressNumber"] = customer.address.number or "S/N"
        created = self._send("POST", "/v3/customers", content=json_body(body))
        return str(created["id"])

    # ------------------------------------------------------------------ charges

    def issue(self, request: ChargeRequest) -> IssuedCharge:
        found = self._send(
            "GET", "/v3/payments", params={"externalReference": request.reference, "limit": 10}
        )
        existing = [item for item in (found or {}).get("data") or [] if not item.get("deleted")]
        if existing:
            payment, adopted = existing[0], True
        else:
            payment, adopted = self._create(request), False
        return self._issued(request, payment, adopted)

    def _create(self, request: ChargeRequest) -> dict[str, Any]:
        method = request.method
        if method is ChargeMethod.UNDEFINED and self.config.billing_type != "undefined":
            method = ChargeMethod(self.config.billing_type)
        body: dict[str, Any] = {
            "customer": self.ensure_customer(request.customer),
            "billingType": BILLING_TYPES[method],
            "value": request.amount,
            "dueDate": request.due_date,
            "description": (request.description or f"Título {request.document_number}")[:500],
            "externalReference": request.reference,
        }
        if request.fine_percent > 0:
            body["fine"] = {"value": request.fine_percent, "type": "PERCENTAGE"}
        if request.interest_percent_per_month > 0:
            body["interest"] = {"value": request.interest_percent_per_month}
        created: dict[str, Any] = self._send("POST", "/v3/payments", content=json_body(body))
        return created

    def _issued(
        self, request: ChargeRequest, payment: dict[str, Any], adopted: bool
    ) -> IssuedCharge:
        payment_id = str(payment["id"])
        billing = str(payment.get("billingType") or "UNDEFINED")
        linha = barcode = nosso = copia = None
        if billing in ("BOLETO", "UNDEFINED"):
            slip = self._optional("GET", f"/v3/payments/{payment_id}/identificationField")
            if slip:
                linha = _digits(slip.get("identificationField"))
                barcode = _digits(slip.get("barCode"))
                nosso = slip.get("nossoNumero")
        if billing in ("PIX", "BOLETO", "UNDEFINED"):
            qr = self._optional("GET", f"/v3/payments/{payment_id}/pixQrCode")
            if qr:
                copia = qr.get("payload")
        return IssuedCharge(
            provider=NAME,
            provider_id=payment_id,
            method=ChargeMethod(METHODS.get(billing, "undefined")),
            amount=money(decimal_of(payment.get("value")) or request.amount),
            due_date=date.fromisoformat(str(payment.get("dueDate") or request.due_date)),
            linha_digitavel=linha,
            barcode=barcode,
            nosso_numero=str(nosso) if nosso else None,
            pix_copia_e_cola=copia,
            payment_url=payment.get("invoiceUrl"),
            boleto_url=payment.get("bankSlipUrl"),
            refs=(payment_id,),
            adopted=adopted,
            raw=payment,
        )

    def _optional(self, method: str, path: str) -> dict[str, Any] | None:
        """Display data the charge can live without (Pix needs a key at Asaas, for one)."""
        try:
            result: dict[str, Any] | None = self._send(method, path)
        except ProviderRefused as error:
            logger.warning(
                "asaas display data unavailable", extra={"path": path, "why": str(error)}
            )
            return None
        return result

    def cancel(self, charge: Mapping[str, Any]) -> None:
        self._send("DELETE", f"/v3/payments/{charge['provider_id']}", allow_missing=True)

    def refund(self, charge: Mapping[str, Any], amount: Decimal) -> str:
        body = {"value": money(amount), "description": "Estorno solicitado pelo credor"}
        result = self._send(
            "POST", f"/v3/payments/{charge['provider_id']}/refund", content=json_body(body)
        )
        return str((result or {}).get("id") or charge["provider_id"])

    def register_webhook(self, url: str) -> None:
        body = {
            "name": "cobranca",
            "url": url,
            "email": "",
            "enabled": True,
            "interrupted": False,
            "authToken": self.config.webhook_token,
            "sendType": "SEQUENTIALLY",
            "events": sorted(
                PAYMENT_EVENTS | REFUND_EVENTS | CHARGEBACK_EVENTS | set(STATUS_EVENTS)
            ),
        }
        self._send("POST", "/v3/webhooks", content=json_body(body))

    # ------------------------------------------------------------------ callbacks

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, channel: str = "default"
    ) -> list[ProviderEvent]:
        given = header(headers, TOKEN_HEADER)
        if not given:
            raise CallbackRejected(401, f"missing {TOKEN_HEADER} header")
        if not hmac.compare_digest(
            hashlib.sha256(given.encode()).digest(),
            hashlib.sha256(self.config.webhook_token.encode()).digest(),
        ):
            raise CallbackRejected(401, f"{TOKEN_HEADER} does not match the tenant's token")
        document = read_json(body)
        if not isinstance(document, dict) or not isinstance(document.get("payment"), dict):
            raise CallbackRejected(400, "an Asaas event needs 'event' and a 'payment' object")
        return [parse_event(document, body)]


def parse_event(document: Mapping[str, Any], body: bytes) -> ProviderEvent:
    """One Asaas webhook event in the hub's words."""
    event_type = str(document.get("event") or "")
    payment: Mapping[str, Any] = document["payment"]
    # Older deliveries carry no event id; the body's digest then identifies the delivery.
    event_id = str(document.get("id") or "sha256:" + hashlib.sha256(body).hexdigest()[:40])
    common: dict[str, Any] = {
        "provider": NAME,
        "event_id": event_id,
        "event_type": event_type,
        "charge_ref": str(payment.get("id") or "") or None,
        "reference": payment.get("externalReference"),
        "method": METHODS.get(str(payment.get("billingType")), "other"),
    }
    value = decimal_of(payment.get("value"))

    if event_type in PAYMENT_EVENTS:
        net = decimal_of(payment.get("netValue"))
        problem = None
        if value is None or value <= 0:
            problem = f"payment value {payment.get('value')!r} is not a positive amount"
        elif net is not None and net > value:
            problem = f"netValue {net} exceeds the payment value {value}"
        paid_on = _date(
            payment.get("clientPaymentDate")
            or payment.get("paymentDate")
            or payment.get("confirmedDate")
        )
        return ProviderEvent(
            kind=EventKind.PAYMENT,
            payment_ref=common["charge_ref"],
            amount=value,
            paid_on=paid_on,
            credited_on=_date(payment.get("creditDate") or payment.get("estimatedCreditDate")),
            bank_fee=(value - net)
            if value is not None and net is not None and not problem
            else Decimal("0.00"),
            credited=net if not problem else None,
            problem=problem,
            **common,
        )

    if event_type in REFUND_EVENTS:
        refunds = payment.get("refunds")
        total: Decimal | None = None
        if event_type == "PAYMENT_REFUNDED":
            total = value
        elif isinstance(refunds, list) and refunds:
            total = sum(
                (decimal_of(item.get("value")) or Decimal(0) for item in refunds), Decimal(0)
            )
        problem = None if total else "the event does not say how much was refunded"
        return ProviderEvent(
            kind=EventKind.REFUND,
            payment_ref=common["charge_ref"],
            refunded_total=total,
            problem=problem,
            **common,
        )

    if event_type in CHARGEBACK_EVENTS:
        return ProviderEvent(
            kind=EventKind.CHARGEBACK,
            payment_ref=f"{common['charge_ref']}:chargeback",
            amount=value,
            problem=None if value else "the chargeback has no amount",
            **common,
        )

    return ProviderEvent(
        kind=EventKind.STATUS, status_event=STATUS_EVENTS.get(event_type), **common
    )


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _digits(value: Any) -> str | None:
    if not value:
        return None
    digits = "".join(char for char in str(value) if char.isdigit())
    return digits or None
