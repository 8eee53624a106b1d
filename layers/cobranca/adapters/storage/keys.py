"""Key layout of the single table. Every key starts with the tenant.

Access patterns (each is a GetItem, a Query on the base table or a Query on a GSI; never Scan):

====  ===========================================  =========================================
 #    pattern                                      served by
====  ===========================================  =========================================
 1    tenant profile, policies, sync state         pk=TENANT#t, sk=PROFILE | POLICY#.. | SYNC#..
 2    list tenants (schedules fan out)             GSI1 gsi1pk=TENANTS
 3    customer by id                               pk=TENANT#t#CUSTOMER#c, sk=PROFILE
 4    customer by CPF/CNPJ (LGPD, portal)          GSI1 gsi1pk=TENANT#t#DOC#d
 5    receivable with its charges, payments,       pk=TENANT#t#RECEIVABLE#r (one Query)
      events and reminders
 6    open receivables due on a date / range       GSI1 gsi1pk=TENANT#t#OPEN#yyyy-mm,
      (reminder planner, aging, eligibility)       gsi1sk=due#r (sparse: open only)
 7    receivables of a customer                    GSI2 gsi2pk=TENANT#t#CUSTOMER#c
 7a   every customer of a tenant (export, LGPD)    GSI2 gsi2pk=TENANT#t#CUSTOMERS
 7b   every receivable by due month (reports)      GSI3 gsi3pk=TENANT#t#DUE#yyyy-mm
 8    charge by the provider's id (callbacks)      pk=TENANT#t#CHARGEREF#provider#id
 9    audit log in order / per receivable          pk=TENANT#t#AUDIT, sk=seq;
                                                   GSI2 gsi2pk=TENANT#t#RECEIVABLE#r#AUDIT
10    agreements and offers by status              GSI1 gsi1pk=TENANT#t#AGREEMENTS|OFFERS
11    parked items for an operator                 pk=TENANT#t#PARKED, sk=at#id
12    messages by provider id (delivery status)    pk=TENANT#t#MESSAGEREF#channel#id
13    daily counters (reports, conversion)         pk=TENANT#t#STATS, sk=yyyy-mm-dd#metric
====  ===========================================  =========================================
"""

from __future__ import annotations

from datetime import date

PROFILE = "PROFILE"
RECEIVABLE = "RECEIVABLE"
TENANTS = "TENANTS"


def tenant(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def customer(tenant_id: str, customer_id: str) -> str:
    return f"TENANT#{tenant_id}#CUSTOMER#{customer_id}"


def customer_document(tenant_id: str, document: str) -> str:
    return f"TENANT#{tenant_id}#DOC#{document}"


def receivable(tenant_id: str, receivable_id: str) -> str:
    return f"TENANT#{tenant_id}#RECEIVABLE#{receivable_id}"


def open_by_month(tenant_id: str, due_date: date) -> str:
    """GSI1 partition of open receivables, sharded by due month to spread large tenants."""
    return f"TENANT#{tenant_id}#OPEN#{due_date:%Y-%m}"


def open_sort(due_date: date, receivable_id: str) -> str:
    return f"{due_date.isoformat()}#{receivable_id}"


def customer_receivables(tenant_id: str, customer_id: str) -> str:
    return f"TENANT#{tenant_id}#CUSTOMER#{customer_id}"


def charge_ref(tenant_id: str, provider: str, provider_id: str) -> str:
    return f"TENANT#{tenant_id}#CHARGEREF#{provider}#{provider_id}"


def audit(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#AUDIT"


def audit_of_receivable(tenant_id: str, receivable_id: str) -> str:
    return f"TENANT#{tenant_id}#RECEIVABLE#{receivable_id}#AUDIT"


def parked(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#PARKED"


def message_ref(tenant_id: str, channel: str, provider_id: str) -> str:
    return f"TENANT#{tenant_id}#MESSAGEREF#{channel}#{provider_id}"


def stats(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#STATS"


def collection(tenant_id: str, name: str) -> str:
    """GSI1 partition listing a tenant's agreements, offers and other small collections."""
    return f"TENANT#{tenant_id}#{name.upper()}"


def customers_list(tenant_id: str) -> str:
    """GSI2 partition listing every customer of a tenant."""
    return f"TENANT#{tenant_id}#CUSTOMERS"


def due_month(tenant_id: str, due_date: date) -> str:
    """GSI3 partition of every receivable (any status) due in a month."""
    return f"TENANT#{tenant_id}#DUE#{due_date:%Y-%m}"


# ---------------------------------------------------------------------- renegotiation (acordos)
# Offers and agreements are partitions of their own, listed by status through GSI1 under
# collection(t, "OFFERS" | "AGREEMENTS" | "PROMISES") with gsi1sk = status#when#id, so "pending
# offers" or "active agreements" is one Query. A customer's renegotiation case (the lock that
# keeps one flow per customer), contact notes and promises to pay sit in the customer's own
# partition (pk=customer(t, c)), next to the profile, so LGPD export and erasure find them.

OFFER = "OFFER"
AGREEMENT = "AGREEMENT"
RENEGOTIATION_CASE = "RENEGOTIATION"


def offer(tenant_id: str, offer_id: str) -> str:
    return f"TENANT#{tenant_id}#OFFER#{offer_id}"


def agreement(tenant_id: str, agreement_id: str) -> str:
    return f"TENANT#{tenant_id}#AGREEMENT#{agreement_id}"


def by_status(status: str, when: str, item_id: str) -> str:
    """GSI1 sort key of a collection member: grouped by status, then in time order."""
    return f"{status}#{when}#{item_id}"


def contact_note(at: str, note_id: str) -> str:
    """Sort key of a collector's note in the customer's partition (``at`` is ISO 8601)."""
    return f"NOTE#{at}#{note_id}"


def promise(promised_on: date, promise_id: str) -> str:
    """Sort key of a promise to pay (promessa de pagamento) in the customer's partition."""
    return f"PROMISE#{promised_on.isoformat()}#{promise_id}"


# ---------------------------------------------------------------------- reminders (régua)

REMINDER_POLICY = "POLICY#reminders"
"""Sort key of the tenant's reminder policy document (pattern 1)."""

REMINDER_PLANNER = "REMINDERS#PLANNER"
"""Sort key of the planner's per-tenant state: planned-through date and run lease."""

OPT_OUT = "OPTOUT"
"""Sort key, in the customer partition, of the channels the customer opted out of (LGPD)."""


def reminder_marker(step_id: str, channel: str) -> str:
    """Sort key, in the receivable partition, of one reminder: exactly once per step+channel."""
    return f"REMINDER#{step_id}#{channel}"


def reminder_action(step_id: str) -> str:
    """Sort key, in the receivable partition, of a step's action (fee, flag): once per step."""
    return f"ACTION#{step_id}"


def reminders_pending(tenant_id: str) -> str:
    """Partition of reminder messages held for later (quiet hours, fallback after a bounce)."""
    return f"TENANT#{tenant_id}#REMINDERS#PENDING"


def reminder_message(tenant_id: str, message_key: str) -> str:
    """Partition of one outgoing reminder message (its receivables, state and provider id)."""
    return f"TENANT#{tenant_id}#REMINDERMSG#{message_key}"


def customer_sent_on(day: date) -> str:
    """Sort key, in the customer partition, of the day's message counter (frequency cap)."""
    return f"SENT#{day.isoformat()}"


def customer_bounced(channel: str, contact_digest: str) -> str:
    """Sort key, in the customer partition, of a contact that bounced (skipped afterwards)."""
    return f"BOUNCED#{channel}#{contact_digest}"
