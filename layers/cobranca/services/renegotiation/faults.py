"""Failure injection for sandbox tenants: prove that every failure path ends consistent.

A sandbox tenant's ``FAULTS#renegotiation`` document names tasks that must fail::

    {"cancel_originals": {"when": "after", "error": "InjectedFault", "times": 1}}

``when`` is ``before`` (nothing done yet) or ``after`` (the task's writes landed, then it
fails, the harder case for compensation); ``error`` is ``InjectedFault`` (caught by the state
machine) or ``TransientError`` (retried); ``times`` limits how often it fires (always when
absent), counted atomically so retries see the fault run out. Tenants out of the sandbox never
read the document.
"""

from __future__ import annotations

from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Update, table
from cobranca.platform.observability import logger
from cobranca.services.renegotiation.errors import InjectedFault, TransientError
from cobranca.services.renegotiation.store import FAULTS_DOCUMENT, TenantContext


def checkpoint(context: TenantContext, action: str, when: str) -> None:
    """Raise the fault configured for ``action`` at ``when``, if any is left to fire."""
    spec: Any = context.faults.get(action)
    if not isinstance(spec, dict) or spec.get("when", "before") != when:
        return
    times = spec.get("times")
    if times is not None:
        fired = table().update(
            Update(
                {"pk": keys.tenant(context.tenant_id), "sk": FAULTS_DOCUMENT},
                "ADD #count :one",
                names={"#count": f"fired_{action}"},
                values={":one": 1},
            ),
            return_values="UPDATED_NEW",
        )
        if int(fired[f"fired_{action}"]) > int(times):
            return
    logger.warning(
        "injected fault", extra={"tenant": context.tenant_id, "action": action, "when": when}
    )
    if spec.get("error") == "TransientError":
        raise TransientError(f"injected transient fault in {action} ({when})")
    raise InjectedFault(f"injected fault in {action} ({when})")
