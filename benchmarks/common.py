"""Output conventions shared by the benchmark scripts."""

from __future__ import annotations

import sys

RESULT_PREFIX = ""


def report(name: str, value: float, unit: str, target: str) -> None:
    """Print one figure as `name: value unit (target <= N)`; flushed so runners stream it."""
    if abs(value) >= 100 or value == int(value):
        shown = f"{value:,.0f}".replace(",", "_")
    else:
        shown = f"{value:.3g}"
    print(f"{name}: {shown} {unit} (target {target})", flush=True)


def note(text: str) -> None:
    """Context that is not a figure (goes to stderr so figure lines stay parseable)."""
    print(text, file=sys.stderr, flush=True)
