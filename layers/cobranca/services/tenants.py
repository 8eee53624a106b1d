"""Onboarding: a tenant's profile in the table and its secrets in Secrets Manager."""

from __future__ import annotations

import secrets as random_secrets
from typing import Any

from cobranca.adapters.secrets import put_tenant_secrets, tenant_secrets
from cobranca.adapters.storage.tenants import save_tenant
from cobranca.model.tenants import Tenant


def create_tenant(tenant: Tenant, secret_document: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save the profile and the secrets; a webhook signing secret is generated when absent.

    The secret document keeps ``webhook_secrets`` as a list so a rotation can hold the new and
    the old secret at once; ERP and provider credentials sit beside it.
    """
    document = dict(secret_document or {})
    document.setdefault("webhook_secrets", [random_secrets.token_urlsafe(32)])
    save_tenant(tenant)
    put_tenant_secrets(tenant.tenant_id, document)
    return document


def rotate_webhook_secret(tenant_id: str) -> list[str]:
    """Add a new webhook secret, keeping the newest old one active (two at most)."""
    document = tenant_secrets(tenant_id, fresh=True)
    current = list(document.get("webhook_secrets") or [])
    document["webhook_secrets"] = [random_secrets.token_urlsafe(32), *current[:1]]
    put_tenant_secrets(tenant_id, document)
    return list(document["webhook_secrets"])
