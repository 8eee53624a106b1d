"""Process-wide caches that must be dropped when the environment changes.

Lambda never needs this (one environment per process); the local runtime and tests point the
same process at a fresh emulator, so every cache of clients, settings and secrets goes.
"""

from __future__ import annotations

from typing import Any


def reset_process_state() -> None:
    """Forget cached settings, AWS clients, Powertools parameter providers and values."""
    from cobranca.platform import aws, settings

    settings.reset_settings()
    aws.reset_clients()
    try:
        from aws_lambda_powertools.utilities.parameters import base
    except ImportError:  # pragma: no cover - Powertools is a hard dependency
        return
    # Providers hold boto3 clients bound to the old endpoint; values may come from it too.
    providers: dict[str, object] = getattr(base, "DEFAULT_PROVIDERS")  # noqa: B009
    providers.clear()
    clear: Any = base.clear_caches
    clear()
