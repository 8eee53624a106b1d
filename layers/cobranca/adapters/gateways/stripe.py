"""Stripe: PaymentIntents for boleto, Pix and card; signed webhooks.

A charge is a PaymentIntent in BRL centavos whose ``payment_method_types`` list what the
tenant offers; the payer completes it on Stripe's side. Its metadata carries the hub's key and
reference, so a webhook names its receivable without a lookup. Idempotency is twofold: the
create request sends the hub's key as ``Idempotency-Key`` (Stripe replays the first answer for
24 hours), and before creating, the adapter searches PaymentIntents by that metadata (beyond
the replay window, and after a crash between Stripe's answer and the hub's write).

Stripe has no multa or juros: the amount is the balance, and the late charge rules travel in
metadata for the operator's eyes only.

Webhooks are verified as Stripe documents: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]``,
HMAC-SHA256 with the endpoint secret over ``<t>.<raw body>``, any ``v1`` may match, and ``t``
must be within the tolerance (300 s) of the hub's clock.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    header,
    read_json,
)
from cobranca.domain.money import from_cents, to_cents
from cobranca.model.customers import Customer
from cobranca.platform import clock

NAME = "stripe"
DEFAULT_BASE_URL = "https://api.stripe.com"
SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE = 300
METHOD_TYPES = {
    ChargeMethod.BOLETO: ["boleto"],
    ChargeMethod.PIX: ["pix"],
    ChargeMethod.CARD: ["card"],
}


@dataclass(frozen=True)
class StripeConfig:
    """The tenant's ``stripe`` secret: ``{api_key, webhook_secret, base_url?, methods?}``."""

    api_key: str
    webhook_secret: str
    base_url: str = DEFAULT_BASE_URL
    methods: list[str] = field(default_factory=lambda: ["card", "boleto", "pix"])
    tolerance_seconds: int = DEFAULT_TOLERANCE
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_secret(cls, document: Mapping[str, Any]) -> StripeConfig:
        try:
            return cls(
                api_key=str(document["api_key"]),
                webhook_secret=str(document["webhook_secret"]),
                base_url=str(document.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
                methods=list(document.get("methods") or ["card", "boleto", "pix"]),
                tolerance_seconds=int(document.get("tolerance_seconds") or DEFAULT_TOLERANCE),
                timeout_seconds=float(document.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS),
            )
        except KeyError as missing:
            raise ProviderRefused(
                NAME, f"tenant secret stripe.{missing.args[0]} is missing"
            ) from None


class Stripe(HttpProvider):
    """One tenant's Stripe account."""

    name = NAME

    config: StripeConfig

    def _client_options(self) -> dict[str, Any]:
        return {
            "headers": {"Authorization": f"Bearer {self.config.api_key}", "User-Agent": USER_AGENT}
        }

    # ------------------------------------------------------------------ customers

    def ensure_customer(self, customer: Customer) -> str:
        key = hashlib.sha256(f"{self.tenant_id}|customer|{customer.customer_id}".encode())
        form: dict[str, str] = {
            "name": customer.name,
            "metadata[cobranca_tenant]": self.tenant_id,
            "metadata[cobranca_customer]": customer.customer_id,
        }
        if customer.emails:
            form["email"] = customer.emails[0]
        created = self._send(
            "POST",
            "/v1/customers",
            data=form,
            headers={"Idempotency-Key": "cus" + key.hexdigest()[:40]},
        )
        return str(created["id"])

    # ------------------------------------------------------------------ charges

    def issue(self, request: ChargeRequest) -> IssuedCharge:
        query = f"metadata['cobranca_key']:'{request.key}'"
        found = self._send("GET", "/v1/payment_intents/search", params={"query": query})
        existing = [
            item for item in (found or {}).get("data") or [] if item.get("status") != "canceled"
        ]
        if existing:
            return self._issued(request, existing[0], adopted=True)

        types = METHOD_TYPES.get(request.method, self.config.methods)
        form: dict[str, str] = {
            "amount": str(to_cents(request.amount)),
            "currency": "brl",
            "customer": self.ensure_customer(request.customer),
            "metadata[cobranca_key]": request.key,
            "metadata[cobranca_reference]": request.reference,
            "metadata[cobranca_due_date]": request.due_date.isoformat(),
            "metadata[cobranca_fine_percent]": str(request.fine_percent),
            "metadata[cobranca_interest_percent_month]": str(request.interest_percent_per_month),
        }
        for index, kind in enumerate(types):
            form[f"payment_method_types[{index}]"] = kind
        created = self._send(
            "POST", "/v1/payment_intents", data=form, headers={"Idempotency-Key": request.key}
        )
        return self._issued(request, created, adopted=False)

    def _issued(
        self, request: ChargeRequest, intent: dict[str, Any], adopted: bool
    ) -> IssuedCharge:
        action = intent.get("next_action") or {}
        boleto = action.get("boleto_display_details") or {}
        pix = action.get("pix_display_qr_code") or {}
        return IssuedCharge(
            provider=NAME,
            provider_id=str(intent["id"]),
            method=request.method,
            amount=from_cents(int(intent.get("amount") or to_cents(request.amount))),
            due_date=request.due_date,
            linha_digitavel=_digits(boleto.get("number")),
            pix_copia_e_cola=pix.get("data"),
            payment_url=pix.get("hosted_instructions_url"),
            boleto_url=boleto.get("hosted_voucher_url"),
            refs=(str(intent["id"]),),
            adopted=adopted,
            raw={
                key: intent.get(key) for key in ("id", "amount", "currency", "status", "metadata")
            },
        )

    def cancel(self, charge: Mapping[str, Any]) -> None:
        self._send(
            "POST", f"/v1/payment_intents/{charge['provider_id']}/cancel", allow_missing=True
        )

    def refund(self, charge: Mapping[str, Any], amount: Decimal) -> str:
        cents = to_cents(amount)
        key = hashlib.sha256(f"{charge['provider_id']}|refund|{cents}".encode()).hexdigest()
        created = self._send(
            "POST",
            "/v1/refunds",
            data={"payment_intent": str(charge["provider_id"]), "amount": str(cents)},
            headers={"Idempotency-Key": "ref" + key[:40]},
        )
        return str(created["id"])

    # ------------------------------------------------------------------ callbacks

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, channel: str = "default"
    ) -> list[ProviderEvent]:
        verify_signature(
            header(headers, SIGNATURE_HEADER),
            body,
            self.config.webhook_secret,
            now=int(clock.now().timestamp()),
            tolerance=self.config.tolerance_seconds,
        )
        document = read_json(body)
        if not isinstance(document, dict) or not isinstance(
            (document.get("data") or {}).get("object"), dict
        ):
            raise CallbackRejected(400, "a Stripe event needs 'type' and 'data.object'")
        return [parse_event(document)]


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``body`` (fakes and tests send with it)."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    value: str | None, body: bytes, secret: str, *, now: int, tolerance: int
) -> None:
    """Check a ``Stripe-Signature`` header over the raw body; raise CallbackRejected(401)."""
    if not value:
        raise CallbackRejected(401, f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        name, _, given = part.strip().partition("=")
        if name == "t" and given.isdigit():
            timestamp = int(given)
        elif name == "v1" and given:
            signatures.append(given)
    if timestamp is None:
        raise CallbackRejected(401, f"{SIGNATURE_HEADER} has no timestamp")
    if not signatures:
        raise CallbackRejected(401, f"{SIGNATURE_HEADER} has no v1 signature")
    if abs(now - timestamp) > tolerance:
        raise CallbackRejected(
            401, f"signature timestamp is {abs(now - timestamp)} s away (tolerance {tolerance} s)"
        )
    expected = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise CallbackRejected(401, "no v1 signature matches the body")


def parse_event(document: Mapping[str, Any]) -> ProviderEvent:
    """One Stripe event in the hub's words (other event types are informational)."""
    event_type = str(document.get("type") or "")
    event_id = str(document.get("id") or "")
    if not event_id:
        raise CallbackRejected(400, "the event has no id")
    obj: Mapping[str, Any] = document["data"]["object"]
    created = str(document.get("created") or "")
    occurred = (
        datetime.fromtimestamp(int(created), tz=clock.BUSINESS_TZ)
        if created.isdigit()
        else clock.local_now()
    )
    common: dict[str, Any] = {"provider": NAME, "event_id": event_id, "event_type": event_type}

    if event_type == "payment_intent.succeeded":
        metadata = obj.get("metadata") or {}
        cents = obj.get("amount_received") or obj.get("amount")
        amount = from_cents(int(cents)) if cents is not None else None
        types = obj.get("payment_method_types") or []
        return ProviderEvent(
            kind=EventKind.PAYMENT,
            charge_ref=str(obj.get("id")),
            reference=metadata.get("cobranca_reference"),
            payment_ref=str(obj.get("id")),
            amount=amount,
            paid_on=occurred.date(),
            method=str(types[0]) if len(types) == 1 else "card",
            occurred_at=occurred,
            problem=None if amount and amount > 0 else "the payment has no positive amount",
            **common,
        )

    if event_type == "charge.refunded":
        intent = obj.get("payment_intent")
        refunded = obj.get("amount_refunded")
        return ProviderEvent(
            kind=EventKind.REFUND,
            charge_ref=str(intent) if intent else None,
            payment_ref=str(intent) if intent else None,
            refunded_total=from_cents(int(refunded)) if refunded is not None else None,
            occurred_at=occurred,
            problem=None if refunded else "the refund event has no amount_refunded",
            **common,
        )

    if event_type == "charge.dispute.created":
        intent = obj.get("payment_intent")
        cents = obj.get("amount")
        return ProviderEvent(
            kind=EventKind.CHARGEBACK,
            charge_ref=str(intent) if intent else None,
            payment_ref=f"dispute:{obj.get('id')}",
            amount=from_cents(int(cents)) if cents is not None else None,
            occurred_at=occurred,
            problem=None if cents else "the dispute has no amount",
            **common,
        )

    # Other events are news only; those about a PaymentIntent name it, the rest name nothing.
    intent = obj.get("id") if str(obj.get("object")) == "payment_intent" else None
    return ProviderEvent(
        kind=EventKind.STATUS,
        charge_ref=str(intent) if intent else None,
        reference=(obj.get("metadata") or {}).get("cobranca_reference") if intent else None,
        **common,
    )


def _digits(value: Any) -> str | None:
    if not value:
        return None
    digits = "".join(char for char in str(value) if char.isdigit())
    return digits or None
