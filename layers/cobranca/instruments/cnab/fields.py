"""Fixed-width CNAB fields: the declarative layout tables and the one place values are formatted.

A CNAB record is a line of fixed width (240 or 400 characters) cut into fields at positions the
bank's manual gives, counted from 1 with both ends inclusive. Each layout in this package is a
:class:`RecordLayout`: a tuple of :class:`Field` rows copied from the manual, so a reader can
check a position against the PDF without reading any slicing code.

Field kinds follow the manuals' picture notation:

- ``NUM`` (picture ``9``): digits, right-aligned, zero-padded. A value too long is an error,
  never truncated, because a cut number is a different number.
- ``ALPHA`` (picture ``X``): text, left-aligned, space-padded and truncated to the width. Banks
  take plain ASCII in upper case, so accents are removed (``São`` -> ``SAO``) and anything left
  outside printable ASCII becomes a space.
- ``AMOUNT`` (picture ``9(n)V99``): an amount in reais written as whole centavos, through
  :mod:`cobranca.domain.money` (never ``float``).
- ``DATE6`` / ``DATE8``: ``DDMMAA`` and ``DDMMAAAA``; all zeros (or blanks) means "no date".

Reading is strict: a numeric field holding anything but digits, or a date that does not exist,
raises :class:`CnabError` naming the line, the field and its positions. A field left entirely
blank reads as zero / no date, because banks right-trim lines and blank out unused amounts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from cobranca.domain.money import ZERO, from_cents, money, to_cents

# Two-digit years in DDMMAA dates: CNAB 400 predates 2000, and a file from 1970-1999 is
# still conceivable in an archive, so years 70-99 are 19xx and 00-69 are 20xx.
_CENTURY_PIVOT = 70


class CnabError(ValueError):
    """A CNAB file or value that cannot be read or written; the message names line and field."""

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {reason}" if prefix else reason)


class Kind(Enum):
    """How a field's characters encode its value (the manuals' picture clause)."""

    NUM = "9"
    ALPHA = "X"
    AMOUNT = "V"
    DATE6 = "D6"
    DATE8 = "D8"


Value = str | int | Decimal | date | None


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record: name, first and last position (1-based, inclusive), kind.

    ``fill`` is the constant written when the caller gives no value (a literal such as
    ``"RETORNO"``, or the filler a manual asks for); without it numbers fill with zeros and
    text with spaces.
    """

    name: str
    start: int
    end: int
    kind: Kind = Kind.ALPHA
    fill: str | None = None

    @property
    def width(self) -> int:
        """Number of characters the field occupies."""
        return self.end - self.start + 1

    @property
    def label(self) -> str:
        """Name and positions, as error messages show them: ``valor_pago (78-92)``."""
        return f"{self.name} ({self.start}-{self.end})"


@dataclass(frozen=True, slots=True)
class RecordLayout:
    """A record type of one layout: its width and its fields in position order."""

    name: str
    width: int
    fields: tuple[Field, ...]
    _by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A table typo (overlap, gap in numbering, position past the width) would misalign
        # every value silently, so it fails at import time instead.
        previous_end = 0
        names: dict[str, Field] = {}
        for item in self.fields:
            if item.start <= previous_end or item.end < item.start or item.end > self.width:
                raise ValueError(f"layout {self.name}: field {item.label} overlaps or is outside")
            if item.name in names:
                raise ValueError(f"layout {self.name}: field {item.name} is declared twice")
            if item.fill is not None and len(item.fill) != item.width:
                raise ValueError(f"layout {self.name}: fill of {item.label} has the wrong width")
            names[item.name] = item
            previous_end = item.end
        object.__setattr__(self, "_by_name", names)

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def read(self, line: str, *, line_number: int) -> dict[str, Value]:
        """Every field of ``line`` converted by its kind (text stripped, amounts as Decimal)."""
        return {
            item.name: parse_value(item, line[item.start - 1 : item.end], line_number)
            for item in self.fields
        }

    def raw(self, line: str, name: str) -> str:
        """The characters of one field, unconverted."""
        item = self._by_name[name]
        return line[item.start - 1 : item.end]

    def render(self, values: Mapping[str, Value]) -> str:
        """The record as a line of exactly ``width`` characters.

        Positions no field covers are blanks; a value for a field the layout does not have is a
        programming error and raises, so a misspelt name cannot vanish from the output.
        """
        unknown = set(values) - set(self._by_name)
        if unknown:
            raise KeyError(f"layout {self.name} has no field(s) {sorted(unknown)}")
        chars = [" "] * self.width
        for item in self.fields:
            text = format_value(item, values.get(item.name))
            chars[item.start - 1 : item.end] = text
        return "".join(chars)


def ascii_upper(text: str) -> str:
    """Text as banks accept it: accents removed, upper case, printable ASCII only."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if " " <= char <= "~" else " " for char in stripped.upper())


def only_digits(text: str) -> str:
    """The digits of a document or postcode written with punctuation (``12.345-678``)."""
    return "".join(char for char in text if char.isdigit())


def format_value(item: Field, value: Value) -> str:
    """Format one value for ``item``: exactly ``item.width`` characters, or :class:`CnabError`."""
    if value is None or value == "":
        if item.fill is not None:
            return item.fill
        return (" " if item.kind is Kind.ALPHA else "0") * item.width

    if item.kind is Kind.ALPHA:
        return ascii_upper(str(value))[: item.width].ljust(item.width)

    if item.kind is Kind.NUM:
        digits = str(value)
        if isinstance(value, bool) or not digits.isdigit() or not digits.isascii():
            raise CnabError(f"expected digits, got {value!r}", field=item.label)
        return _fit_digits(item, digits)

    if item.kind is Kind.AMOUNT:
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise CnabError(f"expected an amount, got {value!r}", field=item.label)
        cents = to_cents(money(value))
        if cents < 0:
            raise CnabError(f"negative amount {money(value)} cannot be written", field=item.label)
        return _fit_digits(item, str(cents))

    if not isinstance(value, date):
        raise CnabError(f"expected a date, got {value!r}", field=item.label)
    pattern = "%d%m%y" if item.kind is Kind.DATE6 else "%d%m%Y"
    return value.strftime(pattern)


def _fit_digits(item: Field, digits: str) -> str:
    if len(digits) > item.width:
        raise CnabError(f"{digits} does not fit in {item.width} digits", field=item.label)
    return digits.rjust(item.width, "0")


def parse_value(item: Field, raw: str, line_number: int) -> Value:
    """Convert the characters of ``item`` read from line ``line_number``."""
    if item.kind is Kind.ALPHA:
        return raw.strip()

    stripped = raw.strip()
    if item.kind is Kind.NUM:
        if stripped and not (stripped.isdigit() and stripped.isascii()):
            raise CnabError(f"expected digits, found {raw!r}", line=line_number, field=item.label)
        return stripped

    if item.kind is Kind.AMOUNT:
        if not stripped:
            return ZERO
        if not (stripped.isdigit() and stripped.isascii()) or len(stripped) != len(raw):
            raise CnabError(
                f"expected an amount in centavos, found {raw!r}", line=line_number, field=item.label
            )
        return from_cents(int(stripped))

    return _parse_date(item, raw, line_number)


def _parse_date(item: Field, raw: str, line_number: int) -> date | None:
    stripped = raw.strip()
    if not stripped or set(stripped) == {"0"}:
        return None
    if len(stripped) != item.width or not (stripped.isdigit() and stripped.isascii()):
        raise CnabError(f"expected a date, found {raw!r}", line=line_number, field=item.label)
    day, month = int(stripped[0:2]), int(stripped[2:4])
    if item.kind is Kind.DATE6:
        short_year = int(stripped[4:6])
        year = short_year + (1900 if short_year >= _CENTURY_PIVOT else 2000)
    else:
        year = int(stripped[4:8])
    try:
        return date(year, month, day)
    except ValueError:
        raise CnabError(
            f"{raw!r} is not a calendar date", line=line_number, field=item.label
        ) from None


def text(values: Mapping[str, Value], name: str) -> str:
    """A text or digits value read by :meth:`RecordLayout.read`."""
    value = values[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} is not text")
    return value


def amount(values: Mapping[str, Value], name: str) -> Decimal:
    """An amount read by :meth:`RecordLayout.read`."""
    value = values[name]
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} is not an amount")
    return value


def optional_date(values: Mapping[str, Value], name: str) -> date | None:
    """A date (or ``None``) read by :meth:`RecordLayout.read`."""
    value = values[name]
    if value is not None and not isinstance(value, date):
        raise TypeError(f"{name} is not a date")
    return value
