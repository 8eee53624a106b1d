"""What every charge provider offers the hub, and the shapes exchanged with it.

A provider (a payment gateway, a PSP's API Pix, a bank by CNAB) is reached through one
interface, :class:`Provider`:

- ``ensure_customer`` makes sure the payer exists at the provider (where it keeps payers);
- ``issue`` creates the charge of one receivable generation, idempotently: it first looks the
  charge up by the hub's key (metadata, externalReference, txid, allocated nosso número) and
  adopts what it finds, and only then creates, sending the key as the provider's idempotency
  key where the provider has one;
- ``cancel`` and ``refund`` act on an issued charge;
- ``parse_callback`` verifies a callback by the provider's own scheme over the raw body and
  turns it into normalised :class:`ProviderEvent` values.

Errors say whether a retry can help: :class:`ProviderUnavailable` (timeouts, 5xx, connection
refused) is retried by the charge queue; :class:`ProviderRefused` (4xx, configuration) is not.

Sandbox policy: a sandbox tenant's calls leave the machine never. Every HTTP provider checks
its base URL before the first request and refuses (:class:`SandboxBlocked`, not retried) any
host that is not loopback; the CNAB provider only writes to the hub's own bucket, so it runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from cobranca.domain.late_charges import LateChargeRules
from cobranca.domain.receivables import StatusEvent
from cobranca.model.customers import Customer

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_TIMEOUT = httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=3.0)
USER_AGENT = "cobranca-hub/0.1"


class ChargeMethod(StrEnum):
    """How the payer is asked to pay; ``undefined`` lets the payer choose at the provider."""

    BOLETO = "boleto"
    PIX = "pix"
    CARD = "card"
    UNDEFINED = "undefined"


class EventKind(StrEnum):
    """What a provider event means for the receivable."""

    PAYMENT = "payment"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    STATUS = "status"


class ProviderError(Exception):
    """A provider call failed; ``retryable`` says whether trying again can help."""

    retryable = False

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class ProviderUnavailable(ProviderError):
    """Timeout, connection failure or 5xx: the same request may succeed later."""

    retryable = True


class ProviderRefused(ProviderError):
    """The provider (or the hub's configuration) refused the request; retrying will not help."""


class SandboxBlocked(ProviderRefused):
    """A sandbox tenant's provider URL points outside this machine."""


class CallbackRejected(Exception):
    """A callback failed verification or cannot be read; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ChargeRequest:
    """One receivable generation to charge: who, how much, when, and the late charge rules."""

    tenant_id: str
    receivable_id: str
    generation: int
    amount: Decimal
    due_date: date
    issue_date: date
    method: ChargeMethod
    customer: Customer
    rules: LateChargeRules
    fine_percent: Decimal
    interest_percent_per_month: Decimal
    description: str = ""
    document_number: str = ""
    consumer: bool = True

    @property
    def key(self) -> str:
        """The idempotency key of this generation (also a valid API Pix txid)."""
        return charge_key(self.tenant_id, self.receivable_id, self.generation)

    @property
    def reference(self) -> str:
        """The hub's readable reference, sent where the provider echoes it back."""
        return charge_reference(self.tenant_id, self.receivable_id, self.generation)


@dataclass(frozen=True)
class IssuedCharge:
    """What the provider answered for a charge, in the hub's words.

    ``refs`` are the provider's ids a callback may carry without the hub's reference; each gets
    a lookup item. ``printed`` holds what a printed boleto shows besides the barcode (agência
    and código do beneficiário, carteira). ``adopted`` is true when the charge was found at
    the provider rather than created by this call (a retry after a crash).
    """

    provider: str
    provider_id: str
    method: ChargeMethod
    amount: Decimal
    due_date: date
    status: str = "issued"
    linha_digitavel: str | None = None
    barcode: str | None = None
    nosso_numero: str | None = None
    pix_copia_e_cola: str | None = None
    txid: str | None = None
    payment_url: str | None = None
    boleto_url: str | None = None
    refs: tuple[str, ...] = ()
    adopted: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)

    def display(self) -> dict[str, Any]:
        """The fields the payment page shows, for the receivable's ``charge`` map."""
        values = {
            "linha_digitavel": self.linha_digitavel,
            "barcode": self.barcode,
            "nosso_numero": self.nosso_numero,
            "pix_copia_e_cola": self.pix_copia_e_cola,
            "txid": self.txid,
            "payment_url": self.payment_url,
            "boleto_url": self.boleto_url,
            **self.printed,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class ProviderEvent:
    """One normalised callback fact.

    ``event_id`` is the provider's id of the delivery's event (deduplication); ``payment_ref``
    identifies the money movement (two events about one payment record it once); ``reference``
    is the hub's own reference when the provider echoes it, else the charge is found through
    ``charge_ref``. ``refunded_total`` is cumulative where the provider reports it so, which
    makes late and repeated refund events safe. ``problem`` is set by a parser that saw an
    inconsistency the operator must look at (the event is parked, not applied).
    """

    provider: str
    event_id: str
    kind: EventKind
    event_type: str
    charge_ref: str | None = None
    reference: str | None = None
    payment_ref: str | None = None
    amount: Decimal | None = None
    refunded_total: Decimal | None = None
    paid_on: date | None = None
    credited_on: date | None = None
    method: str = "other"
    bank_fee: Decimal = Decimal("0.00")
    credited: Decimal | None = None
    fees_paid: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    status_event: StatusEvent | None = None
    occurred_at: datetime | None = None
    problem: str | None = None


class Provider(ABC):
    """The interface every charge provider implements."""

    name: str = "provider"
    # A boleto cannot be registered already due: such providers are given an overdue
    # receivable with a new due date and the late charges accrued up to it.
    requires_future_due_date: bool = False

    @abstractmethod
    def ensure_customer(self, customer: Customer) -> str | None:
        """The provider's id of the payer (created when missing); None where it keeps none."""

    @abstractmethod
    def issue(self, request: ChargeRequest) -> IssuedCharge:
        """Find the generation's charge at the provider, or create it; never two."""

    @abstractmethod
    def cancel(self, charge: Mapping[str, Any]) -> None:
        """Cancel an issued charge (the receivable's ``charge`` map); a gone charge is fine."""

    @abstractmethod
    def refund(self, charge: Mapping[str, Any], amount: Decimal) -> str:
        """Give ``amount`` of a paid charge back; returns the provider's refund id."""

    @abstractmethod
    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, channel: str = "default"
    ) -> list[ProviderEvent]:
        """Verify a callback over its raw body and normalise it; raise CallbackRejected."""

    def register_webhook(self, url: str) -> None:  # noqa: B027 - optional capability
        """Tell the provider where to call back (providers without an API for it do nothing)."""


class HttpProvider(Provider):
    """A provider reached over HTTP: one account, one httpx client opened on first use.

    Subclasses give their headers and TLS settings in :meth:`_client_options`; the sandbox check
    (no real provider while the tenant is in sandbox) runs on every URL the client will call.
    """

    def __init__(
        self,
        tenant_id: str,
        config: Any,
        *,
        sandbox: bool,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.config = config
        self.sandbox = sandbox
        self._transport = transport
        self._client: httpx.Client | None = None

    def _client_options(self) -> dict[str, Any]:
        return {"headers": {"User-Agent": USER_AGENT}}

    def _called_urls(self) -> list[str]:
        return [str(self.config.base_url)]

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            for url in self._called_urls():
                check_sandbox(self.name, url, self.sandbox)
            self._client = httpx.Client(
                base_url=self.config.base_url,
                timeout=timeout_of(self.config.timeout_seconds),
                transport=self._transport,
                **self._client_options(),
            )
        return self._client

    def _send(self, method: str, path: str, **options: Any) -> Any:
        return send(self.client, self.name, method, path, **options)


# ---------------------------------------------------------------------- references and keys


def charge_key(tenant_id: str, receivable_id: str, generation: int) -> str:
    """35 characters of ``[a-z0-9]``: an idempotency key, an API Pix txid, a metadata value."""
    digest = hashlib.sha256(f"{tenant_id}|{receivable_id}|{generation}".encode()).hexdigest()
    return "cob" + digest[:32]


def charge_reference(tenant_id: str, receivable_id: str, generation: int) -> str:
    """``tenant#receivable#generation``; ``#`` never appears in a tenant or receivable id."""
    return f"{tenant_id}#{receivable_id}#{generation}"


def parse_reference(reference: str | None) -> tuple[str, str, int] | None:
    """The (tenant, receivable, generation) of a hub reference, or None when it is not one."""
    if not reference or reference.count("#") != 2:
        return None
    tenant_id, receivable_id, generation = reference.split("#")
    if not (tenant_id and receivable_id and generation.isdigit()):
        return None
    return tenant_id, receivable_id, int(generation)


# ---------------------------------------------------------------------- HTTP


def timeout_of(seconds: float) -> httpx.Timeout:
    """The request timeout for a provider (a tenant's secret may shorten it)."""
    return httpx.Timeout(seconds, connect=min(3.0, seconds))


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine (127.0.0.0/8, ::1 or localhost)."""
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_sandbox(provider: str, base_url: str, sandbox: bool) -> None:
    """Refuse a sandbox tenant's call to anything but a local fake."""
    if sandbox and not is_loopback(base_url):
        raise SandboxBlocked(
            provider,
            f"sandbox tenant: base_url {base_url!r} is not a local fake; point it at "
            "127.0.0.1 or turn the tenant's sandbox off",
        )


def send(
    client: httpx.Client,
    provider: str,
    method: str,
    path: str,
    *,
    expect: tuple[int, ...] = (200, 201),
    allow_missing: bool = False,
    **options: Any,
) -> Any:
    """One request, errors mapped to the hub's: 5xx/timeouts retryable, 4xx refused.

    Returns the decoded JSON body (or None for an empty body, or a 404 when ``allow_missing``).
    """
    try:
        response = client.request(method, path, **options)
    except httpx.TimeoutException as error:
        raise ProviderUnavailable(provider, f"{method} {path} timed out") from error
    except httpx.TransportError as error:
        raise ProviderUnavailable(provider, f"{method} {path} failed: {error}") from error
    if allow_missing and response.status_code == 404:
        return None
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(provider, f"{method} {path} answered {response.status_code}")
    if response.status_code not in expect:
        detail = response.text[:300]
        raise ProviderRefused(
            provider, f"{method} {path} answered {response.status_code}: {detail}"
        )
    if not response.content:
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as error:
        raise ProviderUnavailable(provider, f"{method} {path} answered non-JSON") from error


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case the sender used."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


_DECIMAL_MARK = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


def json_body(payload: Any) -> bytes:
    """JSON with Decimal amounts written as JSON numbers (``100.00``), never through float."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"\u0000{value}\u0000"
        if isinstance(value, Mapping):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [mark(item) for item in value]
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            # A NUL in text could pose as the marker; payloads never need one.
            return value.replace("\u0000", "")
        return value

    text = json.dumps(mark(payload), ensure_ascii=False, separators=(",", ":"))
    return _DECIMAL_MARK.sub(r"\1", text).encode("utf-8")


def read_json(body: bytes) -> Any:
    """A callback body as JSON with amounts as Decimal; CallbackRejected when it is not JSON."""
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise CallbackRejected(400, f"body is not valid JSON: {error}") from None


def decimal_of(value: Any) -> Decimal | None:
    """An amount from a provider payload (number or text), or None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None
