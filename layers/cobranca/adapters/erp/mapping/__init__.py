"""Field mapping per tenant, as data: JMESPath selectors plus typed transforms.

- :mod:`.spec` — the spec (pydantic), validated when saved;
- :mod:`.transforms` — the typed steps (Brazilian decimals, dates, value maps, documents...);
- :mod:`.engine` — applying a spec to a payload (no I/O; the dry run uses it too);
- ``presets/*.json`` — ready specs built from each vendor's published payload shapes
  (``canonical``, ``tryton``, ``erpnext``, ``bling``, ``omie``, ``odoo``). A REST preset also
  carries a ``rest`` section: how the generic REST connector pulls from and writes back to that
  ERP (:mod:`cobranca.adapters.erp.rest`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from cobranca.adapters.erp.mapping.engine import FieldError, Mapped, map_event, map_payload, plain
from cobranca.adapters.erp.mapping.spec import EventSpec, MappingSpec

__all__ = [
    "EventSpec",
    "FieldError",
    "Mapped",
    "MappingSpec",
    "PresetNotFound",
    "load_preset",
    "map_event",
    "map_payload",
    "plain",
    "preset_document",
    "preset_names",
]


class PresetNotFound(LookupError):
    """No preset by that name."""


def preset_names() -> list[str]:
    """Every preset shipped with the hub."""
    folder = resources.files("cobranca.adapters.erp.mapping") / "presets"
    return sorted(
        item.name.removesuffix(".json") for item in folder.iterdir() if item.name.endswith(".json")
    )


@cache
def preset_document(name: str) -> dict[str, Any]:
    """The raw preset document (mapping fields plus the optional ``rest`` section)."""
    if name not in preset_names():
        raise PresetNotFound(f"no preset {name!r}; known: {', '.join(preset_names())}")
    text = (
        resources.files("cobranca.adapters.erp.mapping") / "presets" / f"{name}.json"
    ).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def load_preset(name: str) -> MappingSpec:
    """A preset's mapping spec."""
    document = {key: value for key, value in preset_document(name).items() if key != "rest"}
    return MappingSpec.model_validate(document)
