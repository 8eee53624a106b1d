"""Annotated field types shared by the canonical models: money, identifiers, documents."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints

from cobranca.domain.documents import check_document
from cobranca.domain.money import money

_KEY_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$")


def _to_money(value: Any) -> Decimal:
    if isinstance(value, float):
        # JSON numbers arrive as floats from some parsers; go through their shortest repr so
        # 588.3 stays 588.30 and never becomes 588.29999.
        value = repr(value)
    if isinstance(value, Decimal | int | str):
        return money(value)
    raise ValueError(f"not an amount: {value!r}")


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _document(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("document must be a string")
    check = check_document(value)
    if not check.valid or check.normalized is None:
        raise ValueError(f"invalid CPF/CNPJ: {check.reason}")
    return check.normalized


def _key_safe(value: Any) -> str:
    text = str(value).strip()
    if not _KEY_SAFE.match(text):
        raise ValueError("identifier must be 1-128 characters of letters, digits and . _ : / @ + -")
    return text


Money = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
]
"""An amount in reais with two places; serialised to JSON as a string ("1234.50")."""

PositiveMoney = Annotated[Money, AfterValidator(_non_negative)]

Document = Annotated[str, BeforeValidator(_document)]
"""A CPF or CNPJ, validated and normalised to its bare characters."""

ExternalId = Annotated[str, BeforeValidator(_key_safe)]
"""An identifier from outside (ERP id, provider id) that is safe inside a table key."""

TenantId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
"""A tenant's slug: lower-case letters, digits and hyphens, 2-40 characters."""
