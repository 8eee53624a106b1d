"""WhatsApp Cloud API template messages over httpx, the token from Secrets Manager.

``POST {base}/{version}/{phone_number_id}/messages`` with an approved template, its language
and body parameters. ``biz_opaque_callback_data`` carries the hub's message reference, which
the Cloud API echoes in every status webhook for that message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    UnknownOutcome,
)
from cobranca.adapters.secrets import get_json
from cobranca.platform.settings import get_settings

if TYPE_CHECKING:
    import httpx

API_VERSION = "v21.0"
TIMEOUT_SECONDS = 10.0
CONNECT_SECONDS = 3.0
# Cloud API errors that no retry fixes: invalid parameter, recipient not on WhatsApp or not
# allowed, template missing or with the wrong parameters, re-engagement required.
PERMANENT_CODES = frozenset({100, 131008, 131009, 131026, 131030, 131047, 132000, 132001, 132012})


def credentials() -> dict[str, Any]:
    """Token, phone number id and app secret (cached by the secrets layer)."""
    return get_json(get_settings().whatsapp_secret_name)


def request_body(message: OutgoingMessage) -> dict[str, Any]:
    """The Cloud API body of a template message."""
    if message.whatsapp is None:
        raise ValueError("a WhatsApp message needs a template")
    template = message.whatsapp
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.lstrip("+"),
        "type": "template",
        "template": {
            "name": template.name,
            "language": {"code": template.language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": text} for text in template.parameters],
                }
            ],
        },
        "biz_opaque_callback_data": message.reference,
    }


def send_whatsapp(message: OutgoingMessage, client: httpx.Client | None = None) -> str:
    """Send one template message; returns the ``wamid``."""
    import httpx

    secret = credentials()
    url = (
        f"{get_settings().whatsapp_api_url.rstrip('/')}/{API_VERSION}/"
        f"{secret['phone_number_id']}/messages"
    )
    headers = {"Authorization": f"Bearer {secret['token']}"}
    owned = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_SECONDS))
    try:
        response = http.post(url, json=request_body(message), headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout) as unreachable:
        raise TransientFailure(f"WhatsApp unreachable: {type(unreachable).__name__}") from None
    finally:
        if owned:
            http.close()
    if response.status_code == 200:
        return str(response.json()["messages"][0]["id"])
    problem = _error(response)
    code = int(problem.get("code") or 0)
    if response.status_code in {400, 404} and code in PERMANENT_CODES:
        raise PermanentFailure(str(code), str(problem.get("message", "")))
    if response.status_code in {401, 403, 429}:
        # Refused before processing: bad token or rate limit; the message was not taken.
        raise TransientFailure(f"WhatsApp answered {response.status_code} (code {code})")
    raise UnknownOutcome(f"WhatsApp answered {response.status_code} (code {code})")


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
