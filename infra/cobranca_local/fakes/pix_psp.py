"""A fake PSP speaking Banco Central's API Pix, on 127.0.0.1.

- ``POST /oauth/token``: OAuth2 client credentials (HTTP Basic), bearer tokens for an hour;
- ``PUT|GET|PATCH /cobv/{txid}`` and ``PUT|GET /cob/{txid}``: charges, with ``pixCopiaECola``;
- ``PUT /webhook/{chave}``: where to post ``{"pix": [...]}`` (``/pix`` is appended);
- ``GET /pix/{e2eid}`` and ``PUT /pix/{e2eid}/devolucao/{id}``: received Pix and devoluções.

To play the payer, ``POST /_fake/cobv/{txid}/pay`` (optional ``paid_on``, ``valor``) computes
what the cobv is worth that day with the hub's own ``pix_cobv_value`` (multa, juros,
desconto), records the Pix and posts the webhook body to the hub, answering with the hub's
status and body.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.late_charges import PixCobvValor, pix_cobv_value
from cobranca.instruments.pix import build_dynamic

from cobranca_local.fakes.jsonhttp import Answer, JsonFake, Request, dumps

TOKEN_SECONDS = 3600


class PixPspFake(JsonFake):
    """Charges, received Pix and webhooks of any number of chaves."""

    name = "pix_psp"

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, float] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.pix: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, str] = {}
        self.token_requests = 0
        self._locations = itertools.count(1)

    def start(self) -> dict[str, str]:
        return {"COBRANCA_FAKE_PIX_PSP_URL": self.serve()}

    def handle(self, request: Request) -> Answer:
        parts = [part for part in request.path.split("/") if part]
        if parts[:1] == ["_fake"]:
            return self._admin(request, parts[1:])
        if parts == ["oauth", "token"] and request.method == "POST":
            return self._token(request)
        token = (request.header("Authorization") or "").removeprefix("Bearer ").strip()
        with self.lock:
            if self.tokens.get(token, 0) < time.monotonic():
                return 401, {"type": "https://pix.bcb.gov.br/api/v2/error/AcessoNegado"}
            return self._api(request, parts)

    def _token(self, request: Request) -> Answer:
        credentials = (request.header("Authorization") or "").removeprefix("Basic ").strip()
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        if not client_id or not secret or b"client_credentials" not in request.body:
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.token_requests += 1
            self.tokens[token] = time.monotonic() + TOKEN_SECONDS
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS}

    # ------------------------------------------------------------------ API Pix

    def _api(self, request: Request, parts: list[str]) -> Answer:
        method = request.method
        if len(parts) == 2 and parts[0] in ("cob", "cobv"):
            return self._charge(method, parts[0], parts[1], request)
        if len(parts) == 2 and parts[0] == "webhook" and method == "PUT":
            self.webhooks[parts[1]] = str(request.json()["webhookUrl"]).rstrip("/")
            return 200, None
        if len(parts) == 2 and parts[0] == "pix" and method == "GET":
            found = self.pix.get(parts[1])
            return (200, found) if found else (404, {"title": "Pix não encontrado"})
        if len(parts) == 4 and parts[0] == "pix" and parts[2] == "devolucao" and method == "PUT":
            return self._refund(parts[1], parts[3], request)
        return 404, {"title": f"no route {method} {request.path}"}

    def _charge(self, method: str, kind: str, txid: str, request: Request) -> Answer:
        existing = self.charges.get(txid)
        if method == "GET":
            return (200, existing) if existing else (404, {"title": "Cobrança não encontrada"})
        if method == "PATCH":
            if existing is None:
                return 404, {"title": "Cobrança não encontrada"}
            existing.update(request.json())
            existing["revisao"] = int(existing.get("revisao", 0)) + 1
            return 200, existing
        if method == "PUT":
            if existing is not None:
                return 400, {"title": "txid já utilizado", "status": 400}
            body = request.json()
            location_id = next(self._locations)
            location = f"pix.fake.local/qr/v2/{kind}/{location_id:08d}"
            charge = {
                **body,
                "txid": txid,
                "revisao": 0,
                "status": "ATIVA",
                "loc": {"id": location_id, "location": location, "tipoCob": kind},
                "location": location,
                "calendario": {**body.get("calendario", {}), "criacao": _now()},
                "pixCopiaECola": build_dynamic(url=location, name="PSP FAKE", city="SAO PAULO"),
                "_kind": kind,
            }
            self.charges[txid] = charge
            return 201, {key: value for key, value in charge.items() if not key.startswith("_")}
        return 405, {"title": "method not allowed"}

    def _refund(self, e2eid: str, refund_id: str, request: Request) -> Answer:
        pix = self.pix.get(e2eid)
        if pix is None:
            return 404, {"title": "Pix não encontrado"}
        valor = Decimal(str(request.json()["valor"]))
        refund = {
            "id": refund_id,
            "rtrId": "D" + hashlib.sha256(refund_id.encode()).hexdigest()[:31],
            "valor": f"{valor:.2f}",
            "horario": {"solicitacao": _now(), "liquidacao": _now()},
            "status": "DEVOLVIDO",
        }
        pix.setdefault("devolucoes", []).append(refund)
        return 201, refund

    # ------------------------------------------------------------------ playing the payer

    def _admin(self, request: Request, parts: list[str]) -> Answer:
        if len(parts) == 3 and parts[0] == "cobv" and parts[2] == "pay":
            return self.pay(parts[1], request.json())
        if len(parts) == 2 and parts[0] == "notify":
            with self.lock:
                pix = self.pix.get(parts[1])
            if pix is None:
                return 404, {"error": "unknown endToEndId"}
            return self.notify(pix)
        return 404, {"error": "unknown admin route"}

    def pay(self, txid: str, body: dict[str, Any]) -> Answer:
        """The payer pays the cobv; the hub is notified as the PSP would."""
        with self.lock:
            charge = self.charges.get(txid)
            if charge is None or charge["status"] != "ATIVA":
                return 409, {"error": "no active charge with that txid"}
            paid_on = date.fromisoformat(str(body.get("paid_on") or date.today().isoformat()))
            if "valor" in body:
                valor = Decimal(str(body["valor"]))
            else:
                valor = pix_cobv_value(
                    PixCobvValor.from_api(charge["valor"]),
                    date.fromisoformat(charge["calendario"]["dataDeVencimento"]),
                    paid_on,
                    BusinessCalendar(),
                ).valor
            e2eid = "E00000000" + paid_on.strftime("%Y%m%d") + "1200" + secrets.token_hex(5)
            pix = {
                "endToEndId": e2eid,
                "txid": txid,
                "valor": f"{valor:.2f}",
                "chave": charge.get("chave"),
                "horario": f"{paid_on.isoformat()}T15:00:00.000Z",
                "infoPagador": "pagamento",
            }
            self.pix[e2eid] = pix
            charge["status"] = "CONCLUIDA"
            charge.setdefault("pix", []).append(pix)
        return self.notify(pix)

    def notify(self, pix: dict[str, Any]) -> Answer:
        """POST ``{"pix": [pix]}`` to the chave's webhook URL with ``/pix`` appended."""
        with self.lock:
            url = self.webhooks.get(str(pix.get("chave")))
        if url is None:
            return 409, {"error": "no webhook registered for this chave"}
        response = httpx.post(
            f"{url}/pix",
            content=dumps({"pix": [pix]}),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        try:
            answer = response.json()
        except json.JSONDecodeError:
            answer = {"text": response.text}
        return response.status_code, {"hub_status": response.status_code, "hub": answer, "pix": pix}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
