"""A running local hub on the real template, and tenants to exercise it with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from cobranca.adapters.secrets import get_json
from cobranca.model.tenants import Tenant
from cobranca.services.tenants import create_tenant
from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub

# A valid CNPJ (check digits correct) for fictitious test companies.
TEST_CNPJ = "11.222.333/0001-81"


@contextmanager
def running_hub(**options: Any) -> Iterator[LocalHub]:
    """The real template on an emulator, API on a free port, queues pumped on demand."""
    options.setdefault("api_port", 0)
    with LocalHub(DEFAULT_TEMPLATE, **options) as hub:
        yield hub


def make_tenant(
    tenant_id: str = "aurora", secrets: dict[str, Any] | None = None, **profile: Any
) -> tuple[Tenant, dict[str, Any]]:
    """Create a tenant (profile and secrets) in the running hub; returns both."""
    tenant = Tenant.model_validate(
        {"tenant_id": tenant_id, "name": f"Empresa {tenant_id}", "document": TEST_CNPJ} | profile
    )
    document = create_tenant(tenant, secrets)
    return tenant, document


def operator_client(hub: LocalHub) -> httpx.Client:
    """An HTTP client for the operator API with the local operator token."""
    token = get_json("cobranca/local/operator-token")["token"]
    return httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
