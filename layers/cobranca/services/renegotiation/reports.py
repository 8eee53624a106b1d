"""The operator's view of renegotiation: executions by state, offers, agreements and rates.

Offers and agreements are counted from their GSI1 collections; executions come from Step
Functions (``ListExecutions`` filtered by the tenant's name prefix, and for running ones the
state they are in, from the tail of their history).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

from cobranca.platform import aws
from cobranca.platform.settings import get_settings
from cobranca.services.renegotiation import store
from cobranca.services.renegotiation.starter import tenant_prefix

RATE = Decimal("0.0001")
MAX_RUNNING_DETAILS = 25


def _rate(part: int, whole: int) -> str | None:
    if whole == 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(RATE))


def rates(offer_counts: dict[str, int]) -> dict[str, Any]:
    """Acceptance, decline and expiry rates over the offers that got an answer or lapsed."""
    accepted = offer_counts.get("accepted", 0)
    declined = offer_counts.get("declined", 0)
    expired = offer_counts.get("expired", 0)
    closed = accepted + declined + expired
    return {
        "closed": closed,
        "acceptance_rate": _rate(accepted, closed),
        "decline_rate": _rate(declined, closed),
        "expiry_rate": _rate(expired, closed),
    }


def _current_state(sfn: Any, execution_arn: str) -> str | None:
    history = sfn.get_execution_history(
        executionArn=execution_arn, reverseOrder=True, maxResults=20
    )
    # Newest first whatever order the endpoint honours (the local emulator ignores it).
    for event in sorted(history.get("events", []), key=lambda item: -int(item["id"])):
        entered = event.get("stateEnteredEventDetails")
        if entered:
            return str(entered["name"])
    return None


def executions(tenant_id: str) -> dict[str, Any]:
    """The tenant's executions by status, and the running ones by the state they are in."""
    arn = get_settings().renegotiation_state_machine_arn
    if not arn:
        return {"by_status": {}, "running_by_state": {}, "running": []}
    sfn = aws.client("stepfunctions")
    prefix = tenant_prefix(tenant_id)
    # Maintenance: ListExecutions cannot filter by name, so every tenant's executions of the
    # stage are paged through; record executions per tenant in the table if that grows.
    found: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        found.extend(item for item in page["executions"] if item["name"].startswith(prefix))
    by_status = Counter(str(item["status"]) for item in found)
    running = []
    for item in [item for item in found if item["status"] == "RUNNING"][:MAX_RUNNING_DETAILS]:
        running.append(
            {
                "name": item["name"],
                "started": item["startDate"],
                "state": _current_state(sfn, item["executionArn"]),
            }
        )
    by_state = Counter(str(item["state"]) for item in running)
    return {"by_status": dict(by_status), "running_by_state": dict(by_state), "running": running}


def overview(tenant_id: str, *, since: datetime | None = None) -> dict[str, Any]:
    """Counts of offers and agreements by status, the rates, and the executions."""
    offers = Counter(
        str(item["status"]) for item in store.collection(tenant_id, store.OFFERS, since=None)
    )
    if since is not None:
        offers = Counter(
            {
                status: len(store.collection(tenant_id, store.OFFERS, status, since=since))
                for status in store.OFFER_STATUSES
            }
        )
    agreements = Counter(
        str(item["status"]) for item in store.collection(tenant_id, store.AGREEMENTS)
    )
    return {
        "tenant": tenant_id,
        "since": since,
        "offers": {status: offers.get(status, 0) for status in store.OFFER_STATUSES},
        "agreements": {status: agreements.get(status, 0) for status in store.AGREEMENT_STATUSES},
        "rates": rates(dict(offers)),
        "executions": executions(tenant_id),
    }


def offers(tenant_id: str, status: str | None = "pending") -> list[dict[str, Any]]:
    """Offers of one status (pending by default), oldest first."""
    return [
        store.Offer.from_item(item).summary()
        for item in store.collection(tenant_id, store.OFFERS, status)
    ]


def agreements(tenant_id: str, status: str | None = "active") -> list[dict[str, Any]]:
    """Agreements of one status (active by default), oldest first."""
    return [
        store.Agreement.from_item(item).summary()
        for item in store.collection(tenant_id, store.AGREEMENTS, status)
    ]
