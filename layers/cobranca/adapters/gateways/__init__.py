"""Charge providers behind one interface: Asaas, Stripe, a PSP's API Pix, and CNAB banks.

:func:`provider_for` builds a tenant's provider from its profile and its secret document,
where each provider's credentials sit under its own name (``asaas``, ``stripe``, ``pix_api``,
``cnab``; see each module's ``*Config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from cobranca.adapters.gateways.base import (
    CallbackRejected,
    ChargeMethod,
    ChargeRequest,
    EventKind,
    HttpProvider,
    IssuedCharge,
    Provider,
    ProviderError,
    ProviderEvent,
    ProviderRefused,
    ProviderUnavailable,
    SandboxBlocked,
    charge_key,
    charge_reference,
    parse_reference,
)
from cobranca.adapters.storage.table import Table
from cobranca.model.tenants import Tenant

PROVIDERS = ("asaas", "stripe", "pix_api", "cnab")
HTTP_PROVIDERS = ("asaas", "stripe", "pix_api")


def _http_provider(name: str) -> tuple[type[HttpProvider], Any]:
    """The provider class and its config class; imported on use, each pulls its own code."""
    if name == "asaas":
        from cobranca.adapters.gateways.asaas import Asaas, AsaasConfig

        return Asaas, AsaasConfig
    if name == "stripe":
        from cobranca.adapters.gateways.stripe import Stripe, StripeConfig

        return Stripe, StripeConfig
    from cobranca.adapters.gateways.pix_api import PixApi, PixApiConfig

    return PixApi, PixApiConfig


def provider_for(
    tenant: Tenant,
    secrets: Mapping[str, Any],
    name: str | None = None,
    *,
    store: Table | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Provider:
    """The tenant's provider ``name`` (default: its configured charge provider)."""
    name = name or tenant.charge_provider
    section = secrets.get(name)
    if not isinstance(section, Mapping):
        raise ProviderRefused(name, f"the tenant secret has no {name!r} section")
    if name in HTTP_PROVIDERS:
        provider_class, config_class = _http_provider(name)
        return provider_class(
            tenant.tenant_id,
            config_class.from_secret(section),
            sandbox=tenant.sandbox,
            transport=transport,
        )
    if name == "cnab":
        from cobranca.adapters.gateways.cnab_bank import CnabBank, CnabConfig

        return CnabBank(tenant, CnabConfig.from_secret(section), store)
    raise ProviderRefused(name, f"unknown provider {name!r} (known: {', '.join(PROVIDERS)})")


__all__ = [
    "PROVIDERS",
    "CallbackRejected",
    "ChargeMethod",
    "ChargeRequest",
    "EventKind",
    "IssuedCharge",
    "Provider",
    "ProviderError",
    "ProviderEvent",
    "ProviderRefused",
    "ProviderUnavailable",
    "SandboxBlocked",
    "charge_key",
    "charge_reference",
    "parse_reference",
    "provider_for",
]
