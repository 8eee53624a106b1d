"""Shared output conventions of the CLI: JSON on stdout, exit 0 valid / 1 invalid / 2 usage."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit(payload: Any) -> None:
    """Print one JSON document; Decimals become strings with two places, dates ISO."""
    json.dump(payload, sys.stdout, default=_default, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def verdict(payload: dict[str, Any]) -> int:
    """Print a check result and map its `valid` flag to the exit status."""
    emit(payload)
    return EXIT_VALID if payload.get("valid") else EXIT_INVALID
