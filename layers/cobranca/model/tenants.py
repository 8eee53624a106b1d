"""Tenants: a company using the hub, and how it is wired to its ERP and providers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cobranca.model.types import Document, TenantId

ProviderName = Literal["asaas", "stripe", "pix_api", "cnab"]
ConnectorKind = Literal["webhook", "tryton", "rest"]


class LateChargeDefaults(BaseModel):
    """The tenant's default multa and juros, applied to every charge it issues."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    fine_percent: str = Field(default="2.00", pattern=r"^\d{1,2}(\.\d{1,2})?$")
    interest_percent_per_month: str = Field(default="1.00", pattern=r"^\d{1,2}(\.\d{1,4})?$")


class ErpConnection(BaseModel):
    """How the hub reaches the tenant's ERP; credentials live in Secrets Manager."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: ConnectorKind = "webhook"
    base_url: str | None = None
    database: str | None = None
    preset: str | None = None
    page_size: int = Field(default=200, ge=1, le=1000)


class Tenant(BaseModel):
    """A company using the hub, with its rollout and safety switches."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    tenant_id: TenantId
    name: str = Field(min_length=1, max_length=150)
    document: Document
    enabled: bool = True
    sandbox: bool = True
    pilot_branches: list[str] | None = None
    timezone: str = "America/Sao_Paulo"
    municipal_holidays: list[str] = Field(default_factory=list)
    erp: ErpConnection = Field(default_factory=ErpConnection)
    charge_provider: ProviderName = "cnab"
    # Payment method -> provider: boleto registered at the bank, Pix at the PSP, card at a
    # gateway. A receivable's method comes from the ERP (metadata.payment_method).
    charge_routes: dict[Literal["boleto", "pix", "card", "undefined"], ProviderName] = Field(
        default_factory=dict
    )
    late_charges: LateChargeDefaults = Field(default_factory=LateChargeDefaults)
    consumer_customers: bool = True

    def branch_enabled(self, branch: str | None) -> bool:
        """Pilot rollout: with a branch list, only receivables of those branches are worked."""
        if not self.enabled:
            return False
        if self.pilot_branches is None:
            return True
        return branch in self.pilot_branches
