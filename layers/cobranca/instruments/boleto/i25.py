"""Interleaved 2 of 5 (ITF), the symbology FEBRABAN prescribes for the boleto barcode.

Each digit is five elements, two of them wide. Digits go in pairs: the first of a pair is drawn
in the five bars, the second in the five spaces between them. A start pattern (narrow bar,
narrow space, narrow bar, narrow space) opens the symbol and a stop pattern (wide bar, narrow
space, narrow bar) closes it.

FEBRABAN's proportions: narrow element 0.254 mm (1/100 inch), wide element three times that,
bars 13 mm tall. A 44-digit barcode is then 405 modules, 102.87 mm, the "103 mm" of the
banks' specifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import quoteattr

NARROW = 1
WIDE = 3
NARROW_MM = Decimal("0.254")
HEIGHT_MM = Decimal(13)

# n = narrow, w = wide; the classic 2-of-5 table.
_DIGIT_PATTERNS = {
    "0": "nnwwn",
    "1": "wnnnw",
    "2": "nwnnw",
    "3": "wwnnn",
    "4": "nnwnw",
    "5": "wnwnn",
    "6": "nwwnn",
    "7": "nnnww",
    "8": "wnnwn",
    "9": "nwnwn",
}
_START = (NARROW, NARROW, NARROW, NARROW)
_STOP = (WIDE, NARROW, NARROW)


@dataclass(frozen=True)
class Bar:
    """One dark bar: where it starts and how wide it is, in modules (narrow widths)."""

    x: int
    width: int


def element_widths(digits: str) -> list[int]:
    """Widths of the alternating bars and spaces (bar first), start and stop included.

    ``digits`` must be a non-empty, even count of ASCII digits (a boleto barcode has 44).
    """
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) % 2:
        raise ValueError("Interleaved 2 of 5 encodes an even number of digits")
    widths = list(_START)
    for index in range(0, len(digits), 2):
        bars = _DIGIT_PATTERNS[digits[index]]
        spaces = _DIGIT_PATTERNS[digits[index + 1]]
        for bar, space in zip(bars, spaces, strict=True):
            widths.append(WIDE if bar == "w" else NARROW)
            widths.append(WIDE if space == "w" else NARROW)
    widths.extend(_STOP)
    return widths


def bars(digits: str) -> list[Bar]:
    """The dark bars of the symbol, left to right."""
    result: list[Bar] = []
    x = 0
    for index, width in enumerate(element_widths(digits)):
        if index % 2 == 0:
            result.append(Bar(x, width))
        x += width
    return result


def total_modules(digits: str) -> int:
    """Width of the symbol in modules."""
    return sum(element_widths(digits))


def svg(digits: str, *, title: str | None = None) -> str:
    """The barcode as a standalone inline SVG at FEBRABAN's physical size.

    The viewBox is in modules, so the drawing scales without rounding bar widths; the width
    and height attributes pin the printed size in millimetres.
    """
    modules = total_modules(digits)
    width_mm = NARROW_MM * modules
    label = title if title is not None else digits
    rects = "".join(
        f'<rect x="{bar.x}" y="0" width="{bar.width}" height="1"/>' for bar in bars(digits)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" '
        f'width="{width_mm}mm" height="{HEIGHT_MM}mm" viewBox="0 0 {modules} 1" '
        f'preserveAspectRatio="none" shape-rendering="crispEdges" aria-label={quoteattr(label)}>'
        f'<g fill="#000">{rects}</g></svg>'
    )
