"""The customer's offer pages: ``GET /portal/{token}``, ``POST /portal/{token}/accept|decline``.

Pages are server-rendered pt-BR HTML (templates/portal/), readable on a phone and usable with a
keyboard and a screen reader. Responses are never cached and send no Referer, because the URL
itself is the customer's credential; the Step Functions task token never leaves the server.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from cobranca.platform import clock
from cobranca.platform.pages import render
from cobranca.services import links
from cobranca.services.renegotiation import portal

router = Router()  # type: ignore[no-untyped-call]

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "invalid": (
        "Link inválido",
        "Este link não é válido. Confira se o endereço está completo ou fale com a empresa "
        "que enviou a proposta.",
    ),
    "expired": (
        "Proposta expirada",
        "O prazo desta proposta terminou. Fale com a empresa para receber uma nova proposta.",
    ),
    "answered": ("Proposta já respondida", "Esta proposta já foi respondida."),
    "later": (
        "Não foi possível registrar sua resposta",
        "Tente novamente em alguns minutos. Nada foi registrado.",
    ),
}


def _html(status: int, body: str, extra: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=body,
        headers=HEADERS | (extra or {}),
    )


def _offer_page(page: portal.OfferPage, status: int = 200, error: str | None = None) -> str:
    base = links.url_for("offer", page.token)
    expires = page.offer.expires_at
    return render(
        "portal/offer.html",
        title=f"Proposta de acordo — {page.company}",
        company=page.company,
        first_name=page.first_name,
        offer=page.offer,
        agreement=page.agreement,
        labels=page.labels,
        chosen_plan=page.chosen_plan,
        accept_url=f"{base}/accept",
        decline_url=f"{base}/decline",
        expires_at=expires.astimezone(clock.BUSINESS_TZ) if expires else None,
        error=error,
    )


def _problem(error: portal.PortalError) -> Response[str]:
    if isinstance(error, portal.UnknownPlan) and error.page is not None:
        message = "Escolha um dos planos da proposta."
        return _html(error.status, _offer_page(error.page, error=message))
    if isinstance(error, portal.AlreadyAnswered) and error.page is not None:
        return _html(error.status, _offer_page(error.page, error=MESSAGES["answered"][1]))
    title, message = MESSAGES.get(error.kind, MESSAGES["invalid"])
    body = render("portal/message.html", title=title, message=message, company=None, alert=True)
    return _html(error.status, body)


def _form() -> dict[str, str]:
    body = router.current_event.decoded_body or ""
    return {key: values[0] for key, values in parse_qs(body).items() if values}


@router.get("/portal/<token>")
def show_offer(token: str) -> Response[str]:
    try:
        page = portal.open_offer(token)
    except portal.PortalError as error:
        return _problem(error)
    return _html(200, _offer_page(page))


@router.post("/portal/<token>/accept")
def accept_offer(token: str) -> Response[str]:
    try:
        portal.accept(token, _form().get("plan"))
    except portal.PortalError as error:
        return _problem(error)
    # Post/redirect/get: a refresh shows the outcome instead of posting the answer again.
    return _html(303, "", {"Location": links.url_for("offer", token)})


@router.post("/portal/<token>/decline")
def decline_offer(token: str) -> Response[str]:
    try:
        portal.decline(token)
    except portal.PortalError as error:
        return _problem(error)
    return _html(303, "", {"Location": links.url_for("offer", token)})
