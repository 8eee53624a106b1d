"""Typed transforms: the steps a selected value goes through before it becomes a field.

Each step is a small pydantic model keyed by ``op``; a field's ``steps`` run in order, each
taking the previous value. A step that cannot convert its input raises :class:`StepError` with
a message naming the value, and the mapping reports it against the field. ``None`` (nothing
selected) passes through every step untouched, so defaults and ``required`` decide about it.

=============  ==================================================================  ==========
op             what it does                                                        example
=============  ==================================================================  ==========
``string``     any scalar to text, trimmed                                          ``42``
``strip``      trims text                                                           ``" a "``
``upper``      upper-cases text (``lower`` lower-cases)                             ``"sp"``
``digits``     keeps only the digits                                                ``"11.2-3"``
``decimal``    an amount: ``style`` ``br`` ("1.234,56"), ``plain`` ("1234.56"),     ``"1,50"``
               ``auto`` (decides by the separators); numbers are taken as written
``cents``      integer centavos to reais                                            ``12345``
``int``        a whole number (from ``"003"`` or ``3``)                             ``"003"``
``date``       a date; ``format`` ``iso`` or a strptime pattern ("%d/%m/%Y");      ``"05/11/2026"``
               a datetime keeps its date in ``timezone``
``datetime``   an aware datetime; ``format`` ``iso`` or strptime; naive values are
               read in ``timezone`` (default UTC)
``timestamp``  Unix seconds to an aware datetime                                    ``1764864000``
``map``        looks the value up in ``values`` (keys compared as text); ``default``
               when absent, else an error naming the allowed values
``document``   a CPF or CNPJ, validated and reduced to its characters
``regex``      the ``group`` of ``pattern`` (an error when it does not match)       ``"1/3"``
``split``      the ``index``-th part of the text split on ``separator``
``prefix``     prepends ``value`` to the text (namespacing ERP ids)
``bool``       ``true``/``false`` lists of accepted spellings
``first``      the first element of a list (``None`` for an empty one)
``join``       a list of texts joined with ``separator``
=============  ==================================================================  ==========
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cobranca.domain.documents import check_document
from cobranca.domain.money import MoneyError, from_cents, money, parse_brl


class StepError(ValueError):
    """A value a step cannot convert; the message is shown to the operator."""


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def apply(self, value: Any) -> Any:
        raise NotImplementedError


def _text(value: Any, op: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        raise StepError(f"{op}: expected text, got {type(value).__name__} {value!r}")
    return str(value)


class StringStep(_Step):
    op: Literal["string"]

    def apply(self, value: Any) -> Any:
        return _text(value, "string").strip()


class StripStep(_Step):
    op: Literal["strip"]

    def apply(self, value: Any) -> Any:
        return _text(value, "strip").strip()


class UpperStep(_Step):
    op: Literal["upper"]

    def apply(self, value: Any) -> Any:
        return _text(value, "upper").upper()


class LowerStep(_Step):
    op: Literal["lower"]

    def apply(self, value: Any) -> Any:
        return _text(value, "lower").lower()


class DigitsStep(_Step):
    op: Literal["digits"]

    def apply(self, value: Any) -> Any:
        return "".join(character for character in _text(value, "digits") if character.isdigit())


class DecimalStep(_Step):
    op: Literal["decimal"]
    style: Literal["br", "plain", "auto"] = "auto"

    def apply(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise StepError(f"decimal: not an amount: {value!r}")
        if isinstance(value, Decimal | int):
            return money(value)
        if isinstance(value, float):
            # A JSON number parsed as float: its shortest repr is what the sender wrote.
            return money(repr(value))
        text = _text(value, "decimal").strip().replace("R$", "").strip()
        style = self.style
        if style == "auto":
            style = "br" if "," in text else "plain"
        try:
            return parse_brl(text) if style == "br" else money(text)
        except (MoneyError, InvalidOperation):
            expected = "1.234,56" if style == "br" else "1234.56"
            raise StepError(f"decimal: {value!r} is not an amount like {expected}") from None


class CentsStep(_Step):
    op: Literal["cents"]

    def apply(self, value: Any) -> Any:
        try:
            return from_cents(int(_text(value, "cents")))
        except (TypeError, ValueError):
            raise StepError(f"cents: {value!r} is not a whole number of centavos") from None


class IntStep(_Step):
    op: Literal["int"]

    def apply(self, value: Any) -> Any:
        if isinstance(value, bool):
            raise StepError(f"int: not a number: {value!r}")
        if isinstance(value, int):
            return value
        text = _text(value, "int").strip()
        if isinstance(value, Decimal | float):
            if value != int(value):
                raise StepError(f"int: {value!r} is not whole")
            return int(value)
        if not re.fullmatch(r"[+-]?\d+", text):
            raise StepError(f"int: {value!r} is not a whole number")
        return int(text)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}") from None


def _check_format(pattern: str) -> str:
    if pattern == "iso":
        return pattern
    if "%" not in pattern:
        raise ValueError("format must be 'iso' or a strptime pattern like %d/%m/%Y")
    try:
        datetime(2026, 1, 2, 3, 4, 5).strftime(pattern)
    except ValueError as error:
        raise ValueError(f"bad format {pattern!r}: {error}") from None
    return pattern


class DateStep(_Step):
    op: Literal["date"]
    format: str = "iso"
    timezone: str = "America/Sao_Paulo"

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        return _check_format(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value

    def apply(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return _aware(value, self.timezone).astimezone(_zone(self.timezone)).date()
        if isinstance(value, date):
            return value
        text = _text(value, "date").strip()
        try:
            if self.format == "iso":
                if "T" in text or " " in text:
                    parsed = datetime.fromisoformat(text)
                    return _aware(parsed, self.timezone).astimezone(_zone(self.timezone)).date()
                return date.fromisoformat(text)
            return datetime.strptime(text, self.format).date()
        except ValueError:
            shown = "YYYY-MM-DD" if self.format == "iso" else self.format
            raise StepError(f"date: {value!r} does not match {shown}") from None


def _aware(value: datetime, zone: str) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=_zone(zone))


class DatetimeStep(_Step):
    op: Literal["datetime"]
    format: str = "iso"
    timezone: str = "UTC"

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        return _check_format(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value

    def apply(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return _aware(value, self.timezone)
        text = _text(value, "datetime").strip()
        try:
            if self.format == "iso":
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                parsed = datetime.strptime(text, self.format)
        except ValueError:
            shown = "ISO 8601" if self.format == "iso" else self.format
            raise StepError(f"datetime: {value!r} does not match {shown}") from None
        return _aware(parsed, self.timezone)


class TimestampStep(_Step):
    op: Literal["timestamp"]

    def apply(self, value: Any) -> Any:
        try:
            seconds = int(Decimal(_text(value, "timestamp")))
        except (InvalidOperation, ValueError):
            raise StepError(f"timestamp: {value!r} is not Unix seconds") from None
        return datetime.fromtimestamp(seconds, tz=UTC)


class MapStep(_Step):
    op: Literal["map"]
    values: dict[str, Any] = Field(min_length=1)
    default: Any = None

    def apply(self, value: Any) -> Any:
        key = str(value).strip() if not isinstance(value, bool) else str(value).lower()
        if key in self.values:
            return self.values[key]
        if "default" in self.model_fields_set:
            return self.default
        allowed = ", ".join(sorted(self.values))
        raise StepError(f"map: {value!r} is not one of {allowed}")


class DocumentStep(_Step):
    op: Literal["document"]

    def apply(self, value: Any) -> Any:
        check = check_document(_text(value, "document"))
        if not check.valid:
            raise StepError(f"document: not a valid CPF/CNPJ ({check.reason})")
        return check.normalized


class RegexStep(_Step):
    op: Literal["regex"]
    pattern: str
    group: int | str = 1

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"pattern does not compile: {error}") from None
        return value

    def apply(self, value: Any) -> Any:
        found = re.search(self.pattern, _text(value, "regex"))
        if found is None:
            raise StepError(f"regex: {value!r} does not match {self.pattern}")
        try:
            return found.group(self.group)
        except IndexError:
            raise StepError(f"regex: no group {self.group!r} in {self.pattern}") from None


class SplitStep(_Step):
    op: Literal["split"]
    separator: str = Field(min_length=1)
    index: int = 0

    def apply(self, value: Any) -> Any:
        parts = _text(value, "split").split(self.separator)
        try:
            return parts[self.index].strip()
        except IndexError:
            raise StepError(f"split: {value!r} has no part {self.index}") from None


class PrefixStep(_Step):
    op: Literal["prefix"]
    value: str = Field(min_length=1)

    def apply(self, value: Any) -> Any:
        return f"{self.value}{_text(value, 'prefix')}"


class BoolStep(_Step):
    op: Literal["bool"]
    true: list[str] = Field(default_factory=lambda: ["true", "1", "s", "sim", "y", "yes"])
    false: list[str] = Field(default_factory=lambda: ["false", "0", "n", "nao", "não", "no"])

    def apply(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in [item.lower() for item in self.true]:
            return True
        if text in [item.lower() for item in self.false]:
            return False
        raise StepError(f"bool: {value!r} is neither true nor false")


class FirstStep(_Step):
    op: Literal["first"]

    def apply(self, value: Any) -> Any:
        if isinstance(value, list):
            return value[0] if value else None
        return value


class JoinStep(_Step):
    op: Literal["join"]
    separator: str = ", "

    def apply(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return self.separator.join(str(item) for item in value if item not in (None, ""))


Step = Annotated[
    StringStep
    | StripStep
    | UpperStep
    | LowerStep
    | DigitsStep
    | DecimalStep
    | CentsStep
    | IntStep
    | DateStep
    | DatetimeStep
    | TimestampStep
    | MapStep
    | DocumentStep
    | RegexStep
    | SplitStep
    | PrefixStep
    | BoolStep
    | FirstStep
    | JoinStep,
    Field(discriminator="op"),
]


def run_steps(steps: list[Any], value: Any) -> Any:
    """Apply ``steps`` in order; ``None`` passes through untouched."""
    for step in steps:
        if value is None:
            return None
        value = step.apply(value)
    return value
