"""Applying a mapping spec: an ERP payload in, canonical models and field-level errors out.

Mapping never writes anything; the same function serves the webhook, the pull sync and the dry
run. Each error names the entity, the installment (when the entity has ``items``), the canonical
field and the JMESPath it came from, so an operator can fix either the payload or the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from cobranca.adapters.erp.mapping.spec import EntitySpec, EventSpec, FieldSpec, MappingSpec
from cobranca.adapters.erp.mapping.transforms import StepError, run_steps
from cobranca.model.customers import Customer
from cobranca.model.events import ErpEventType
from cobranca.model.receivables import Cancellation, Payment, Receivable, receivable_id_for

MODELS: dict[str, type[BaseModel]] = {
    "customer": Customer,
    "receivable": Receivable,
    "cancellation": Cancellation,
    "payment": Payment,
}


@dataclass(frozen=True)
class FieldError:
    """One problem, pinned to a field of one entity."""

    entity: str
    field: str
    message: str
    path: str | None = None
    item: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "field": self.field,
            "path": self.path,
            "item": self.item,
            "message": self.message,
        }


@dataclass
class Mapped:
    """What one payload became."""

    customers: list[Customer] = field(default_factory=list)
    receivables: list[Receivable] = field(default_factory=list)
    cancellations: list[Cancellation] = field(default_factory=list)
    payments: list[tuple[str, Payment]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def is_empty(self) -> bool:
        return not (self.customers or self.receivables or self.cancellations or self.payments)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the dry run shows this)."""
        return {
            "valid": self.ok,
            "customers": [item.model_dump(mode="json") for item in self.customers],
            "receivables": [
                item.model_dump(mode="json") | {"receivable_id": item.receivable_id}
                for item in self.receivables
            ],
            "cancellations": [item.model_dump(mode="json") for item in self.cancellations],
            "payments": [
                payment.model_dump(mode="json") | {"receivable_id": rid}
                for rid, payment in self.payments
            ],
            "errors": [error.as_dict() for error in self.errors],
        }


class _Unset:
    """Marks a field the spec left without a value (the model's own default then applies)."""


UNSET = _Unset()


def _select(spec: FieldSpec, context: Any) -> Any:
    if spec.compiled is None:
        return spec.value
    return spec.compiled.search(context)


def _assign(target: dict[str, Any], name: str, value: Any) -> None:
    head, _, rest = name.partition(".")
    if not rest:
        target[head] = value
        return
    nested = target.setdefault(head, {})
    _assign(nested, rest, value)


def _build(
    entity: str, spec: EntitySpec, context: Any, item: int | None
) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, field_spec in spec.fields.items():
        try:
            raw = _select(field_spec, context)
            if raw in (None, "", []) and "default" in field_spec.model_fields_set:
                raw = field_spec.default
            value = run_steps(list(field_spec.steps), raw)
        except StepError as error:
            errors.append(FieldError(entity, name, str(error), field_spec.path, item))
            continue
        if value in (None, "", []):
            if field_spec.required:
                errors.append(
                    FieldError(entity, name, "required but nothing selected", field_spec.path, item)
                )
            continue
        _assign(values, name, value)
    return values, errors


def _validated(
    entity: str, spec: EntitySpec, values: dict[str, Any], item: int | None
) -> tuple[BaseModel | None, list[FieldError]]:
    if entity == "payment":
        values = {"source": "erp", **values}
        values.pop("erp_id", None)
        values.pop("installment", None)
    try:
        return MODELS[entity].model_validate(values), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            location = [str(part) for part in detail.get("loc", ())]
            name = ".".join(location) or "(entity)"
            source = spec.fields.get(location[0]) if location else None
            message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
            path = source.path if source is not None else None
            problems.append(FieldError(entity, name, message, path, item))
        return None, problems


def _contexts(spec: EntitySpec, payload: Any) -> list[tuple[Any, int | None]]:
    if spec.compiled_when is not None and not spec.compiled_when.search(payload):
        return []
    if spec.compiled_items is None:
        return [(payload, None)]
    elements = spec.compiled_items.search(payload) or []
    if not isinstance(elements, list):
        elements = [elements]
    count = len(elements)
    return [
        ({"doc": payload, "item": element, "index": index, "count": count}, index)
        for index, element in enumerate(elements, 1)
    ]


def map_payload(spec: EventSpec, payload: Any) -> Mapped:
    """Map one payload with one event's spec (no I/O)."""
    result = Mapped()
    for entity in ("customer", "receivable", "cancellation", "payment"):
        entity_spec: EntitySpec | None = getattr(spec, entity)
        if entity_spec is None:
            continue
        for context, item in _contexts(entity_spec, payload):
            values, errors = _build(entity, entity_spec, context, item)
            if errors:
                result.errors.extend(errors)
                continue
            erp_id = values.get("erp_id")
            installment = values.get("installment")
            model, problems = _validated(entity, entity_spec, dict(values), item)
            if model is None:
                result.errors.extend(problems)
                continue
            if isinstance(model, Customer):
                result.customers.append(model)
            elif isinstance(model, Receivable):
                result.receivables.append(model)
            elif isinstance(model, Cancellation):
                result.cancellations.append(model)
            elif isinstance(model, Payment):
                target = receivable_id_for(str(erp_id), int(installment or 1))
                result.payments.append((target, model))
    return result


def map_event(mapping: MappingSpec, event_type: ErpEventType | str, payload: Any) -> Mapped:
    """Map one event's data with a tenant's mapping; an unmapped event type is an error."""
    spec = mapping.for_event(event_type)
    if spec is None:
        result = Mapped()
        result.errors.append(
            FieldError("event", "type", f"mapping {mapping.name!r} does not handle {event_type}")
        )
        return result
    return map_payload(spec, payload)


def plain(value: Any) -> Any:
    """Payload values as JSON-ready types (Decimal as text, dates in ISO)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
