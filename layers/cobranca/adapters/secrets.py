"""Secrets from Secrets Manager through Powertools Parameters, cached for a few minutes.

Per-tenant secrets live under ``<prefix>/tenants/<tenant>`` as one JSON document (ERP
credentials, webhook signing secrets, gateway tokens); rotation is picked up when the cache
expires, and a tenant's two webhook secrets can both be active during the rotation.
"""

from __future__ import annotations

import json
from typing import Any

from cobranca.platform.settings import get_settings

CACHE_SECONDS = 300


class SecretMissing(LookupError):
    """The secret does not exist or lacks the requested field."""


def get_json(name: str, *, fresh: bool = False) -> dict[str, Any]:
    """A JSON secret by name (cached for five minutes unless ``fresh``)."""
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(name, max_age=CACHE_SECONDS, force_fetch=fresh)
    except parameters.exceptions.GetParameterError as error:
        raise SecretMissing(f"secret {name!r} is not available") from error
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    document = json.loads(value)
    if not isinstance(document, dict):
        raise SecretMissing(f"secret {name!r} is not a JSON object")
    return document


def tenant_secret_name(tenant_id: str) -> str:
    return f"{get_settings().secrets_prefix}/tenants/{tenant_id}"


def tenant_secrets(tenant_id: str, *, fresh: bool = False) -> dict[str, Any]:
    """The tenant's secret document."""
    return get_json(tenant_secret_name(tenant_id), fresh=fresh)


def put_tenant_secrets(tenant_id: str, document: dict[str, Any]) -> None:
    """Create or replace the tenant's secret document (onboarding and rotation)."""
    from cobranca.platform import aws

    client = aws.client("secretsmanager")
    name = tenant_secret_name(tenant_id)
    body = json.dumps(document)
    try:
        client.put_secret_value(SecretId=name, SecretString=body)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=body)
    clear_cache()


def clear_cache() -> None:
    """Forget cached secrets (after a rotation, or between local runs)."""
    from aws_lambda_powertools.utilities import parameters

    clear: Any = parameters.clear_caches
    clear()
