"""jinja2 rendering for pages and messages: one environment, autoescaped, pt-BR filters.

Templates live in layers/cobranca/templates/<area>/; ``brl`` formats money the way a customer
reads it (R$ 1.234,56), ``data`` formats dates as dd/mm/aaaa.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment


def _brl(value: Any) -> str:
    from cobranca.domain.money import format_brl, money

    if value is None or value == "":
        return "—"
    return format_brl(money(value) if not isinstance(value, Decimal) else value)


def _data(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    return str(value)


def _decimal(value: Any) -> str:
    return str(value).replace(".", ",")


def _percent(value: Any) -> str:
    number = Decimal(str(value)) * 100
    return f"{number:.1f}%".replace(".", ",")


@cache
def environment() -> Environment:
    """The shared environment (built once; jinja2 is imported only when a page is needed)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("cobranca", "templates"),
        autoescape=select_autoescape(("html", "xml", "svg")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["brl"] = _brl
    env.filters["data"] = _data
    env.filters["percent"] = _percent
    env.filters["decimal"] = _decimal
    return env


def render(name: str, **context: Any) -> str:
    """Render ``templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)
