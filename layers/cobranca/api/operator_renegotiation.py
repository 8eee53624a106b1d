"""Operator routes for renegotiation: the overview, offers, agreements, the collector's
worklist, contact notes, promises to pay, a manual offer, and the tenant's rules.

Amounts are answered as strings with two places (never JSON floats); rates have four places.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant, put_document
from cobranca.domain.renegotiation import RenegotiationPolicy
from cobranca.model.types import Money
from cobranca.platform.api import Problem
from cobranca.services.renegotiation import reports, starter, store, worklist

router = Router()  # type: ignore[no-untyped-call]

PREFIX = "/v1/tenants/<tenant>"
OFFER_FILTERS = (*store.OFFER_STATUSES, "all")
AGREEMENT_FILTERS = (*store.AGREEMENT_STATUSES, "all")


class NoteIn(BaseModel):
    """A collector's note about a contact with the customer."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    text: str = Field(min_length=1, max_length=worklist.MAX_NOTE)
    channel: Literal["phone", "whatsapp", "email", "sms", "visit", "other"] | None = None
    author: str = Field(default="operator", min_length=1, max_length=80)


class PromiseIn(BaseModel):
    """A promise to pay (promessa de pagamento) by a date, of everything or of an amount."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    promised_on: date = Field(alias="date")
    amount: Money | None = None
    author: str = Field(default="operator", min_length=1, max_length=80)


class OfferIn(BaseModel):
    """A manual offer: the same flow as the scheduled one, started by a collector."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    receivable_ids: list[str] = Field(default_factory=list, max_length=100)
    key: str = Field(default="", max_length=64)
    requested_by: str = Field(default="operator", min_length=1, max_length=80)
    decision_seconds: int | None = Field(default=None, ge=1, le=30 * 24 * 3600)
    heartbeat_seconds: int | None = Field(default=None, ge=1, le=30 * 24 * 3600)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _json(payload: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(payload, default=_default, ensure_ascii=False),
    )


def _tenant(tenant: str) -> None:
    try:
        load_tenant(tenant)
    except TenantNotFound:
        raise Problem(404, f"tenant {tenant!r} not found") from None


def _query(name: str, default: str | None = None) -> str | None:
    value = router.current_event.get_query_string_value(name, default)
    return None if value is None else str(value)


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str | None:
    value = _query(name, default) or default
    if value not in allowed:
        raise Problem(422, f"{name} must be one of {', '.join(allowed)}")
    return None if value == "all" else value


@router.get(f"{PREFIX}/renegotiation")
def overview(tenant: str) -> Response[str]:
    _tenant(tenant)
    since_text = _query("since")
    try:
        since = datetime.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise Problem(422, "since must be an ISO 8601 date or date-time") from None
    return _json(reports.overview(tenant, since=since))


@router.get(f"{PREFIX}/renegotiation/offers")
def list_offers(tenant: str) -> Response[str]:
    _tenant(tenant)
    return _json(reports.offers(tenant, _choice("status", OFFER_FILTERS, "pending")))


@router.get(f"{PREFIX}/renegotiation/agreements")
def list_agreements(tenant: str) -> Response[str]:
    _tenant(tenant)
    return _json(reports.agreements(tenant, _choice("status", AGREEMENT_FILTERS, "active")))


@router.get(f"{PREFIX}/renegotiation/policy")
def get_policy(tenant: str) -> Response[str]:
    _tenant(tenant)
    policy = store.load_context(tenant).policy
    return _json(policy.model_dump(mode="json"))


@router.put(f"{PREFIX}/renegotiation/policy")
def put_policy(tenant: str) -> Response[str]:
    _tenant(tenant)
    body = router.current_event.json_body
    try:
        policy = RenegotiationPolicy.from_document(body if isinstance(body, dict) else None)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in item["loc"]) for item in error.errors())
        raise Problem(422, f"invalid fields: {fields or 'body'}") from None
    put_document(tenant, store.POLICY_DOCUMENT, policy.model_dump(mode="json"))
    return _json(policy.model_dump(mode="json"))


@router.get(f"{PREFIX}/worklist")
def get_worklist(tenant: str) -> Response[str]:
    _tenant(tenant)
    text = _query("limit", "50") or "50"
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise Problem(422, "limit must be a whole number from 1 to 500")
    return _json(worklist.worklist(tenant, limit=int(text)))


@router.get(f"{PREFIX}/customers/<customer>/contacts")
def get_contacts(tenant: str, customer: str) -> Response[str]:
    _tenant(tenant)
    return _json(worklist.contacts(tenant, customer))


@router.post(f"{PREFIX}/customers/<customer>/notes")
def post_note(tenant: str, customer: str, note: NoteIn) -> Response[str]:
    _tenant(tenant)
    try:
        saved = worklist.add_note(
            tenant, customer, note.text, author=note.author, channel=note.channel
        )
    except worklist.ContactError as error:
        raise Problem(422, str(error)) from None
    return _json(saved, 201)


@router.post(f"{PREFIX}/customers/<customer>/promises")
def post_promise(tenant: str, customer: str, promise: PromiseIn) -> Response[str]:
    _tenant(tenant)
    try:
        saved = worklist.add_promise(
            tenant, customer, promise.promised_on, author=promise.author, amount=promise.amount
        )
    except worklist.ContactError as error:
        raise Problem(422, str(error)) from None
    return _json(saved, 201)


@router.post(f"{PREFIX}/customers/<customer>/offers")
def post_offer(tenant: str, customer: str, offer: OfferIn) -> Response[str]:
    _tenant(tenant)
    sandbox = load_tenant(tenant).sandbox
    if (offer.decision_seconds or offer.heartbeat_seconds) and not sandbox:
        raise Problem(422, "decision_seconds and heartbeat_seconds apply to sandbox tenants only")
    started = starter.start(
        tenant,
        customer,
        receivable_ids=offer.receivable_ids,
        origin="operator",
        requested_by=offer.requested_by,
        key=offer.key,
        decision_seconds=offer.decision_seconds,
        heartbeat_seconds=offer.heartbeat_seconds,
    )
    return _json(
        {
            "execution": started.name,
            "execution_arn": started.execution_arn,
            "started": started.started,
        },
        202 if started.started else 200,
    )
