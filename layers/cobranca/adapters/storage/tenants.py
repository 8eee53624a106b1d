"""Tenant profiles and per-tenant documents (policies, sync state) in the single table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Put, Table, Update, table
from cobranca.model.tenants import Tenant
from cobranca.platform import clock


class TenantNotFound(LookupError):
    """No tenant with that id."""


def save_tenant(tenant: Tenant, store: Table | None = None) -> None:
    """Create or replace a tenant's profile (listed in GSI1 under TENANTS)."""
    store = store or table()
    item = {
        "pk": keys.tenant(tenant.tenant_id),
        "sk": keys.PROFILE,
        "type": "tenant",
        "gsi1pk": keys.TENANTS,
        "gsi1sk": tenant.tenant_id,
        "updated_at": clock.now(),
        "profile": tenant.model_dump(mode="json"),
    }
    store.put(Put(item))


def load_tenant(tenant_id: str, store: Table | None = None) -> Tenant:
    """A tenant's profile; raises :class:`TenantNotFound`."""
    store = store or table()
    item = store.get(keys.tenant(tenant_id), keys.PROFILE, consistent=False)
    if item is None:
        raise TenantNotFound(tenant_id)
    return Tenant.model_validate(item["profile"])


def list_tenants(store: Table | None = None) -> Iterator[Tenant]:
    """Every tenant, by a Query on GSI1 (schedules fan out over this)."""
    store = store or table()
    for item in store.query("gsi1pk = :pk", {":pk": keys.TENANTS}, index="gsi1"):
        yield Tenant.model_validate(item["profile"])


def get_document(tenant_id: str, name: str, store: Table | None = None) -> dict[str, Any] | None:
    """A per-tenant document (a policy, a mapping, sync state) or None."""
    store = store or table()
    item = store.get(keys.tenant(tenant_id), name)
    return (
        None
        if item is None
        else dict(item.get("document") or {}) | {"_version": int(item.get("version", 0))}
    )


def put_document(
    tenant_id: str,
    name: str,
    document: dict[str, Any],
    *,
    expected_version: int | None = None,
    store: Table | None = None,
) -> int:
    """Store a per-tenant document and return its new version number.

    With ``expected_version`` the write only lands over that version (0: only if absent), so
    two writers never silently overwrite each other; without it the version just increments.
    """
    store = store or table()
    body = {key: value for key, value in document.items() if key != "_version"}
    key = {"pk": keys.tenant(tenant_id), "sk": name}
    if expected_version is None:
        updated = store.update(
            Update(
                key,
                "SET #type = :type, #document = :document, updated_at = :at ADD version :one",
                names={"#type": "type", "#document": "document"},
                values={":type": "document", ":document": body, ":at": clock.now(), ":one": 1},
            ),
            return_values="UPDATED_NEW",
        )
        return int(updated["version"])

    version = expected_version + 1
    item = {
        **key,
        "type": "document",
        "version": version,
        "updated_at": clock.now(),
        "document": body,
    }
    if expected_version == 0:
        store.put(Put(item, condition="attribute_not_exists(pk)"))
    else:
        store.put(Put(item, condition="version = :v", values={":v": expected_version}))
    return version
