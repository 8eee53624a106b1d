"""E-mail by Amazon SES ``SendRawEmail``: HTML and text parts, one-click unsubscribe headers.

Raw MIME is used (rather than ``SendEmail``) because large mailbox providers require the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 8058) on bulk mail, and only a
raw message can carry them. The configuration set (``SES_CONFIGURATION_SET``) publishes send,
delivery, bounce and complaint events to the e-mail events topic; message tags carry the
tenant and the hub's message reference so each event finds its reminder.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    UnknownOutcome,
)
from cobranca.platform import aws
from cobranca.platform.settings import get_settings

_TAG_SAFE = re.compile(r"[^A-Za-z0-9_-]")
PERMANENT_CODES = frozenset({"MessageRejected", "InvalidParameterValue", "AccountSendingPaused"})


def configuration_set() -> str | None:
    """The SES configuration set that publishes this stage's e-mail events, if any."""
    return get_settings().ses_configuration_set or None


def tag_value(text: str) -> str:
    """SES tag values allow letters, digits, ``_`` and ``-`` only, up to 256 characters."""
    return _TAG_SAFE.sub("_", text)[:256]


def build_mime(message: OutgoingMessage, sender: str, sender_name: str) -> EmailMessage:
    """The MIME message: text first, HTML as the alternative, unsubscribe headers."""
    mime = EmailMessage()
    mime["From"] = formataddr((sender_name, sender))
    mime["To"] = message.to
    mime["Subject"] = message.subject
    domain = sender.rsplit("@", maxsplit=1)[-1]
    mime["Message-ID"] = make_msgid(idstring=message.reference, domain=domain)
    if message.unsubscribe_url:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text, charset="utf-8")
    if message.html:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    return mime


def send_email(message: OutgoingMessage, *, sender_name: str = "Cobrança") -> str:
    """Send one e-mail; returns the SES message id."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    sender = get_settings().ses_sender
    mime = build_mime(message, sender, message.tags.get("sender_name", sender_name))
    request: dict[str, Any] = {
        "Source": sender,
        "Destinations": [message.to],
        "RawMessage": {"Data": mime.as_bytes()},
        "Tags": [
            {"Name": "tenant", "Value": tag_value(message.tenant_id)},
            {"Name": "reference", "Value": tag_value(message.reference)},
        ],
    }
    if configuration_set():
        request["ConfigurationSetName"] = configuration_set()
    try:
        response = aws.client("ses").send_raw_email(**request)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        detail = str(error.response.get("Error", {}).get("Message", ""))
        if code in PERMANENT_CODES:
            raise PermanentFailure(code, detail) from None
        if int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)) >= 500:
            raise UnknownOutcome(f"{code}: {detail}") from None
        raise TransientFailure(f"{code}: {detail}") from None
    except EndpointConnectionError as error:
        raise TransientFailure(str(error)) from None
    return str(response["MessageId"])
