"""Outbound message channels: e-mail by SES, SMS by SNS, WhatsApp by the Cloud API.

Each adapter takes an :class:`OutgoingMessage` and returns the provider's message id, or
raises :class:`PermanentFailure` (this message will never go: bad address, number not on
WhatsApp) or :class:`TransientFailure` (it was certainly not accepted: throttled, refused
credentials, unreachable; retry later). :class:`UnknownOutcome` (a 5xx) and any other exception
(a timeout after the request left) mean the outcome is unknown: the sender's marker protocol
decides what to do then.

None of the three providers accepts an idempotency key on a send, so exactly-once is kept by
the sender's per-receivable markers; each message still carries its ``reference`` where the
provider echoes it back in status events (SES message tags, WhatsApp
``biz_opaque_callback_data``), which is how a crash between send and record is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChannelName = Literal["email", "sms", "whatsapp"]


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp template and its body parameters, in order."""

    name: str
    language: str
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message to one contact."""

    channel: ChannelName
    to: str
    reference: str
    tenant_id: str
    subject: str = ""
    text: str = ""
    html: str = ""
    whatsapp: WhatsAppTemplate | None = None
    unsubscribe_url: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class PermanentFailure(Exception):
    """The provider refused this message for good; ``code`` is the provider's reason."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class TransientFailure(Exception):
    """The provider certainly did not accept the message (throttled, unreachable); retry."""


class UnknownOutcome(Exception):
    """The request reached the provider but its answer says nothing certain (a 5xx)."""


def send(message: OutgoingMessage) -> str:
    """Send on the message's channel; returns the provider's message id."""
    if message.channel == "email":
        from cobranca.adapters.channels.email_ses import send_email

        return send_email(message)
    if message.channel == "sms":
        from cobranca.adapters.channels.sms_sns import send_sms

        return send_sms(message)
    from cobranca.adapters.channels.whatsapp import send_whatsapp

    return send_whatsapp(message)
