"""What every bank's campo livre module shares: the parsed shape and field padding."""

from __future__ import annotations

from dataclasses import dataclass, field

from cobranca.instruments.boleto.barcode import CAMPO_LIVRE_LENGTH, BoletoError


@dataclass(frozen=True)
class CampoLivre:
    """A campo livre read back into the bank's fields.

    ``nosso_numero`` is the number as the bank prints it, without its check digit;
    ``nosso_numero_dv`` is that digit when the bank has one (``None`` otherwise, or when the
    barcode does not carry the inputs needed to compute it).
    """

    bank: str
    nosso_numero: str
    nosso_numero_dv: str | None
    fields: dict[str, str] = field(default_factory=dict)


def fit(value: int | str, width: int, name: str) -> str:
    """``value`` as exactly ``width`` digits, zero-padded on the left; longer or non-digit fails."""
    text = str(value)
    if not text.isdigit() or not text.isascii():
        raise BoletoError(name, f"{name} {text!r} must contain digits only")
    if len(text) > width:
        raise BoletoError(name, f"{name} {text!r} has {len(text)} digits, at most {width}")
    return text.zfill(width)


def check_campo_livre(campo_livre: str) -> None:
    """Reject a campo livre that is not 25 digits."""
    if len(campo_livre) != CAMPO_LIVRE_LENGTH or not (
        campo_livre.isascii() and campo_livre.isdigit()
    ):
        raise BoletoError(
            "campo livre", f"campo livre must be {CAMPO_LIVRE_LENGTH} digits, got {campo_livre!r}"
        )


def expect_digit(part: str, printed: str, expected: str) -> None:
    """Raise naming ``part`` when a printed check digit differs from the computed one."""
    if printed != expected:
        raise BoletoError(part, f"{part} is {printed}, expected {expected}")
