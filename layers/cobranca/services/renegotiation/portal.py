"""What the customer's signed link can do: see the offer, accept a plan, or decline.

The link carries only the tenant and the offer id (signed, expiring, see
:mod:`cobranca.services.links`); the Step Functions task token stays in the offer item and is
used here, server side. Acceptance is usable once: the offer moves ``pending → accepted`` under
a condition before ``SendTaskSuccess``, so a second click, a replayed form or a concurrent tab
finds it answered. If Step Functions no longer waits (the offer timed out meanwhile) the offer
is marked expired; if it cannot be reached, the answer is undone so the customer can retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from cobranca.adapters.storage.table import Update
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.platform import aws, clock
from cobranca.platform.observability import logger, metrics
from cobranca.services import links
from cobranca.services.renegotiation import store
from cobranca.services.renegotiation.store import Agreement, Offer, Rejected

ACTOR = "customer:portal"
DECLINED = "OfferDeclined"
GONE_CODES = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class PortalError(Exception):
    """An answer other than the offer page: ``status`` and ``kind`` pick the page shown."""

    status = 400
    kind = "invalid"

    def __init__(self, detail: str, page: OfferPage | None = None) -> None:
        super().__init__(detail)
        self.page = page


class LinkNotValid(PortalError):
    """Forged, tampered or unknown: nothing about the offer is shown."""

    status = 404
    kind = "invalid"


class LinkGone(PortalError):
    """The link or the offer expired."""

    status = 410
    kind = "expired"


class AlreadyAnswered(PortalError):
    """The offer was already accepted or declined."""

    status = 409
    kind = "answered"


class UnknownPlan(PortalError):
    """The form named a plan that is not in the offer."""

    status = 422
    kind = "plan"


class TryLater(PortalError):
    """The decision could not reach the flow; nothing was recorded."""

    status = 503
    kind = "later"


@dataclass(frozen=True)
class OfferPage:
    """What the offer page shows."""

    token: str
    company: str
    first_name: str
    offer: Offer
    agreement: Agreement | None
    labels: dict[str, str]

    @property
    def chosen_plan(self) -> dict[str, Any] | None:
        return self.offer.plan(self.offer.plan_id)


def _resolve(token: str) -> tuple[links.LinkClaims, Offer]:
    try:
        claims = links.verify(token, "offer")
    except links.LinkExpired:
        raise LinkGone("the link has expired") from None
    except links.LinkInvalid:
        raise LinkNotValid("the link is not valid") from None
    offer = store.load_offer(claims.tenant_id, claims.subject)
    if offer is None:
        raise LinkNotValid("the offer does not exist")
    return claims, offer


def _page(token: str, offer: Offer) -> OfferPage:
    from cobranca.adapters.storage.tenants import load_tenant

    tenant = load_tenant(offer.tenant_id)
    customer = store.customer(offer.tenant_id, offer.customer_id)
    names = customer.customer.name.split() if customer else []
    agreement = (
        store.load_agreement(offer.tenant_id, offer.agreement_id) if offer.agreement_id else None
    )
    labels = {}
    for record in store.receivables(offer.tenant_id, offer.receivable_ids).values():
        receivable = record.receivable
        part = f" (parcela {receivable.installment}/{receivable.installments})"
        labels[record.receivable_id] = receivable.number + (
            part if receivable.installments > 1 else ""
        )
    return OfferPage(token, tenant.name, names[0] if names else "", offer, agreement, labels)


def _lapsed(offer: Offer, now: datetime) -> bool:
    return offer.status == "expired" or (
        offer.status == "pending" and offer.expires_at is not None and now >= offer.expires_at
    )


def open_offer(token: str) -> OfferPage:
    """The offer behind a link; a pending offer's wait is kept alive (SendTaskHeartbeat)."""
    _, offer = _resolve(token)
    if _lapsed(offer, clock.now()):
        raise LinkGone("the offer has expired")
    if offer.status == "pending" and offer.task_token:
        try:
            aws.client("stepfunctions").send_task_heartbeat(taskToken=offer.task_token)
        except Exception as error:
            logger.warning(
                "heartbeat not delivered",
                extra={"tenant": offer.tenant_id, "offer": offer.offer_id, "error": str(error)},
            )
    return _page(token, offer)


def _transition(
    offer: Offer, *, to: str, expected: str, action: str, after: dict[str, Any]
) -> None:
    now = clock.now()
    expression = "SET #status = :to, gsi1sk = :sort, decided_at = :at"
    values: dict[str, Any] = {
        ":to": to,
        ":expected": expected,
        ":sort": store.offer_status_sort(offer, to),
        ":at": now,
    }
    if to == "accepted":
        expression += ", plan_id = :plan"
        values[":plan"] = after["plan_id"]
    if to == "pending":
        expression += " REMOVE plan_id"
    if to == "expired":
        expression += " REMOVE task_token"
    unit = UnitOfWork(offer.tenant_id)
    unit.add(
        [
            Update(
                offer.key,
                expression,
                condition="#status = :expected",
                names={"#status": "status"},
                values=values,
            )
        ],
        [
            Change(
                f"offer:{offer.offer_id}",
                action,
                ACTOR,
                now,
                {"status": expected},
                {"status": to, **after},
                offer.case,
            )
        ],
    )
    store.commit(unit)


def _signal(offer: Offer, call: str, **arguments: Any) -> str | None:
    """Deliver the decision to the waiting flow; returns the error code when it failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        getattr(aws.client("stepfunctions"), call)(taskToken=offer.task_token, **arguments)
    except ClientError as error:
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    except BotoCoreError as error:
        return type(error).__name__
    return None


def _decide(token: str, *, to: str, plan_id: str | None) -> OfferPage:
    _, offer = _resolve(token)
    if offer.status != "pending":
        if offer.status == "expired":
            raise LinkGone("the offer has expired")
        raise AlreadyAnswered(f"the offer is already {offer.status}", _page(token, offer))
    if _lapsed(offer, clock.now()):
        raise LinkGone("the offer has expired")
    if to == "accepted" and offer.plan(plan_id) is None:
        raise UnknownPlan(f"plan {plan_id!r} is not in this offer", _page(token, offer))
    if not offer.task_token:
        raise TryLater("the offer is not ready yet")

    action = "offer.accepted" if to == "accepted" else "offer.declined"
    details = {"plan_id": plan_id} if to == "accepted" else {}
    try:
        _transition(offer, to=to, expected="pending", action=action, after=details)
    except Rejected:
        current = store.load_offer(offer.tenant_id, offer.offer_id) or offer
        raise AlreadyAnswered("the offer was answered meanwhile", _page(token, current)) from None

    if to == "accepted":
        output = {"offer_id": offer.offer_id, "plan_id": plan_id, "at": clock.now().isoformat()}
        failure = _signal(offer, "send_task_success", output=json.dumps(output))
    else:
        failure = _signal(
            offer, "send_task_failure", error=DECLINED, cause="declined on the portal"
        )
    if failure in GONE_CODES:
        _transition(offer, to="expired", expected=to, action="offer.expired", after={})
        raise LinkGone("the offer expired before the answer arrived")
    if failure is not None:
        _transition(offer, to="pending", expected=to, action="offer.answer_undone", after={})
        logger.warning("decision not delivered", extra={"offer": offer.offer_id, "error": failure})
        raise TryLater("the answer could not be recorded; try again")

    metric = "RenegotiationOfferAccepted" if to == "accepted" else "RenegotiationOfferDeclined"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    logger.info(
        "offer answered",
        extra={"tenant": offer.tenant_id, "offer": offer.offer_id, "answer": to},
    )
    updated = store.load_offer(offer.tenant_id, offer.offer_id) or offer
    return _page(token, updated)


def accept(token: str, plan_id: str | None) -> OfferPage:
    """Accept ``plan_id`` (once) and let the flow apply the agreement."""
    return _decide(token, to="accepted", plan_id=plan_id)


def decline(token: str) -> OfferPage:
    """Decline the offer (once); the flow escalates per the tenant's policy."""
    return _decide(token, to="declined", plan_id=None)
