"""Each tenant's reminder policy as a versioned document, and the dry run over stored data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Item, Table, table
from cobranca.adapters.storage.tenants import get_document, load_tenant, put_document
from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.reminders import (
    Candidate,
    DryRun,
    ReminderPolicy,
    SimulatedReceivable,
    due_range,
    month_slices,
    parse_policy,
    simulate,
)
from cobranca.model.tenants import Tenant
from cobranca.platform.observability import logger


def save_policy(
    tenant_id: str,
    document: dict[str, Any],
    *,
    expected_version: int | None = None,
    store: Table | None = None,
) -> tuple[ReminderPolicy, int]:
    """Validate and store a policy; returns it with its new version.

    Raises :class:`~cobranca.domain.reminders.PolicyError` naming each bad field; nothing is
    stored then. With ``expected_version`` the save only lands over that version.
    """
    policy = parse_policy({key: value for key, value in document.items() if key != "_version"})
    version = put_document(
        tenant_id,
        keys.REMINDER_POLICY,
        policy.to_document(),
        expected_version=expected_version,
        store=store,
    )
    logger.info("reminder policy saved", extra={"tenant": tenant_id, "version": version})
    return policy, version


def load_policy(tenant_id: str, store: Table | None = None) -> ReminderPolicy | None:
    """The tenant's policy, or None when it has none (no reminders are sent then)."""
    document = get_document(tenant_id, keys.REMINDER_POLICY, store)
    if document is None:
        return None
    return parse_policy({key: value for key, value in document.items() if key != "_version"})


def calendar_of(tenant: Tenant) -> BusinessCalendar:
    """The tenant's business calendar: national holidays plus its municipal ones."""
    extra = []
    for text in tenant.municipal_holidays:
        try:
            extra.append(date.fromisoformat(text))
        except ValueError:
            logger.warning(
                "municipal holiday ignored", extra={"tenant": tenant.tenant_id, "value": text}
            )
    return BusinessCalendar.with_extra_holidays(extra)


def open_receivables_due(
    tenant_id: str, first: date, last: date, store: Table | None = None
) -> Iterator[Item]:
    """Open receivables due in ``[first, last]``, by GSI1 query per month partition."""
    store = store or table()
    for start, end in month_slices(first, last):
        yield from store.query(
            "gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi",
            {
                ":pk": keys.open_by_month(tenant_id, start),
                ":lo": start.isoformat(),
                ":hi": f"{end.isoformat()}$",
            },
            index="gsi1",
        )


def candidate_of(item: Item, segment: str | None = None) -> Candidate:
    """The planner's view of a stored receivable item."""
    return Candidate(
        receivable_id=str(item["receivable_id"]),
        customer_id=str(item["customer_id"]),
        due_date=date.fromisoformat(str(item["due_date"])),
        balance=item["balance"],
        status=str(item["status"]),
        segment=segment,
    )


def dry_run(tenant_id: str, start: date, end: date, store: Table | None = None) -> DryRun:
    """What the régua would send over ``[start, end]`` for today's open receivables.

    Reads the receivables whose steps can fall in the range (GSI1 queries), their customers'
    profiles and opt-outs; sends nothing and writes nothing.
    """
    from cobranca.services.reminders.sender import reachable_channels

    store = store or table()
    tenant = load_tenant(tenant_id, store)
    policy = load_policy(tenant_id, store)
    if policy is None:
        raise LookupError(f"tenant {tenant_id!r} has no reminder policy")
    calendar = calendar_of(tenant)

    lookback = start.toordinal() - policy.catch_up_days - 7
    earliest = min(due_range(step, (date.fromordinal(lookback), end))[0] for step in policy.steps)
    latest = max(due_range(step, (date.fromordinal(lookback), end))[1] for step in policy.steps)
    items = list(open_receivables_due(tenant_id, earliest, latest, store))

    customers: dict[str, tuple[str | None, frozenset[str]]] = {}
    for customer_id in sorted({str(item["customer_id"]) for item in items}):
        partition = store.partition(keys.customer(tenant_id, customer_id))
        profile = next((entry for entry in partition if entry["sk"] == keys.PROFILE), None)
        segment = None if profile is None else profile["profile"].get("segment")
        customers[customer_id] = (segment, frozenset(reachable_channels(partition)))

    receivables = [
        SimulatedReceivable(
            candidate_of(item, customers[str(item["customer_id"])][0]),
            customers[str(item["customer_id"])][1],
        )
        for item in items
    ]
    return simulate(policy, receivables, start, end, calendar)
