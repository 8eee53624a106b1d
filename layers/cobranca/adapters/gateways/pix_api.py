"""A bank's API Pix (Banco Central's standard): cobv charges, OAuth2, optional mTLS, webhooks.

A charge is a ``cobv`` (cobrança com vencimento) created by ``PUT /cobv/{txid}`` with the
hub's key as the txid (35 characters of ``[a-z0-9]``, inside the 26-35 the API requires), so
the txid itself is the idempotency key: the adapter reads ``GET /cobv/{txid}`` first and
creates only when the PSP does not know it. Multa, juros and desconto travel in ``valor`` with
the API's modalidades (multa 2 = percent, juros 3 = percent a month, calendar days).

Access is OAuth2 client credentials (``POST {token_url}`` with HTTP Basic client id and
secret); the token is cached per PSP and client until a minute before it expires. mTLS, which
most PSPs require, is configured by the tenant's certificate and key (PEM) in its secret.

Webhooks: the PSP posts ``{"pix": [...]}`` to the registered URL with ``/pix`` appended. The
PSP authenticates itself by mTLS at the API's edge, which a shared API cannot do per tenant;
so the hub treats the body as a notification and confirms every ``endToEndId`` with the PSP
(``GET /pix/{e2eid}``) before recording it: a forged pix is unknown to the PSP and a tampered
``valor`` disagrees with it. An optional static token header adds a cheap first filter.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
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
    ProviderUnavailable,
    decimal_of,
    header,
    json_body,
    read_json,
    send,
)
from cobranca.domain.late_charges import PixCobvValor
from cobranca.domain.money import money
from cobranca.model.customers import Customer
from cobranca.platform import clock

NAME = "pix_api"
TOKEN_HEADER = "x-webhook-token"  # noqa: S105 - a header name, not a secret
DEFAULT_VALIDITY_DAYS = 30
REMOVED = "REMOVIDA_PELO_USUARIO_RECEBEDOR"

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


@dataclass(frozen=True)
class PixApiConfig:
    """The tenant's ``pix_api`` secret.

    ``{base_url, client_id, client_secret, key, token_url?, validity_days?, webhook_token?,
    cert?: {cert_pem, key_pem, ca_pem?}}`` — ``key`` is the tenant's chave Pix.
    """

    base_url: str
    client_id: str
    client_secret: str
    key: str
    token_url: str = ""
    validity_days: int = DEFAULT_VALIDITY_DAYS
    webhook_token: str | None = None
    cert_pem: str | None = None
    key_pem: str | None = None
    ca_pem: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_secret(cls, document: Mapping[str, Any]) -> PixApiConfig:
        try:
            base_url = str(document["base_url"]).rstrip("/")
            cert = document.get("cert") or {}
            return cls(
                base_url=base_url,
                client_id=str(document["client_id"]),
                client_secret=str(document["client_secret"]),
                key=str(document["key"]),
                token_url=str(document.get("token_url") or f"{base_url}/oauth/token"),
                validity_days=int(document.get("validity_days") or DEFAULT_VALIDITY_DAYS),
                webhook_token=document.get("webhook_token"),
                cert_pem=cert.get("cert_pem"),
                key_pem=cert.get("key_pem"),
                ca_pem=cert.get("ca_pem"),
                timeout_seconds=float(document.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS),
            )
        except KeyError as missing:
            raise ProviderRefused(
                NAME, f"tenant secret pix_api.{missing.args[0]} is missing"
            ) from None


def _tls(config: PixApiConfig) -> ssl.SSLContext | bool:
    """The TLS settings: the tenant's client certificate (mTLS) and CA when configured."""
    if not (config.cert_pem and config.key_pem) and not config.ca_pem:
        return True
    context = (
        ssl.create_default_context(cadata=config.ca_pem)
        if config.ca_pem
        else (ssl.create_default_context())
    )
    if config.cert_pem and config.key_pem:
        # load_cert_chain reads files only; the PEMs live in the secret, so they pass through
        # a private temporary directory that is removed at once.
        with tempfile.TemporaryDirectory() as folder:
            cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert_file.write_text(config.cert_pem)
            key_file.write_text(config.key_pem)
            context.load_cert_chain(cert_file, key_file)
    return context


class PixApi(HttpProvider):
    """One tenant's account at a PSP speaking the API Pix."""

    name = NAME

    config: PixApiConfig

    def _called_urls(self) -> list[str]:
        return [self.config.base_url, self.config.token_url]

    def _client_options(self) -> dict[str, Any]:
        return {
            "headers": {"User-Agent": USER_AGENT, "Content-Type": "application/json"},
            "verify": _tls(self.config),
        }

    def _token(self, *, fresh: bool = False) -> str:
        cache_key = (self.config.token_url, self.config.client_id)
        with _tokens_lock:
            cached = _tokens.get(cache_key)
            if cached and not fresh and cached[1] > time.monotonic():
                return cached[0]
        answer = send(
            self.client,
            NAME,
            "POST",
            self.config.token_url,
            auth=(self.config.client_id, self.config.client_secret),
            data={"grant_type": "client_credentials"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        token = str(answer["access_token"])
        lifetime = int(answer.get("expires_in") or 300)
        with _tokens_lock:
            # Renew a minute early so a token never expires between the check and the call.
            _tokens[cache_key] = (token, time.monotonic() + max(0, lifetime - 60))
        return token

    def _send(self, method: str, path: str, **options: Any) -> Any:
        headers = dict(options.pop("headers", {}) or {})
        headers["Authorization"] = f"Bearer {self._token()}"
        try:
            return send(self.client, NAME, method, path, headers=headers, **options)
        except ProviderRefused as error:
            if " answered 401" not in error.reason:
                raise
        # The cached token was revoked or expired early: one retry with a new one.
        headers["Authorization"] = f"Bearer {self._token(fresh=True)}"
        return send(self.client, NAME, method, path, headers=headers, **options)

    # ------------------------------------------------------------------ charges

    def ensure_customer(self, customer: Customer) -> None:
        return None

    def issue(self, request: ChargeRequest) -> IssuedCharge:
        txid = request.key
        existing = self._send("GET", f"/cobv/{txid}", allow_missing=True)
        if existing and existing.get("status") != REMOVED:
            return self._issued(request, existing, adopted=True)

        body = self._body(request)
        created = self._send("PUT", f"/cobv/{txid}", content=json_body(body))
        return self._issued(request, created, adopted=False)

    def _body(self, request: ChargeRequest) -> dict[str, Any]:
        customer = request.customer
        devedor: dict[str, Any] = {"nome": customer.name[:140]}
        devedor["cpf" if customer.kind == "person" else "cnpj"] = customer.document
        if customer.address.postal_code:
            devedor["cep"] = customer.address.postal_code
            devedor["cidade"] = customer.address.city
            devedor["uf"] = customer.address.state
            devedor["logradouro"] = customer.address.street
        valor = PixCobvValor(request.amount, request.rules).to_api()
        return {
            "calendario": {
                "dataDeVencimento": request.due_date.isoformat(),
                "validadeAposVencimento": self.config.validity_days,
            },
            "devedor": devedor,
            "valor": valor,
            "chave": self.config.key,
            "solicitacaoPagador": (request.description or f"Título {request.document_number}")[
                :140
            ],
        }

    def _issued(self, request: ChargeRequest, cobv: dict[str, Any], adopted: bool) -> IssuedCharge:
        txid = str(cobv.get("txid") or request.key)
        calendario = cobv.get("calendario") or {}
        due = calendario.get("dataDeVencimento")
        original = decimal_of((cobv.get("valor") or {}).get("original"))
        return IssuedCharge(
            provider=NAME,
            provider_id=txid,
            method=ChargeMethod.PIX,
            amount=money(original or request.amount),
            due_date=date.fromisoformat(str(due)) if due else request.due_date,
            pix_copia_e_cola=cobv.get("pixCopiaECola"),
            txid=txid,
            refs=(txid,),
            adopted=adopted,
            raw=cobv,
        )

    def cancel(self, charge: Mapping[str, Any]) -> None:
        self._send(
            "PATCH",
            f"/cobv/{charge['provider_id']}",
            content=json_body({"status": REMOVED}),
            allow_missing=True,
        )

    def refund(self, charge: Mapping[str, Any], amount: Decimal) -> str:
        payments = list(charge.get("payment_refs") or [])
        if not payments:
            raise ProviderRefused(NAME, "the charge has no Pix payment to give back")
        e2eid = str(payments[-1])
        refund_id = "D" + hashlib.sha256(f"{e2eid}|{money(amount)}".encode()).hexdigest()[:30]
        self._send(
            "PUT",
            f"/pix/{e2eid}/devolucao/{refund_id}",
            content=json_body({"valor": f"{money(amount):.2f}"}),
        )
        return refund_id

    def register_webhook(self, url: str) -> None:
        self._send("PUT", f"/webhook/{self.config.key}", content=json_body({"webhookUrl": url}))

    # ------------------------------------------------------------------ callbacks

    def parse_callback(
        self, headers: Mapping[str, str], body: bytes, *, channel: str = "default"
    ) -> list[ProviderEvent]:
        if self.config.webhook_token:
            given = header(headers, TOKEN_HEADER) or ""
            if not hmac.compare_digest(
                hashlib.sha256(given.encode()).digest(),
                hashlib.sha256(self.config.webhook_token.encode()).digest(),
            ):
                raise CallbackRejected(401, f"{TOKEN_HEADER} does not match the tenant's token")
        document = read_json(body)
        items = document.get("pix") if isinstance(document, dict) else None
        if not isinstance(items, list) or not items:
            raise CallbackRejected(400, "an API Pix webhook body is {'pix': [ ... ]}")
        events: list[ProviderEvent] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not item.get("endToEndId"):
                raise CallbackRejected(400, f"pix[{index}] has no endToEndId")
            events.extend(self._events_of(item))
        return events

    def _events_of(self, item: Mapping[str, Any]) -> list[ProviderEvent]:
        e2eid = str(item["endToEndId"])
        notified = decimal_of(item.get("valor"))
        txid = item.get("txid")
        confirmed = self._confirmed(e2eid)
        problem = None
        if confirmed is None:
            problem = f"the PSP does not know endToEndId {e2eid}"
        else:
            psp_amount = decimal_of(confirmed.get("valor"))
            if notified is None or notified <= 0:
                problem = f"valor {item.get('valor')!r} is not a positive amount"
            elif psp_amount != notified:
                problem = f"valor {notified} disagrees with the PSP's {psp_amount}"
            elif txid and confirmed.get("txid") and confirmed.get("txid") != txid:
                problem = f"txid {txid} disagrees with the PSP's {confirmed.get('txid')}"
        paid_at = _moment(item.get("horario"))
        common: dict[str, Any] = {"provider": NAME, "charge_ref": str(txid) if txid else None}
        events = [
            ProviderEvent(
                event_id=e2eid,
                kind=EventKind.PAYMENT,
                event_type="pix",
                payment_ref=e2eid,
                amount=notified,
                paid_on=paid_at.date() if paid_at else None,
                method="pix",
                occurred_at=paid_at,
                problem=problem,
                **common,
            )
        ]
        returned = _returned_total(item.get("devolucoes"))
        if returned is not None and problem is None:
            events.append(
                ProviderEvent(
                    event_id=f"{e2eid}:devolucoes:{returned}",
                    kind=EventKind.REFUND,
                    event_type="pix.devolucao",
                    payment_ref=e2eid,
                    refunded_total=returned,
                    occurred_at=paid_at,
                    **common,
                )
            )
        return events

    def _confirmed(self, e2eid: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] | None = self._send("GET", f"/pix/{e2eid}", allow_missing=True)
        except ProviderUnavailable:
            raise
        except ProviderRefused:
            return None
        return found


def _returned_total(devolucoes: Any) -> Decimal | None:
    """Money given back so far: devoluções the PSP reports as DEVOLVIDO.

    The API's example sends ``devolucoes`` as one object although its schema says a list;
    both are read.
    """
    if not devolucoes:
        return None
    entries = devolucoes if isinstance(devolucoes, list) else [devolucoes]
    done = [
        decimal_of(entry.get("valor")) or Decimal(0)
        for entry in entries
        if isinstance(entry, dict) and entry.get("status") == "DEVOLVIDO"
    ]
    return sum(done, Decimal("0.00")) if done else None


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(clock.BUSINESS_TZ)
