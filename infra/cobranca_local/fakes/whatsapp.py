"""A local WhatsApp Cloud API sink: template messages are recorded, nothing leaves the machine.

- ``POST /{version}/{phone_number_id}/messages``: a template message (bearer token required);
  answers like the Cloud API (``contacts`` and ``messages[0].id`` as a ``wamid``) and records it;
- ``GET /_sink/messages``: every recorded message;
- ``POST /_fake/unreachable`` ``{"phone": "+55..."}``: that number is not on WhatsApp from now
  on (answered with error 131026);
- :meth:`WhatsAppSink.status_webhook` builds the Cloud API status webhook for recorded messages,
  for tests that play Meta's side and post it to the hub.
Faults (``/_fake/faults``) come from :class:`JsonFake`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from cobranca_local.fakes.jsonhttp import Answer, JsonFake, Request


class WhatsAppSink(JsonFake):
    """Records template messages the hub sends."""

    name = "whatsapp"

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []
        self.unreachable: set[str] = set()
        self._ids = itertools.count(1)

    def start(self) -> dict[str, str]:
        return {"WHATSAPP_API_URL": self.serve()}

    def handle(self, request: Request) -> Answer:
        parts = [part for part in request.path.split("/") if part]
        if parts == ["_sink", "messages"] and request.method == "GET":
            with self.lock:
                return 200, {"messages": list(self.messages)}
        if parts == ["_fake", "unreachable"] and request.method == "POST":
            with self.lock:
                self.unreachable.add(str(request.json()["phone"]).lstrip("+"))
            return 200, {"ok": True}
        if len(parts) == 3 and parts[2] == "messages" and request.method == "POST":
            return self._message(parts[1], request)
        return 404, {"error": {"message": f"Unknown path {request.path}", "code": 100}}

    def _message(self, phone_number_id: str, request: Request) -> Answer:
        token = (request.header("Authorization") or "").removeprefix("Bearer ").strip()
        if not token:
            return 401, {"error": {"message": "Missing access token", "code": 190}}
        body = request.json()
        template = body.get("template") or {}
        if body.get("messaging_product") != "whatsapp" or body.get("type") != "template":
            return 400, {"error": {"message": "Only template messages here", "code": 100}}
        to = str(body.get("to") or "")
        if not to.isdigit() or not template.get("name"):
            return 400, {"error": {"message": "Invalid parameter", "code": 100}}
        if to in self.unreachable:
            return 400, {"error": {"message": "Message undeliverable", "code": 131026}}
        parameters = [
            str(parameter.get("text"))
            for component in template.get("components") or []
            for parameter in component.get("parameters") or []
        ]
        wamid = "wamid." + base64.b64encode(f"local-{next(self._ids)}".encode()).decode()
        record = {
            "id": wamid,
            "phone_number_id": phone_number_id,
            "to": to,
            "template": template["name"],
            "language": (template.get("language") or {}).get("code"),
            "parameters": parameters,
            "reference": body.get("biz_opaque_callback_data"),
            "at": int(time.time()),
        }
        with self.lock:
            self.messages.append(record)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    def status_webhook(
        self, status: str = "delivered", messages: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A Cloud API status webhook body for ``messages`` (all recorded ones by default)."""
        chosen = self.messages if messages is None else messages
        statuses = [
            {
                "id": message["id"],
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": message["to"],
                **(
                    {"biz_opaque_callback_data": message["reference"]}
                    if message["reference"]
                    else {}
                ),
            }
            for message in chosen
        ]
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "local-waba",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "000000000000000"},
                                "statuses": statuses,
                            },
                        }
                    ],
                }
            ],
        }

    @staticmethod
    def sign(body: bytes, app_secret: str) -> str:
        """The ``X-Hub-Signature-256`` header Meta sends with a webhook."""
        return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()

    def outbox(self) -> list[dict[str, Any]]:
        """Recorded messages in the local outbox's shape."""
        with self.lock:
            return [
                {
                    "channel": "whatsapp",
                    "id": message["id"],
                    "to": "+" + message["to"],
                    "subject": message["template"],
                    "text": json.dumps(message["parameters"], ensure_ascii=False),
                    "reference": message["reference"],
                }
                for message in self.messages
            ]
