"""The mapping spec: per event type, which canonical fields come from where, as data.

A spec is JSON that an operator can read, save, version and dry-run::

    {
      "name": "bling",
      "events": {
        "receivable.upserted": {
          "receivable": {
            "fields": {
              "erp_id": {"path": "id", "steps": [{"op": "string"}]},
              "amount": {"path": "valor", "steps": [{"op": "decimal"}]},
              "due_date": "vencimento",
              "status": {"path": "situacao", "steps": [{"op": "map", "values": {"1": "open"}}]}
            }
          }
        }
      }
    }

For each event type the spec may produce a ``customer``, ``receivable`` (one or many),
``cancellation`` and ``payment``. A field is either a JMESPath string or an object with
``path`` (JMESPath), ``value`` (a constant), ``default`` (when the path selects nothing),
``required`` and ``steps`` (typed transforms, :mod:`.transforms`). Target names are the canonical
model's; nested ones use dots (``address.city``, ``consent.sms``, ``metadata.pedido``).

An entity with ``items`` (a JMESPath selecting a list, such as installments) yields one result
per element; its paths are then evaluated against ``{"doc": <payload>, "item": <element>,
"index": <1-based position>, "count": <list length>}``. An entity with ``when`` is produced only
when that JMESPath is truthy for the payload.

Everything is checked when the spec is saved: every JMESPath compiles, every target exists, the
fields each entity cannot do without are mapped, and every step's parameters are valid.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cobranca.adapters.erp.mapping.transforms import Step
from cobranca.model.events import ErpEventType

Entity = Literal["customer", "receivable", "cancellation", "payment"]

_ADDRESS = ("street", "number", "complement", "district", "city", "state", "postal_code")
TARGETS: dict[str, frozenset[str]] = {
    "customer": frozenset(
        {
            "customer_id",
            "name",
            "document",
            "emails",
            "phones",
            "segment",
            "erp_updated_at",
            "consent.email",
            "consent.sms",
            "consent.whatsapp",
            *(f"address.{name}" for name in _ADDRESS),
        }
    ),
    "receivable": frozenset(
        {
            "erp_id",
            "number",
            "customer_id",
            "issue_date",
            "due_date",
            "amount",
            "balance",
            "installment",
            "installments",
            "status",
            "branch",
            "nfe_number",
            "nfe_key",
            "description",
            "currency",
            "metadata",
            "erp_updated_at",
        }
    ),
    "cancellation": frozenset({"erp_id", "installment", "reason", "cancelled_at"}),
    "payment": frozenset(
        {
            "erp_id",
            "installment",
            "payment_id",
            "amount",
            "paid_on",
            "credited_on",
            "method",
            "fees_paid",
            "bank_fee",
            "discount",
            "reference",
        }
    ),
}
REQUIRED: dict[str, frozenset[str]] = {
    "customer": frozenset({"customer_id", "name", "document"}),
    "receivable": frozenset(
        {"erp_id", "number", "customer_id", "issue_date", "due_date", "amount"}
    ),
    "cancellation": frozenset({"erp_id"}),
    "payment": frozenset({"erp_id", "payment_id", "amount", "paid_on"}),
}


def compile_path(expression: str) -> ParsedResult:
    """A compiled JMESPath; raises ``ValueError`` naming the syntax error."""
    try:
        return jmespath.compile(expression)
    except JMESPathError as error:
        raise ValueError(f"JMESPath {expression!r} does not compile: {error}") from None


def target_problems(document: Any) -> list[dict[str, str]]:
    """Unknown and missing target fields of a raw spec document, found even when other parts
    of the document fail to parse (so a save names every problem at once)."""
    problems: list[dict[str, str]] = []
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, dict):
        return problems
    for event_type, event in events.items():
        if not isinstance(event, dict):
            continue
        for entity, entity_spec in event.items():
            fields = entity_spec.get("fields") if isinstance(entity_spec, dict) else None
            if entity not in TARGETS or not isinstance(fields, dict):
                continue
            location = f"events.{event_type}.{entity}"
            for name in fields:
                if name in TARGETS[entity] or (
                    entity == "receivable" and str(name).startswith("metadata.")
                ):
                    continue
                problems.append(
                    {
                        "field": f"{location}.fields.{name}",
                        "message": f"{entity}.{name} is not a field of the canonical {entity}",
                    }
                )
            for name in sorted(REQUIRED[entity] - set(fields)):
                problems.append(
                    {"field": f"{location}.fields", "message": f"{entity}.{name} must be mapped"}
                )
    return problems


class FieldSpec(BaseModel):
    """Where one canonical field comes from and how it is converted."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    path: str | None = None
    value: Any = None
    default: Any = None
    required: bool = False
    steps: list[Step] = Field(default_factory=list)

    @field_validator("path")
    @classmethod
    def _compiles(cls, path: str | None) -> str | None:
        if path is not None:
            compile_path(path)
        return path

    @model_validator(mode="after")
    def _has_a_source(self) -> FieldSpec:
        if self.path is None and "value" not in self.model_fields_set:
            raise ValueError("a field needs a path or a constant value")
        return self

    @cached_property
    def compiled(self) -> ParsedResult | None:
        return None if self.path is None else compile_path(self.path)


class EntitySpec(BaseModel):
    """How one canonical entity is built from the payload."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    items: str | None = None
    when: str | None = None
    fields: dict[str, FieldSpec]

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, fields: Any) -> Any:
        # "due_date": "vencimento" is shorthand for {"path": "vencimento"}.
        if isinstance(fields, dict):
            return {
                name: {"path": spec} if isinstance(spec, str) else spec
                for name, spec in fields.items()
            }
        return fields

    @field_validator("items", "when")
    @classmethod
    def _compiles(cls, path: str | None) -> str | None:
        if path is not None:
            compile_path(path)
        return path

    @cached_property
    def compiled_items(self) -> ParsedResult | None:
        return None if self.items is None else compile_path(self.items)

    @cached_property
    def compiled_when(self) -> ParsedResult | None:
        return None if self.when is None else compile_path(self.when)

    def check_targets(self, entity: str) -> list[str]:
        """Problems with the target names of this entity (empty when fine)."""
        allowed = TARGETS[entity]
        problems = []
        for name in self.fields:
            if name in allowed or (entity == "receivable" and name.startswith("metadata.")):
                continue
            problems.append(f"{entity}.{name} is not a field of the canonical {entity}")
        missing = REQUIRED[entity] - set(self.fields)
        problems.extend(f"{entity}.{name} must be mapped" for name in sorted(missing))
        return problems


class EventSpec(BaseModel):
    """The entities one event type produces."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    customer: EntitySpec | None = None
    receivable: EntitySpec | None = None
    cancellation: EntitySpec | None = None
    payment: EntitySpec | None = None

    @model_validator(mode="after")
    def _targets(self) -> EventSpec:
        problems = []
        for entity in ("customer", "receivable", "cancellation", "payment"):
            spec = getattr(self, entity)
            if spec is not None:
                problems.extend(spec.check_targets(entity))
        if not any(getattr(self, entity) for entity in TARGETS):
            problems.append("an event must produce at least one entity")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class MappingSpec(BaseModel):
    """A tenant's (or a preset's) mapping of ERP payloads into the canonical model."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=1000)
    preset: str | None = Field(default=None, max_length=40)
    events: dict[ErpEventType, EventSpec] = Field(min_length=1)

    def for_event(self, event_type: ErpEventType | str) -> EventSpec | None:
        """The spec of one event type, or None when this mapping does not handle it."""
        return self.events.get(ErpEventType(event_type))
