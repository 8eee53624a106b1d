"""A small stateful fake of the Asaas API v3 endpoints the hub uses, on 127.0.0.1.

Shapes follow Asaas' documentation: ``access_token`` header, ``/v3/customers``,
``/v3/payments`` (list filtered by ``externalReference``, create, delete, refund,
``identificationField``, ``pixQrCode``) and ``/v3/webhooks``. Webhook deliveries carry the
registered token in ``asaas-access-token``.

To play the payer, ``POST /_fake/payments/{id}/receive`` (optional ``value``, ``billingType``,
``paymentDate``, ``event``) marks the payment received and delivers the event; ``POST
/_fake/payments/{id}/event`` delivers any event type about the payment as it stands. Both
answer with the hub's HTTP status and body.
"""

from __future__ import annotations

import itertools
import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from cobranca.domain.money import money
from cobranca.instruments.boleto import barcode_to_linha, build_boleto
from cobranca.instruments.pix import build_static

from cobranca_local.fakes.jsonhttp import Answer, JsonFake, Request, dumps

BANK = "461"


class AsaasFake(JsonFake):
    """Customers, payments and webhooks of one or more Asaas accounts (by API key)."""

    name = "asaas"

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._events = itertools.count(1)

    def start(self) -> dict[str, str]:
        return {"COBRANCA_FAKE_ASAAS_URL": self.serve()}

    # ------------------------------------------------------------------ routing

    def handle(self, request: Request) -> Answer:
        parts = [part for part in request.path.split("/") if part]
        if parts[:1] == ["_fake"]:
            return self._admin(request, parts[1:])
        account = request.header("access_token")
        if not account:
            return 401, {"errors": [{"code": "invalid_access_token", "description": "no key"}]}
        with self.lock:
            return self._api(request, account, parts)

    def _api(self, request: Request, account: str, parts: list[str]) -> Answer:
        method = request.method
        if parts == ["v3", "customers"]:
            if method == "POST":
                return 200, self._create_customer(account, request.json())
            return 200, self._list(self.customers, account, request.query)
        if parts == ["v3", "payments"]:
            if method == "POST":
                return self._create_payment(account, request.json())
            return 200, self._list(self.payments, account, request.query)
        if parts == ["v3", "webhooks"] and method == "POST":
            body = request.json()
            self.webhooks[account] = {"url": body["url"], "token": body.get("authToken", "")}
            return 200, {"id": f"wh_{account[-6:]}", **body}
        if len(parts) >= 3 and parts[:2] == ["v3", "payments"]:
            payment = self.payments.get(parts[2])
            if payment is None or payment["_account"] != account:
                return 404, {"errors": [{"code": "not_found", "description": "payment"}]}
            return self._payment_action(method, parts[3:], payment, request)
        return 404, {"errors": [{"code": "not_found", "description": request.path}]}

    # ------------------------------------------------------------------ resources

    def _list(self, store: dict[str, dict[str, Any]], account: str, query: dict[str, str]) -> Any:
        wanted = {key: value for key, value in query.items() if key not in ("limit", "offset")}
        data = [
            _public(item)
            for item in store.values()
            if item["_account"] == account
            and not item.get("deleted")
            and all(str(item.get(key)) == value for key, value in wanted.items())
        ]
        return {"object": "list", "hasMore": False, "totalCount": len(data), "data": data}

    def _create_customer(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        customer_id = f"cus_{next(self._ids):012d}"
        customer = {"object": "customer", "id": customer_id, "deleted": False, **body}
        self.customers[customer_id] = customer | {"_account": account}
        return customer

    def _create_payment(self, account: str, body: dict[str, Any]) -> Answer:
        if body.get("customer") not in self.customers:
            return 400, {"errors": [{"code": "invalid_customer", "description": "customer"}]}
        if body.get("billingType") not in ("BOLETO", "PIX", "CREDIT_CARD", "UNDEFINED"):
            return 400, {"errors": [{"code": "invalid_billingType", "description": "type"}]}
        number = next(self._ids)
        payment_id = f"pay_{number:012d}"
        payment = {
            "object": "payment",
            "id": payment_id,
            "dateCreated": date.today().isoformat(),
            "customer": body["customer"],
            "value": money(Decimal(str(body["value"]))),
            "netValue": money(Decimal(str(body["value"]))) - Decimal("0.99"),
            "description": body.get("description"),
            "billingType": body["billingType"],
            "status": "PENDING",
            "dueDate": body["dueDate"],
            "originalDueDate": body["dueDate"],
            "externalReference": body.get("externalReference"),
            "fine": body.get("fine"),
            "interest": body.get("interest"),
            "invoiceUrl": f"{self.url}/i/{number}",
            "bankSlipUrl": f"{self.url}/b/pdf/{number}",
            "nossoNumero": f"{number:010d}",
            "deleted": False,
            "_account": account,
        }
        self.payments[payment_id] = payment
        return 200, _public(payment)

    def _payment_action(
        self, method: str, rest: list[str], payment: dict[str, Any], request: Request
    ) -> Answer:
        if not rest and method == "GET":
            return 200, _public(payment)
        if not rest and method == "DELETE":
            payment["deleted"] = True
            return 200, {"deleted": True, "id": payment["id"]}
        if rest == ["refund"] and method == "POST":
            if payment["status"] not in ("RECEIVED", "CONFIRMED"):
                return 400, {"errors": [{"code": "invalid_action", "description": "not paid"}]}
            value = Decimal(str(request.json().get("value") or payment["value"]))
            refunds = payment.setdefault("refunds", [])
            refunds.append({"status": "DONE", "value": money(value)})
            total = sum((Decimal(str(item["value"])) for item in refunds), Decimal(0))
            payment["status"] = "REFUNDED" if total >= payment["value"] else payment["status"]
            return 200, _public(payment)
        if rest == ["identificationField"] and method == "GET":
            return 200, self._slip(payment)
        if rest == ["pixQrCode"] and method == "GET":
            payload = build_static(
                key="asaas-fake@example.com",
                name="ASAAS FAKE",
                city="SAO PAULO",
                amount=payment["value"],
                txid=payment["id"].replace("_", "")[:25],
            )
            return 200, {"encodedImage": "", "payload": payload, "expirationDate": None}
        return 404, {"errors": [{"code": "not_found", "description": "/".join(rest)}]}

    def _slip(self, payment: dict[str, Any]) -> dict[str, Any]:
        number = int(payment["id"].split("_")[1])
        free = f"{number:025d}"
        boleto = build_boleto(
            BANK,
            due_date=date.fromisoformat(str(payment["dueDate"])),
            amount=payment["value"],
            campo_livre=free,
        )
        return {
            "identificationField": barcode_to_linha(boleto.barcode),
            "nossoNumero": payment["nossoNumero"],
            "barCode": boleto.barcode,
        }

    # ------------------------------------------------------------------ playing the payer

    def _admin(self, request: Request, parts: list[str]) -> Answer:
        if len(parts) == 3 and parts[0] == "payments":
            body = request.json()
            with self.lock:
                payment = self.payments.get(parts[1])
                if payment is None:
                    return 404, {"error": "unknown payment"}
                if parts[2] == "receive":
                    payment["status"] = "RECEIVED"
                    if "value" in body:
                        payment["value"] = money(Decimal(str(body["value"])))
                        payment["netValue"] = payment["value"] - Decimal("0.99")
                    payment["billingType"] = body.get("billingType", payment["billingType"])
                    day = body.get("paymentDate") or date.today().isoformat()
                    payment["paymentDate"] = payment["clientPaymentDate"] = day
                    payment["confirmedDate"] = day
                    event = str(body.get("event") or "PAYMENT_RECEIVED")
                elif parts[2] == "event":
                    event = str(body["event"])
                else:
                    return 404, {"error": "unknown action"}
                webhook = self.webhooks.get(payment["_account"])
                document = self.event(event, payment, body.get("id"))
            if webhook is None:
                return 409, {"error": "no webhook registered for this account"}
            return self.deliver(webhook["url"], webhook["token"], document)
        return 404, {"error": "unknown admin route"}

    def event(self, event: str, payment: dict[str, Any], event_id: str | None = None) -> Any:
        """The webhook document Asaas sends about ``payment``."""
        return {
            "id": event_id or f"evt_{next(self._events):024x}&{payment['id'][4:]}",
            "event": event,
            "dateCreated": date.today().isoformat() + " 12:00:00",
            "payment": _public(payment),
        }

    def deliver(self, url: str, token: str, document: Any) -> Answer:
        """POST an event to the hub as Asaas does; returns the hub's answer."""
        response = httpx.post(
            url,
            content=dumps(document),
            headers={"Content-Type": "application/json", "asaas-access-token": token},
            timeout=30,
        )
        try:
            answer = response.json()
        except json.JSONDecodeError:
            answer = {"text": response.text}
        return response.status_code, {"hub_status": response.status_code, "hub": answer}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if not key.startswith("_")}
