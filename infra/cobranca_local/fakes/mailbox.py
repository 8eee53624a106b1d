"""The local outbox: e-mails and SMS the emulator accepted, WhatsApp messages the sink took.

SES and SNS are moto's, in this process: nothing leaves the machine, and what was "sent" is
read back from moto's backends. Starting this fake verifies the SES sender identity (SES
refuses unverified senders) and remembers what earlier hubs in the same process had sent, so
the outbox shows only this hub's messages.
"""

from __future__ import annotations

import email
import os
from collections.abc import Mapping
from email import policy
from typing import Any

from cobranca_local.template import ACCOUNT_ID, REGION


def _ses() -> Any:
    from moto.ses.models import ses_backends

    return ses_backends[ACCOUNT_ID][REGION]


def _sns() -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[ACCOUNT_ID][REGION]


class LocalMailbox:
    """Makes SES usable locally and reads back what SES and SNS accepted."""

    name = "mailbox"

    def __init__(self) -> None:
        self._emails_before = 0
        self._sms_before: set[str] = set()

    def start(self) -> dict[str, str]:
        import boto3

        sender = os.environ.get("SES_SENDER", "cobranca@example.com")
        boto3.session.Session().client("ses", region_name=REGION).verify_email_identity(
            EmailAddress=sender
        )
        self._emails_before = len(_ses().sent_messages)
        self._sms_before = set(_sns().sms_messages)
        return {}

    def stop(self) -> None:
        return

    def emails(self) -> list[dict[str, Any]]:
        found = []
        for message in list(_ses().sent_messages)[self._emails_before :]:
            raw = getattr(message, "raw_data", None)
            if raw is None:
                found.append(
                    {
                        "channel": "email",
                        "id": message.id,
                        "to": ", ".join(
                            address for group in message.destinations.values() for address in group
                        ),
                        "subject": message.subject,
                        "text": message.body,
                    }
                )
                continue
            parsed = email.message_from_string(raw, policy=policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            found.append(
                {
                    "channel": "email",
                    "id": message.id,
                    "to": str(parsed["To"]),
                    "subject": str(parsed["Subject"]),
                    "text": text.get_content() if text is not None else "",
                    "unsubscribe": str(parsed["List-Unsubscribe"] or ""),
                }
            )
        return found

    def sms(self) -> list[dict[str, Any]]:
        return [
            {"channel": "sms", "id": message_id, "to": phone, "subject": "", "text": text}
            for message_id, (phone, text) in list(_sns().sms_messages.items())
            if message_id not in self._sms_before
        ]


def collect_outbox(fakes: Mapping[str, Any], channel: str | None = None) -> list[dict[str, Any]]:
    """Every message the local hub sent, optionally of one channel."""
    messages: list[dict[str, Any]] = []
    mailbox = fakes.get("mailbox")
    if isinstance(mailbox, LocalMailbox):
        messages.extend(mailbox.emails())
        messages.extend(mailbox.sms())
    sink = fakes.get("whatsapp")
    if sink is not None and hasattr(sink, "outbox"):
        messages.extend(sink.outbox())
    return [message for message in messages if channel in (None, message["channel"])]
