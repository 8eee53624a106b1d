"""Masking of personal data (LGPD) in anything that leaves the process as text: logs above all.

Two nets: values under keys that name personal data are masked whatever they look like, and
every other string is swept for shapes of CPF, CNPJ, e-mail and phone numbers, because personal
data also hides in free text (an error message quoting a payload, a name inside a description).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

# Keys whose values are personal data whatever their shape (compared lower-cased).
PERSONAL_KEYS = frozenset(
    {
        "name",
        "nome",
        "customer_name",
        "payer_name",
        "legal_name",
        "document",
        "documento",
        "cpf",
        "cnpj",
        "tax_id",
        "cpf_cnpj",
        "cpfcnpj",
        "email",
        "emails",
        "e-mail",
        "phone",
        "phones",
        "mobile",
        "mobile_phone",
        "mobilephone",
        "telefone",
        "whatsapp",
        "address",
        "endereco",
        "street",
        "logradouro",
        "to",
        "recipient",
        "destination",
        "phone_number",
        "infopagador",
    }
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CNPJ = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}(?![0-9A-Za-z])"
)
_CPF = re.compile(r"(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)")
# Brazilian phones with optional +55 and area code, with or without separators.
_PHONE = re.compile(r"(?<![\d])(?:\+?55[\s.-]?)?\(?\d{2}\)?[\s.-]?9?\d{4}[\s.-]?\d{4}(?![\d])")


# Request and correlation ids are UUIDs whose digit runs look like phones and CPFs; masking
# them would break the one thing they are for (finding a request's log lines), so they are kept.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def mask_text(text: str) -> str:
    """Replace e-mails, CNPJs, CPFs and phone numbers found in free text; UUIDs stay whole."""
    if not text:
        return text
    # E-mails first, on the whole text: a local part may itself contain a UUID.
    text = _EMAIL.sub(MASK, text)
    kept = _UUID.findall(text)
    if kept:
        pieces = [_mask_shapes(piece) for piece in _UUID.split(text)]
        return "".join(p + k for p, k in zip(pieces, [*kept, ""], strict=True))
    return _mask_shapes(text)


def _mask_shapes(text: str) -> str:
    """CNPJs, CPFs and phones (e-mails are already masked by the caller)."""
    text = _CNPJ.sub(_mask_cnpj_like, text)
    text = _CPF.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def _mask_cnpj_like(match: re.Match[str]) -> str:
    # Pure letters (a long word) look like an alphanumeric CNPJ to the pattern; a CNPJ has
    # numeric check digits and, in practice, digits in its body.
    value = match.group(0)
    if sum(character.isdigit() for character in value) < 4:
        return value
    return MASK


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask a structure recursively: personal keys wholesale, other strings by pattern."""
    if key is not None and key.lower() in PERSONAL_KEYS and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(item) for item in value]
    return value
