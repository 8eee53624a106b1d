"""SMS by Amazon SNS ``Publish`` to a phone number, kept within one GSM-7 segment.

A message in the GSM 03.38 7-bit alphabet fits 160 characters in one segment; a single
character outside it (``ã``, ``ç``, ``õ``, ``ê`` are outside) switches the whole message to
UCS-2 and 70 characters. Texts are therefore folded to GSM-7 (accents the alphabet lacks are
dropped, those it has are kept) and cut to one segment, counting the extension characters
(``{}[]~|^€\\``) as two.
"""

from __future__ import annotations

import unicodedata

from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    UnknownOutcome,
)
from cobranca.platform import aws

SEGMENT = 160
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
PERMANENT_CODES = frozenset({"InvalidParameter", "InvalidParameterValue", "OptedOut"})


def to_gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: unknown accented letters lose their accent."""
    folded = []
    for character in text:
        if character in GSM7_BASIC or character in GSM7_EXTENSION:
            folded.append(character)
            continue
        base = unicodedata.normalize("NFKD", character)
        plain = "".join(part for part in base if not unicodedata.combining(part))
        folded.append(plain if plain and all(p in GSM7_BASIC for p in plain) else "?")
    return "".join(folded)


def gsm7_length(text: str) -> int:
    """Septets used: extension characters take two."""
    return sum(2 if character in GSM7_EXTENSION else 1 for character in text)


def fit_segment(text: str, limit: int = SEGMENT) -> str:
    """Fold to GSM-7 and cut to one segment, ending with an ellipsis-like ``...`` if cut."""
    folded = to_gsm7(" ".join(text.split()))
    if gsm7_length(folded) <= limit:
        return folded
    while gsm7_length(folded) > limit - 3:
        folded = folded[:-1]
    return folded.rstrip() + "..."


def send_sms(message: OutgoingMessage) -> str:
    """Send one transactional SMS; returns the SNS message id."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    try:
        response = aws.client("sns").publish(
            PhoneNumber=message.to,
            Message=fit_segment(message.text),
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )
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
