"""A tenant's ERP field mapping: validated when saved, versioned, dry-run without writing.

The current mapping is the per-tenant document ``MAPPING`` (its ``version`` increments on each
save, and a save can demand the version it read, so two operators never overwrite each other);
every saved version is also kept, immutable, as ``MAPPING#<version>``. A tenant without a saved
mapping uses its connection's preset (``tenant.erp.preset``), or the canonical shape.

Saving accepts a full spec, or ``{"preset": "<name>"}`` to start from a preset.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cobranca.adapters.erp.mapping import (
    MappingSpec,
    PresetNotFound,
    load_preset,
    map_event,
    plain,
    preset_document,
)
from cobranca.adapters.erp.mapping.spec import target_problems
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import ConditionFailed, Put, Table, table
from cobranca.adapters.storage.tenants import get_document, put_document
from cobranca.model.events import ErpEventType
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger

DOCUMENT = "MAPPING"
CACHE_SECONDS = 30.0
DEFAULT_PRESET = "canonical"


class MappingInvalid(ValueError):
    """A mapping that cannot be saved; ``errors`` names each field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{item['field']}: {item['message']}" for item in errors))
        self.errors = errors


class MappingConflict(RuntimeError):
    """Someone saved another version since the one the caller read."""


@dataclass(frozen=True)
class StoredMapping:
    """A tenant's mapping and where it came from."""

    spec: MappingSpec
    version: int
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "mapping": self.spec.model_dump(mode="json", exclude_none=True),
        }


def history_name(version: int) -> str:
    return f"{DOCUMENT}#{version:06d}"


def validate(document: dict[str, Any]) -> MappingSpec:
    """The spec a document describes; raises :class:`MappingInvalid` naming each problem."""
    body = {key: value for key, value in document.items() if not key.startswith("_")}
    if set(body) == {"preset"} or (body.get("preset") and "events" not in body):
        try:
            return load_preset(str(body["preset"]))
        except PresetNotFound as error:
            raise MappingInvalid([{"field": "preset", "message": str(error)}]) from None
    try:
        return MappingSpec.model_validate(body)
    except ValidationError as error:
        problems = target_problems(body)
        known = {problem["message"] for problem in problems}
        for detail in error.errors():
            location = ".".join(str(part) for part in detail.get("loc", ())) or "mapping"
            message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
            # The spec's own check repeats the target problems in one message; keep the
            # per-field ones listed above.
            if not any(part in known for part in message.split("; ")):
                problems.append({"field": location, "message": message})
        raise MappingInvalid(problems) from None


_cache: dict[str, tuple[float, StoredMapping]] = {}
_cache_lock = threading.Lock()


def forget_cached(tenant_id: str | None = None) -> None:
    """Drop cached mappings (after a save; tests)."""
    with _cache_lock:
        if tenant_id is None:
            _cache.clear()
        else:
            _cache.pop(tenant_id, None)


def save_mapping(
    tenant_id: str,
    document: dict[str, Any],
    *,
    expected_version: int | None = None,
    actor: str = "operator",
    store: Table | None = None,
) -> StoredMapping:
    """Validate and store a new version; returns it."""
    store = store or table()
    spec = validate(document)
    body = spec.model_dump(mode="json", exclude_none=True)
    try:
        version = put_document(
            tenant_id, DOCUMENT, body, expected_version=expected_version, store=store
        )
    except ConditionFailed:
        raise MappingConflict(
            f"the mapping changed since version {expected_version}; read it again"
        ) from None
    store.put(
        Put(
            {
                "pk": keys.tenant(tenant_id),
                "sk": history_name(version),
                "type": "mapping_version",
                "version": version,
                "saved_at": clock.now(),
                "saved_by": actor,
                "document": body,
            },
            condition="attribute_not_exists(pk)",
        )
    )
    forget_cached(tenant_id)
    logger.info("erp mapping saved", extra={"tenant": tenant_id, "version": version})
    return StoredMapping(spec, version, "saved")


def get_mapping(
    tenant_id: str, version: int | None = None, *, store: Table | None = None
) -> StoredMapping | None:
    """The saved mapping (current, or one version), or None when never saved."""
    store = store or table()
    if version is None:
        document = get_document(tenant_id, DOCUMENT, store=store)
        if document is None:
            return None
        current = int(document.pop("_version"))
        return StoredMapping(MappingSpec.model_validate(document), current, "saved")
    item = store.get(keys.tenant(tenant_id), history_name(version))
    if item is None:
        return None
    return StoredMapping(MappingSpec.model_validate(item["document"]), version, "saved")


def mapping_for(tenant: Tenant, *, store: Table | None = None) -> StoredMapping:
    """The mapping in force for a tenant: saved, else its preset, else the canonical shape.

    Cached for half a minute per process: a saved change reaches every function within that.
    """
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(tenant.tenant_id)
        if cached and cached[0] > now:
            return cached[1]
    stored = get_mapping(tenant.tenant_id, store=store)
    if stored is None:
        preset = tenant.erp.preset or ("tryton" if tenant.erp.kind == "tryton" else DEFAULT_PRESET)
        stored = StoredMapping(load_preset(preset), 0, f"preset:{preset}")
    with _cache_lock:
        _cache[tenant.tenant_id] = (now + CACHE_SECONDS, stored)
    return stored


def dry_run(spec: MappingSpec, event_type: str, payload: Any) -> dict[str, Any]:
    """Map a sample payload and show the result and field errors; writes nothing."""
    try:
        kind = ErpEventType(event_type)
    except ValueError:
        allowed = ", ".join(item.value for item in ErpEventType)
        return {
            "valid": False,
            "event_type": event_type,
            "errors": [{"field": "type", "message": f"unknown event type; use one of {allowed}"}],
        }
    mapped = map_event(spec, kind, plain(payload))
    return {"event_type": kind.value, "mapping": spec.name, **mapped.as_dict()}


def preset_summary() -> list[dict[str, Any]]:
    """Every preset with its description (for operators choosing one)."""
    from cobranca.adapters.erp.mapping import preset_names

    return [
        {
            "name": name,
            "description": preset_document(name).get("description", ""),
            "events": sorted(preset_document(name).get("events", {})),
            "rest": "rest" in preset_document(name),
        }
        for name in preset_names()
    ]
