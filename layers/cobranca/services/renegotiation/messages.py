"""The renegotiation's messages: the offer (with the signed portal link) and the confirmation.

Channels are tried in the tenant's order (``policy.channels``), each only with the customer's
consent and a valid contact; a channel that refuses for good falls through to the next. E-mail
is rendered from ``templates/renegotiation/``; WhatsApp uses approved templates whose body
parameters are the customer's first name, the amount and the link.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    WhatsAppTemplate,
    send,
)
from cobranca.adapters.storage.records import CustomerRecord
from cobranca.domain.money import format_brl
from cobranca.platform.observability import logger
from cobranca.platform.pages import render
from cobranca.services.renegotiation.errors import NoContactChannel, TransientError
from cobranca.services.renegotiation.store import Agreement, Offer, TenantContext

OFFER_TEMPLATE = "oferta_acordo"
CONFIRMATION_TEMPLATE = "acordo_confirmado"
WHATSAPP_LANGUAGE = "pt_BR"


@dataclass(frozen=True)
class Sent:
    """Which channel carried a message and the provider's id."""

    channel: str
    message_id: str


def _contacts(context: TenantContext, customer: CustomerRecord) -> Iterator[tuple[str, str]]:
    profile = customer.customer
    for channel in context.policy.channels:
        if not profile.consent.allows(channel):
            continue
        addresses = profile.emails if channel == "email" else profile.phones
        for address in addresses:
            if address not in profile.invalid_contacts:
                yield channel, address
                break


def _deliver(
    context: TenantContext,
    customer: CustomerRecord,
    reference: str,
    email: dict[str, str],
    whatsapp: WhatsAppTemplate,
) -> Sent:
    refused: list[str] = []
    for channel, address in _contacts(context, customer):
        message = OutgoingMessage(
            channel="email" if channel == "email" else "whatsapp",
            to=address,
            reference=reference,
            tenant_id=context.tenant_id,
            subject=email["subject"],
            text=email["text"],
            html=email["html"],
            whatsapp=whatsapp if channel == "whatsapp" else None,
            tags={"sender_name": context.tenant.name},
        )
        try:
            message_id = send(message)
        except PermanentFailure as failure:
            logger.warning(
                "channel refused the message",
                extra={"tenant": context.tenant_id, "reference": reference, "code": failure.code},
            )
            refused.append(channel)
            continue
        except TransientFailure as failure:
            raise TransientError(str(failure)) from None
        return Sent(channel, message_id)
    raise NoContactChannel(
        f"no consented channel reached the customer (refused: {', '.join(refused) or 'none'})"
    )


def _first_name(customer: CustomerRecord) -> str:
    return customer.customer.name.split()[0] if customer.customer.name.split() else ""


def send_offer(
    context: TenantContext,
    customer: CustomerRecord,
    offer: Offer,
    link: str,
    expires_at: datetime,
) -> Sent:
    """Send the offer and its signed link on the first channel that takes it."""
    values: dict[str, Any] = {
        "company": context.tenant.name,
        "first_name": _first_name(customer),
        "debt": offer.debt,
        "plans": offer.plans,
        "link": link,
        "expires_at": expires_at,
    }
    email = {
        "subject": f"{context.tenant.name}: proposta de acordo para quitar seu débito",
        "text": render("renegotiation/offer_email.txt", **values),
        "html": render("renegotiation/offer_email.html", **values),
    }
    whatsapp = WhatsAppTemplate(
        OFFER_TEMPLATE,
        WHATSAPP_LANGUAGE,
        (_first_name(customer), format_brl(offer.debt.total), link),
    )
    return _deliver(context, customer, f"offer:{offer.offer_id}", email, whatsapp)


def send_confirmation(
    context: TenantContext, customer: CustomerRecord, agreement: Agreement
) -> Sent:
    """Confirm the agreement in force, with its parcelas and due dates."""
    values: dict[str, Any] = {
        "company": context.tenant.name,
        "first_name": _first_name(customer),
        "agreement": agreement,
        "installments": agreement.installments,
    }
    email = {
        "subject": f"{context.tenant.name}: acordo {agreement.agreement_id} confirmado",
        "text": render("renegotiation/agreement_email.txt", **values),
        "html": render("renegotiation/agreement_email.html", **values),
    }
    whatsapp = WhatsAppTemplate(
        CONFIRMATION_TEMPLATE,
        WHATSAPP_LANGUAGE,
        (_first_name(customer), agreement.agreement_id, format_brl(agreement.total)),
    )
    return _deliver(context, customer, f"agreement:{agreement.agreement_id}", email, whatsapp)
