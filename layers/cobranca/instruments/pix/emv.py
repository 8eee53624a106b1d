"""EMV merchant-presented TLV: two-digit ID, two-digit length, value.

The length counts characters of the value, as EMV QRCPS defines it for its string formats
(the BR Code manual follows EMV); the CRC alone works on bytes. "6008BRASÍLIA" is therefore a
valid city of eight characters, nine bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_VALUE_LENGTH = 99


class TLVError(ValueError):
    """Malformed TLV data; ``field`` names the template or object where reading stopped."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class DataObject:
    """One ID-length-value object; ``position`` is its 0-based offset in the text read."""

    id: str
    value: str
    position: int


def tlv(object_id: str, value: str) -> str:
    """Serialise one object; the length is the value's character count (at most 99)."""
    if len(object_id) != 2 or not _is_ascii_digits(object_id):
        raise TLVError(object_id, f"ID {object_id!r} must be two digits")
    if len(value) > MAX_VALUE_LENGTH:
        raise TLVError(object_id, f"ID {object_id} value has {len(value)} characters, at most 99")
    return f"{object_id}{len(value):02d}{value}"


def read_tlv(text: str, *, template: str = "payload") -> list[DataObject]:
    """Split ``text`` into data objects, failing with the position of the first bad header."""
    objects: list[DataObject] = []
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4:
            raise TLVError(template, f"{template}: truncated header at position {position}")
        object_id, length_text = header[:2], header[2:]
        if not _is_ascii_digits(object_id):
            raise TLVError(template, f"{template}: ID {object_id!r} at position {position}")
        if not _is_ascii_digits(length_text):
            raise TLVError(
                template,
                f"{template}: ID {object_id} at position {position} has length "
                f"{length_text!r}, not two digits",
            )
        length = int(length_text)
        start = position + 4
        value = text[start : start + length]
        if len(value) < length:
            raise TLVError(
                template,
                f"{template}: ID {object_id} declares {length} characters, "
                f"only {len(value)} remain",
            )
        objects.append(DataObject(object_id, value, position))
        position = start + length
    return objects


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also takes "²" (int() then fails) and full-width or Arabic-Indic digits.
    return text.isascii() and text.isdigit()
