"""Settings read from the environment once, on first use, and validated with pydantic.

Reading lazily lets a handler module import with no environment set (tests, the local runtime,
the import-time benchmark); the first request that needs a setting validates them all and names
every missing variable at once.
"""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(RuntimeError):
    """The environment lacks or mis-sets variables the function needs."""


class Settings(BaseModel):
    """Everything a function reads from its environment (names as in template.yaml)."""

    # Built on first use: compiling the schema at import would slow every cold start.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    table_name: str = Field(alias="TABLE_NAME")
    raw_bucket: str = Field(alias="RAW_BUCKET")
    stage: str = Field(default="local", alias="STAGE")
    charge_queue_url: str = Field(default="", alias="CHARGE_QUEUE_URL")
    writeback_queue_url: str = Field(default="", alias="WRITEBACK_QUEUE_URL")
    reminder_queue_url: str = Field(default="", alias="REMINDER_QUEUE_URL")
    renegotiation_state_machine_arn: str = Field(
        default="", alias="RENEGOTIATION_STATE_MACHINE_ARN"
    )
    secrets_prefix: str = Field(default="cobranca/local", alias="SECRETS_PREFIX")
    portal_secret_name: str = Field(default="", alias="PORTAL_SECRET_NAME")
    public_base_url: str = Field(default="http://127.0.0.1:3000", alias="PUBLIC_BASE_URL")
    whatsapp_api_url: str = Field(default="https://graph.facebook.com", alias="WHATSAPP_API_URL")
    whatsapp_secret_name: str = Field(default="", alias="WHATSAPP_SECRET_NAME")
    ses_sender: str = Field(default="cobranca@example.com", alias="SES_SENDER")
    ses_configuration_set: str = Field(default="", alias="SES_CONFIGURATION_SET")
    max_body_bytes: int = Field(default=1_048_576, alias="MAX_BODY_BYTES")


@cache
def get_settings() -> Settings:
    """Validate the environment the first time a setting is needed."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as error:
        missing = ", ".join(str(item["loc"][0]) for item in error.errors())
        raise SettingsError(f"environment incomplete or invalid: {missing}") from None


def reset_settings() -> None:
    """Forget the cached settings (the local runtime and tests change the environment)."""
    get_settings.cache_clear()
