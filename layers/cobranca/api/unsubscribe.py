"""Unsubscribe (LGPD consent per channel): the page behind every reminder's opt-out link.

``GET /unsubscribe/{token}`` shows a confirmation page; ``POST /unsubscribe/{token}`` with
``channel=<email|sms|whatsapp|all>`` records the refusal. A mailbox's one-click unsubscribe
(RFC 8058: ``List-Unsubscribe=One-Click`` posted without a choice) refuses the link's own
channel. The token is a signed "unsubscribe" link whose subject is the customer id.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from cobranca.services import links
from cobranca.services.reminders.delivery import opt_out

# Powertools' Router constructor carries no annotations.
router = Router()  # type: ignore[no-untyped-call]

LABELS = {"email": "e-mail", "sms": "SMS", "whatsapp": "WhatsApp", "all": "nenhum canal"}
HTML = "text/html; charset=utf-8"


@lru_cache(maxsize=1)
def _page() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("cobranca", "templates/reminders"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
    )
    return environment.get_template("unsubscribe.html.j2")


def _html(status: int, **context: Any) -> Response[str]:
    defaults = {"done": False, "problem": None, "channel": "email", "channel_label": "e-mail"}
    body = str(_page().render(**(defaults | context)))
    return Response(status, HTML, body, headers={"Cache-Control": "no-store"})


def _claims(token: str) -> links.LinkClaims | Response[str]:
    try:
        return links.verify(token, "unsubscribe")
    except links.LinkExpired:
        return _html(410, problem="Este link expirou. Use o link do lembrete mais recente.")
    except links.LinkInvalid:
        return _html(404, problem="Este link não é válido.")


def _channel(claims: links.LinkClaims) -> str:
    channel = str(claims.extra.get("c") or "email")
    return channel if channel in LABELS else "email"


@router.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response[str]:
    claims = _claims(token)
    if isinstance(claims, Response):
        return claims
    channel = _channel(claims)
    return _html(200, channel=channel, channel_label=LABELS[channel])


@router.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> Response[str]:
    claims = _claims(token)
    if isinstance(claims, Response):
        return claims
    form = parse_qs(str(router.current_event.decoded_body or ""))
    chosen = (form.get("channel") or [_channel(claims)])[0]
    if chosen not in LABELS:
        return _html(422, problem="Escolha um canal válido.")
    opt_out(claims.tenant_id, claims.subject, [chosen], "customer:unsubscribe-link")
    label = "todos os canais" if chosen == "all" else LABELS[chosen]
    return _html(200, done=True, done_label=label)
