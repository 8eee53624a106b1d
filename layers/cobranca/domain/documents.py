"""CPF and CNPJ: validation, normalisation, formatting and masking for logs.

A **CPF** identifies a person: 9 digits and 2 check digits, shown ``123.456.789-09``.
A **CNPJ** identifies a company: 12 characters (8 for the company, 4 for the branch) and 2
check digits, shown ``12.345.678/0001-95``.

Since July 2026 new CNPJs may be **alphanumeric** (IN RFB 2.229/2024; Nota Técnica COCAD/SUARA/
RFB 49/2024): the first 12 characters are ``[0-9A-Z]`` and the last 2 are still numeric check
digits. The check digits keep the modulo 11 rule with the numeric CNPJ's weights; each
character counts as its ASCII code minus 48, so digits keep their value and ``A`` is 17, ``B``
18, ... ``Z`` 42. The Receita's own example is ``12.ABC.345/01DE-35``.

Check-digit rule (both): multiply each character by its weight, sum, take the remainder by 11;
a remainder below 2 gives 0, otherwise ``11 - remainder``. CPF weights are 10..2 for the first
digit and 11..2 for the second; CNPJ weights are 5,4,3,2,9,8,7,6,5,4,3,2 for the first and
6,5,4,3,2,9,8,7,6,5,4,3,2 for the second.

Input is read leniently (dots, dashes, slashes and spaces are ignored, letters are upper-cased);
output is strict: ``normalized`` is the bare 11 or 14 characters.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Literal

CPF_LENGTH = 11
CNPJ_LENGTH = 14
CPF_WEIGHTS = (tuple(range(10, 1, -1)), tuple(range(11, 1, -1)))
CNPJ_WEIGHTS = ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))
ASCII_ZERO = 48

_SEPARATORS = re.compile(r"[.\-/\s]")
_ALLOWED = re.compile(r"[0-9A-Z]*")
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

DocumentKind = Literal["cpf", "cnpj"]


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """The outcome of :func:`check_document`; ``reason`` says what failed when invalid."""

    valid: bool
    kind: DocumentKind | None
    normalized: str
    reason: str | None = None

    @property
    def formatted(self) -> str | None:
        """The punctuated form of a valid document, else None."""
        if not self.valid or self.kind is None:
            return None
        return format_document(self.normalized)


def normalize_document(value: str) -> str:
    """Strip punctuation and spaces and upper-case letters: ``12.abc.345/01de-35`` →
    ``12ABC34501DE35``.

    Only ASCII letters are upper-cased: Unicode case mapping turns look-alikes into ASCII
    (dotless ``ı`` → ``I``, long ``ſ`` → ``S``, ``ß`` → ``SS``), which would let a forged
    document pass as a real one.
    """
    return _SEPARATORS.sub("", value).translate(_ASCII_UPPER)


def _check_digit(characters: str, weights: tuple[int, ...]) -> int:
    total = sum(
        (ord(char) - ASCII_ZERO) * weight for char, weight in zip(characters, weights, strict=True)
    )
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def cpf_check_digits(base: str) -> str:
    """The two check digits of a 9-digit CPF base."""
    if len(base) != CPF_LENGTH - 2 or not base.isdigit() or not base.isascii():
        raise ValueError(f"a CPF base is 9 digits, got {base!r}")
    first = _check_digit(base, CPF_WEIGHTS[0])
    second = _check_digit(base + str(first), CPF_WEIGHTS[1])
    return f"{first}{second}"


def cnpj_check_digits(base: str) -> str:
    """The two check digits of a 12-character CNPJ base (digits or upper-case letters)."""
    if len(base) != CNPJ_LENGTH - 2 or not _ALLOWED.fullmatch(base):
        raise ValueError(f"a CNPJ base is 12 characters 0-9 or A-Z, got {base!r}")
    first = _check_digit(base, CNPJ_WEIGHTS[0])
    second = _check_digit(base + str(first), CNPJ_WEIGHTS[1])
    return f"{first}{second}"


def _ordinal(position: int) -> str:
    return "first" if position == 0 else "second"


def _compare_digits(kind: DocumentKind, normalized: str, expected: str) -> DocumentCheck:
    given = normalized[-2:]
    for position in range(2):
        if given[position] != expected[position]:
            reason = (
                f"{_ordinal(position)} check digit of the {kind.upper()} is {given[position]}, "
                f"expected {expected[position]}"
            )
            return DocumentCheck(False, kind, normalized, reason)
    return DocumentCheck(True, kind, normalized)


def _check_cpf(normalized: str) -> DocumentCheck:
    if not normalized.isdigit():
        return DocumentCheck(False, "cpf", normalized, "a CPF has only digits")
    if len(set(normalized)) == 1:
        return DocumentCheck(False, "cpf", normalized, "a CPF cannot repeat one digit throughout")
    return _compare_digits("cpf", normalized, cpf_check_digits(normalized[:9]))


def _check_cnpj(normalized: str) -> DocumentCheck:
    if not normalized[-2:].isdigit():
        return DocumentCheck(
            False, "cnpj", normalized, "the two check digits of a CNPJ (last two) must be digits"
        )
    if len(set(normalized)) == 1:
        return DocumentCheck(
            False, "cnpj", normalized, "a CNPJ cannot repeat one character throughout"
        )
    return _compare_digits("cnpj", normalized, cnpj_check_digits(normalized[:12]))


def check_document(value: str) -> DocumentCheck:
    """Validate a CPF or a CNPJ (numeric or alphanumeric), telling which by its length."""
    if not isinstance(value, str):
        return DocumentCheck(False, None, "", f"expected text, got {type(value).__name__}")
    normalized = normalize_document(value)
    if not normalized:
        return DocumentCheck(False, None, normalized, "empty document")

    unexpected = sorted({char for char in normalized if not _ALLOWED.fullmatch(char)})
    if unexpected:
        shown = ", ".join(repr(char) for char in unexpected)
        reason = f"characters not allowed in a CPF or CNPJ: {shown}"
        return DocumentCheck(False, None, normalized, reason)

    if len(normalized) == CPF_LENGTH:
        return _check_cpf(normalized)
    if len(normalized) == CNPJ_LENGTH:
        return _check_cnpj(normalized)
    reason = (
        f"a CPF has {CPF_LENGTH} digits and a CNPJ {CNPJ_LENGTH} characters; got {len(normalized)}"
    )
    return DocumentCheck(False, None, normalized, reason)


def is_valid_cpf(value: str) -> bool:
    """True for a valid CPF (punctuated or not)."""
    check = check_document(value)
    return check.valid and check.kind == "cpf"


def is_valid_cnpj(value: str) -> bool:
    """True for a valid CNPJ, numeric or alphanumeric (punctuated or not)."""
    check = check_document(value)
    return check.valid and check.kind == "cnpj"


def format_document(value: str) -> str:
    """Punctuate a CPF (``123.456.789-09``) or CNPJ (``12.ABC.345/01DE-35``).

    The value is normalised first; a value of neither length raises ``ValueError``. Check
    digits are not verified here (use :func:`check_document`).
    """
    bare = normalize_document(value)
    if len(bare) == CPF_LENGTH:
        return f"{bare[:3]}.{bare[3:6]}.{bare[6:9]}-{bare[9:]}"
    if len(bare) == CNPJ_LENGTH:
        return f"{bare[:2]}.{bare[2:5]}.{bare[5:8]}/{bare[8:12]}-{bare[12:]}"
    raise ValueError(f"not the length of a CPF or CNPJ: {len(bare)} characters")


def mask_document(value: str) -> str:
    """A form safe for logs that still lets an operator match a record.

    CPF: the first three and the check digits hidden (``***.456.789-**``). CNPJ: the first two
    characters and the check digits hidden (``**.345.678/0001-**``). Anything else is hidden
    entirely, keeping only its length.
    """
    bare = normalize_document(value)
    if len(bare) == CPF_LENGTH:
        return f"***.{bare[3:6]}.{bare[6:9]}-**"
    if len(bare) == CNPJ_LENGTH:
        return f"**.{bare[2:5]}.{bare[5:8]}/{bare[8:12]}-**"
    return "*" * len(bare)
