"""Operator routes for the ERP mapping: read, save (validated, versioned) and dry-run.

- ``GET  /v1/tenants/{t}/erp/mapping[?version=N]`` the mapping in force (or a saved version);
- ``PUT  /v1/tenants/{t}/erp/mapping`` save a new version: a full spec, or ``{"preset": ...}``;
  send ``If-Match: <version>`` (or ``expected_version`` in the body) to refuse overwriting a
  version saved meanwhile (409); an invalid spec answers 422 naming every field;
- ``POST /v1/tenants/{t}/erp/mapping/dry-run`` ``{"type": ..., "data": ..., "mapping"?: ...}``
  maps a sample payload with the saved mapping (or the one given) and shows the canonical result
  and field-level errors, writing nothing;
- ``GET  /v1/tenants/{t}/erp/presets`` the presets shipped with the hub.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant
from cobranca.model.tenants import Tenant
from cobranca.platform.api import Problem

if TYPE_CHECKING:
    from cobranca.services.mappings import MappingInvalid

router = Router()  # type: ignore[no-untyped-call]

# The mapping engine (JMESPath, transforms, presets) loads on the first mapping request, not
# on every cold start of the operator function: most operator calls never touch it.

PREFIX = "/v1/tenants/<tenant>/erp"


def _json(payload: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(payload, ensure_ascii=False, default=str),
    )


def _tenant(tenant: str) -> Tenant:
    try:
        return load_tenant(tenant)
    except TenantNotFound:
        raise Problem(404, f"tenant {tenant!r} not found") from None


def _body() -> dict[str, Any]:
    body = router.current_event.json_body
    if not isinstance(body, dict):
        raise Problem(422, "the body must be a JSON object")
    return body


def _invalid(error: MappingInvalid) -> Problem:
    return Problem(422, "the mapping is not valid", errors=error.errors)


@router.get(f"{PREFIX}/mapping")
def read_mapping(tenant: str) -> Response[str]:
    from cobranca.services import mappings

    found = _tenant(tenant)
    version_text = router.current_event.get_query_string_value("version", None)
    if version_text is None:
        return _json(mappings.mapping_for(found).as_dict())
    if not str(version_text).isdigit():
        raise Problem(422, "version must be a positive whole number")
    stored = mappings.get_mapping(tenant, int(version_text))
    if stored is None:
        raise Problem(404, f"tenant {tenant!r} has no mapping version {version_text}")
    return _json(stored.as_dict())


@router.put(f"{PREFIX}/mapping")
def put_mapping(tenant: str) -> Response[str]:
    from cobranca.services import mappings

    _tenant(tenant)
    body = _body()
    expected = body.pop("expected_version", None)
    match = router.current_event.headers.get("If-Match") or router.current_event.headers.get(
        "if-match"
    )
    if match is not None:
        expected = match.strip('"')
    if expected is not None and not str(expected).isdigit():
        raise Problem(422, "the expected version must be a whole number")
    try:
        stored = mappings.save_mapping(
            tenant, body, expected_version=None if expected is None else int(expected)
        )
    except mappings.MappingInvalid as error:
        raise _invalid(error) from None
    except mappings.MappingConflict as conflict:
        raise Problem(409, str(conflict)) from None
    return _json(stored.as_dict())


@router.post(f"{PREFIX}/mapping/dry-run")
def post_dry_run(tenant: str) -> Response[str]:
    from cobranca.services import mappings

    found = _tenant(tenant)
    body = _body()
    if "type" not in body or "data" not in body:
        raise Problem(
            422,
            "send {'type': <event type>, 'data': <sample payload>} and optionally 'mapping'",
            errors=[
                {"field": name, "message": "Field required"}
                for name in ("type", "data")
                if name not in body
            ],
        )
    if isinstance(body.get("mapping"), dict):
        try:
            spec = mappings.validate(body["mapping"])
        except mappings.MappingInvalid as error:
            raise _invalid(error) from None
    else:
        spec = mappings.mapping_for(found).spec
    return _json(mappings.dry_run(spec, str(body["type"]), body["data"]))


@router.get(f"{PREFIX}/presets")
def list_presets(tenant: str) -> Response[str]:
    from cobranca.services import mappings

    _tenant(tenant)
    return _json({"presets": mappings.preset_summary()})
