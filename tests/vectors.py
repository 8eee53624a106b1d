"""Access to the shared test vectors in ../shared/vectors (read at test time, never copied)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VECTORS = SHARED / "vectors"
CNAB_FILES = VECTORS / "cnab"


@cache
def all_cases() -> list[dict[str, Any]]:
    """Every case of instruments.json, in file order."""
    with (VECTORS / "instruments.json").open(encoding="utf-8") as handle:
        cases: list[dict[str, Any]] = json.load(handle)
    return cases


def cases(*kinds: str) -> list[dict[str, Any]]:
    """The cases of the given kinds; fails loudly when a kind has none (a renamed kind)."""
    selected = [case for case in all_cases() if case["kind"] in kinds]
    if not selected:
        raise LookupError(f"no vectors of kind {kinds}")
    return selected


def case_id(case: dict[str, Any]) -> str:
    """A readable pytest id for a case."""
    note = case.get("note") or case.get("source", "")
    return f"{case['kind']}:{str(note)[:40]}"
