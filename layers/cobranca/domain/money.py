"""Money: amounts in reais as ``Decimal`` with two places, and the one rounding policy.

Rounding policy
---------------
Every amount the hub stores, sends or shows has exactly two decimal places (centavos).
Intermediate arithmetic (a daily interest factor, a percentage of a balance) is carried with
full ``Decimal`` precision and rounded **once**, when a component becomes an amount: the fine,
the interest, a discount, an installment. Rounding is **half up** (0.005 -> 0.01), the
"arredondamento comercial" a payer gets by hand and that banks' and gateways' calculators show,
so a customer who checks our figure with a calculator finds the same centavo.

Splitting an amount into parts never rounds each part independently: the parts are whole
centavos and the remainder centavos go to the last parts, so the parts always add up to the
whole (see :func:`allocate`).

``float`` never enters: constructing money from a float raises ``TypeError``, because binary
floating point cannot represent most centavo values (588.30 * 100 == 58829.99...).

Text is read as plain ASCII decimal notation: ``Decimal()`` would also take full-width and other
Unicode digits ("１００") and Python's underscores ("1_000"), which no bank, gateway or ERP means
as an amount, so they are refused.

No amount exceeds :data:`MAX_AMOUNT` (just under R$ 1 quadrillion). Beyond it the centavos no
longer fit the 28 significant digits of the default ``Decimal`` context, where quantizing raises
``decimal.InvalidOperation`` and sums silently round away centavos; such an amount is refused
with :class:`MoneyError` instead.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ROUNDING = ROUND_HALF_UP
MAX_AMOUNT = Decimal("999999999999999.99")

_BRL_TEXT = re.compile(r"^\s*(?:R\$\s*)?(-)?\s*(\d{1,3}(?:\.\d{3})*|\d+)(?:,(\d+))?\s*$")


class MoneyError(ValueError):
    """An amount that cannot be read as money; the message names what is wrong."""


def money(value: Decimal | int | str) -> Decimal:
    """Return ``value`` as an amount in reais with two places, rounded by the policy.

    Accepts ``Decimal``, ``int`` (whole reais) and plain decimal strings ("1234.56").
    Rejects ``float`` and ``bool`` outright.
    """
    if isinstance(value, bool | float):
        raise TypeError(f"money must not be built from {type(value).__name__}; use str or Decimal")
    if isinstance(value, str):
        text = value.strip()
        try:
            if not text.isascii() or "_" in text:
                raise InvalidOperation
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"not a decimal amount: {value!r}") from None
    if isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise MoneyError(f"amount is not finite: {value}")
    return round_money(value)


def round_money(value: Decimal) -> Decimal:
    """Round an intermediate result to centavos by the policy (the single rounding step).

    Raises :class:`MoneyError` when the result is beyond :data:`MAX_AMOUNT`.
    """
    if value.is_finite() and abs(value) > MAX_AMOUNT:
        raise MoneyError(f"amount {value:E} is too large; the largest is {MAX_AMOUNT}")
    return value.quantize(CENT, rounding=ROUNDING)


def to_cents(value: Decimal) -> int:
    """Whole centavos of an amount (rounded by the policy first, never truncated)."""
    return int(money(value) * 100)


def from_cents(cents: int) -> Decimal:
    """Amount in reais from whole centavos."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError("centavos must be an int")
    return (Decimal(cents) / 100).quantize(CENT)


def parse_brl(text: str) -> Decimal:
    """Read a Brazilian-formatted amount: "1.234,56", "R$ 1.234,56", "1234,5", "-10,00".

    Thousands are grouped with dots and the decimal separator is a comma. More than two
    decimal places are rounded by the policy.
    """
    match = _BRL_TEXT.match(text)
    if not match:
        raise MoneyError(f"not a Brazilian amount (expected like 1.234,56): {text!r}")
    sign, whole, fraction = match.groups()
    digits = whole.replace(".", "") + "." + (fraction or "0")
    return money(("-" if sign else "") + digits)


def format_brl(value: Decimal) -> str:
    """Format as the customer reads it: "R$ 1.234,56"."""
    amount = money(value)
    sign = "-" if amount < 0 else ""
    whole, fraction = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{sign}R$ {groups},{fraction}"


def allocate(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` amounts that add up exactly.

    Each part is the total divided evenly and rounded down to the centavo; the centavos left
    over go one each to the **last** parts, so earlier installments are never larger than later
    ones (5.47 in three: 1.82, 1.82, 1.83).
    """
    if parts < 1:
        raise MoneyError(f"cannot split into {parts} parts")
    cents = to_cents(total)
    if cents < 0:
        raise MoneyError("cannot split a negative amount")
    base, remainder = divmod(cents, parts)
    shares = [base] * (parts - remainder) + [base + 1] * remainder
    return [from_cents(share) for share in shares]


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded once by the policy."""
    return round_money(amount * percent / Decimal(100))
