"""The payer's payment page, behind a signed "pay" link whose subject is the receivable.

- ``GET /pay/{token}``: mobile-first pt-BR page with the amount updated with multa and juros
  as of today, the Pix QR code (inline SVG) with its copia-e-cola, the linha digitável, the
  printable boleto and the provider's payment link;
- ``GET /pay/{token}/boleto``: the printable boleto (recibo do pagador and ficha de
  compensação) built from the charge's barcode;
- ``GET /pay/{token}/pix.svg`` and ``/pix.png``: the Pix QR code alone.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from cobranca.services import links

# Powertools' Router constructor carries no annotations.
router = Router()  # type: ignore[no-untyped-call]

HTML = "text/html; charset=utf-8"
STATUS_LABELS = {
    "open": "em aberto",
    "partially_paid": "pago em parte",
    "paid": "pago",
    "cancelled": "cancelado",
    "renegotiated": "renegociado",
}


@lru_cache(maxsize=1)
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from cobranca.domain.money import format_brl

    environment = Environment(
        loader=PackageLoader("cobranca", "templates/pay"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    environment.filters["brl"] = format_brl
    environment.filters["data"] = lambda value: value.strftime("%d/%m/%Y") if value else ""
    return environment.get_template("pay.html.j2")


def _html(status: int, body: str) -> Response[str]:
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    return Response(status, HTML, body, headers=headers)


def _problem(status: int, text: str) -> Response[str]:
    return _html(status, str(_template().render(problem=text, page=None)))


def _view(token: str) -> Any:
    from cobranca.services.charging import payment_view

    try:
        claims = links.verify(token, "pay")
    except links.LinkExpired:
        return _problem(410, "Este link de pagamento expirou. Peça um novo link ao credor.")
    except links.LinkInvalid:
        return _problem(404, "Este link de pagamento não é válido.")
    try:
        return payment_view(claims.tenant_id, claims.subject)
    except LookupError:
        return _problem(404, "Não encontramos este título.")


@router.get("/pay/<token>")
def pay_page(token: str) -> Response[str]:
    from markupsafe import Markup

    from cobranca.instruments.boleto import format_linha
    from cobranca.instruments.pix import qr_svg

    view = _view(token)
    if isinstance(view, Response):
        return view
    charge = view.charge
    receivable = view.record.receivable
    pix = charge.get("pix_copia_e_cola")
    linha = charge.get("linha_digitavel")
    page = {
        "creditor": view.tenant.name,
        "number": receivable.number,
        "installment": receivable.installment,
        "installments": receivable.installments,
        "today": view.today,
        "due_date": receivable.due_date,
        "principal": view.principal,
        "fine": view.fine,
        "interest": view.interest,
        "discount": view.discount,
        "total": view.total,
        "days_late": view.days_late,
        "late": view.days_late > 0,
        "settled": view.record.status.value == "paid",
        "closed": not view.record.is_open,
        "status_label": STATUS_LABELS.get(view.record.status.value, view.record.status.value),
        "payable": view.payable,
        "pix": pix,
        # The SVG is generated here from the copia-e-cola alone, never from outside markup.
        "pix_svg": Markup(qr_svg(pix, scale=5)) if pix else None,  # noqa: S704
        "linha": format_linha(linha) if linha and len(linha) == 47 else linha,
        "boleto_link": f"/pay/{token}/boleto"
        if charge.get("barcode")
        else charge.get("boleto_url"),
        "payment_url": charge.get("payment_url"),
    }
    return _html(200, str(_template().render(page=page, problem=None)))


@router.get("/pay/<token>/<asset>")
def pay_asset(token: str, asset: str) -> Response[str]:
    view = _view(token)
    if isinstance(view, Response):
        return view
    charge = view.charge
    if asset == "boleto":
        if not charge.get("barcode"):
            return _problem(404, "Este título não tem boleto para imprimir.")
        return _html(200, _boleto(view))
    if asset in ("pix.svg", "pix.png"):
        from cobranca.instruments.pix import qr_png, qr_svg

        pix = charge.get("pix_copia_e_cola")
        if not pix:
            return _problem(404, "Este título não tem código Pix.")
        if asset == "pix.svg":
            return Response(200, "image/svg+xml", qr_svg(pix, scale=8))
        # The resolver validates bodies as text, so the PNG goes out already in base64.
        image = Response(200, "image/png", base64.b64encode(qr_png(pix)).decode("ascii"))
        image.base64_encoded = True
        return image
    return _problem(404, "Página não encontrada.")


def _boleto(view: Any) -> str:
    from cobranca.instruments.boleto import BoletoPage, Party, parse_boleto, render_boleto_page

    charge = view.charge
    receivable = view.record.receivable
    boleto = parse_boleto(str(charge["barcode"]), reference_date=receivable.due_date)
    customer = view.customer
    pagador = Party(
        name=customer.name if customer else "",
        document=customer.document if customer else "",
        address=_address(customer),
    )
    fine = charge.get("fine_percent")
    interest = charge.get("interest_percent_per_month")
    instructions = []
    if fine:
        instructions.append(f"Após o vencimento, cobrar multa de {fine}%.")
    if interest:
        instructions.append(f"Após o vencimento, cobrar juros de mora de {interest}% ao mês.")
    page = BoletoPage(
        boleto=boleto,
        beneficiario=Party(name=view.tenant.name, document=view.tenant.document),
        pagador=pagador,
        nosso_numero=str(charge.get("nosso_numero") or ""),
        agencia_codigo_beneficiario=str(charge.get("agencia_codigo") or ""),
        numero_documento=receivable.number,
        carteira=str(charge.get("carteira") or ""),
        data_documento=receivable.issue_date,
        data_processamento=view.today,
        instrucoes=tuple(instructions),
    )
    return render_boleto_page(page)


def _address(customer: Any) -> tuple[str, ...]:
    if customer is None:
        return ()
    address = customer.address
    street = " ".join(part for part in (address.street, address.number) if part)
    city = " - ".join(part for part in (address.city, address.state) if part)
    return tuple(part for part in (street, address.district, city, address.postal_code) if part)
