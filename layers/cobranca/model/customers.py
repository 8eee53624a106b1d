"""Customers (pagadores): who owes, how to reach them, and what they consented to."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cobranca.model.types import Document, ExternalId

Channel = Literal["email", "sms", "whatsapp"]


class Address(BaseModel):
    """A postal address as boletos and Pix devedor fields need it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    street: str = Field(default="", max_length=120)
    number: str = Field(default="", max_length=20)
    complement: str = Field(default="", max_length=60)
    district: str = Field(default="", max_length=60)
    city: str = Field(default="", max_length=60)
    state: str = Field(default="", max_length=2)
    postal_code: str = Field(default="", pattern=r"^(\d{8})?$")

    @field_validator("postal_code", mode="before")
    @classmethod
    def _digits_only(cls, value: object) -> str:
        return "".join(character for character in str(value or "") if character.isdigit())


class Consent(BaseModel):
    """Consent per channel (LGPD): a channel is used only when its flag is true."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    email: bool = True
    sms: bool = False
    whatsapp: bool = False

    def allows(self, channel: Channel) -> bool:
        """Whether the customer may be contacted on ``channel``."""
        return bool(getattr(self, channel))


class Customer(BaseModel):
    """A payer as the ERP knows them, normalised."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    customer_id: ExternalId
    name: str = Field(min_length=1, max_length=150)
    document: Document
    emails: list[str] = Field(default_factory=list, max_length=5)
    phones: list[str] = Field(default_factory=list, max_length=5)
    address: Address = Field(default_factory=Address)
    consent: Consent = Field(default_factory=Consent)
    invalid_contacts: list[str] = Field(default_factory=list)
    segment: str | None = Field(default=None, max_length=40)
    erp_updated_at: datetime | None = None

    @property
    def kind(self) -> Literal["person", "company"]:
        """A CPF is a person (a consumer under the CDC); a CNPJ is a company."""
        return "person" if len(self.document) == 11 else "company"

    @model_validator(mode="before")
    @classmethod
    def _split_contacts(cls, data: Any) -> Any:
        # A bad e-mail or phone in the ERP must not block the customer: valid contacts are
        # kept (normalised) and the rejected ones are listed for the operator to fix upstream.
        if not isinstance(data, dict):
            return data
        from cobranca.model.contacts import split_emails, split_phones

        emails, bad_emails = split_emails(data.get("emails"))
        phones, bad_phones = split_phones(data.get("phones"))
        return {
            **data,
            "emails": emails,
            "phones": phones,
            "invalid_contacts": [*data.get("invalid_contacts", []), *bad_emails, *bad_phones],
        }
