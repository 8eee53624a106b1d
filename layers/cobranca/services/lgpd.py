"""LGPD: everything held about a CPF/CNPJ, and erasure that keeps the financial records.

Erasure anonymises the personal fields (name, contacts, address) with Powertools Data Masking
and replaces the document with a keyed pseudonym, so receivables, payments and the audit trail
stay intact and linkable for the five years tax law requires (CTN art. 173; LGPD art. 16 I),
while nothing left identifies the person without the key. Raw inbound payloads in S3 carry
personal data too: they expire by the bucket's lifecycle rule (five years) and are listed in the
export so an operator can answer a request about them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cobranca.adapters.secrets import get_json
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Delete, Put, Table, Update, table
from cobranca.adapters.storage.unit_of_work import UnitOfWork
from cobranca.domain.audit import Change
from cobranca.domain.documents import check_document
from cobranca.platform import clock
from cobranca.platform.settings import get_settings

ERASED_NAME = "Titular anonimizado"
# Customer-partition sort-key prefixes and the export section each goes to.
CONTACT_HISTORY = {
    "NOTE#": "notes",
    "PROMISE#": "promises",
    "SENT#": "reminder_days",
    "BOUNCED#": "bounced_contacts",
}
ERASED_NOTE = "[texto apagado a pedido do titular (LGPD art. 18)]"
PERSONAL_FIELDS = ["name", "emails", "phones", "address", "invalid_contacts", "segment"]


class SubjectNotFound(LookupError):
    """No customer of this tenant has that document."""


def _normalise(document: str) -> str:
    check = check_document(document)
    if not check.valid or check.normalized is None:
        raise ValueError(f"not a valid CPF/CNPJ: {check.reason}")
    return check.normalized


def _customers(tenant_id: str, document: str, store: Table) -> list[dict[str, Any]]:
    found = list(
        store.query(
            "gsi1pk = :pk", {":pk": keys.customer_document(tenant_id, document)}, index="gsi1"
        )
    )
    return [item for item in found if item.get("type") == "customer"]


def export_subject(tenant_id: str, document: str, store: Table | None = None) -> dict[str, Any]:
    """Every item the hub holds about the person or company with ``document``."""
    store = store or table()
    normalised = _normalise(document)
    customers = _customers(tenant_id, normalised, store)
    if not customers:
        raise SubjectNotFound(f"no customer with that document in tenant {tenant_id}")

    result: dict[str, Any] = {
        "tenant": tenant_id,
        "document": normalised,
        "exported_at": clock.now(),
        "customers": [],
    }
    for customer in customers:
        customer_id = str(customer["customer_id"])
        receivables = []
        for item in store.query(
            "gsi2pk = :pk AND begins_with(gsi2sk, :r)",
            {":pk": keys.customer_receivables(tenant_id, customer_id), ":r": "R#"},
            index="gsi2",
        ):
            partition = store.partition(str(item["pk"]))
            audit = store.query(
                "gsi2pk = :pk",
                {":pk": keys.audit_of_receivable(tenant_id, str(item["receivable_id"]))},
                index="gsi2",
            )
            receivables.append({"items": partition, "audit": list(audit)})
        result["customers"].append(
            {
                "profile": customer["profile"],
                "receivables": receivables,
                **_contact_history(store.partition(keys.customer(tenant_id, customer_id))),
                "raw_payloads_bucket": get_settings().raw_bucket,
                "raw_payloads_prefix": f"raw/{tenant_id}/",
            }
        )
    return result


def pseudonym(tenant_id: str, document: str) -> str:
    """A keyed, irreversible stand-in for a document (same input, same pseudonym)."""
    key = str(get_json(get_settings().portal_secret_name)["key"]).encode()
    digest = hmac.new(key, f"{tenant_id}:{document}".encode(), hashlib.sha256).hexdigest()
    return f"ANON-{digest[:24]}"


def erase_subject(
    tenant_id: str, document: str, *, actor: str, store: Table | None = None
) -> dict[str, Any]:
    """Anonymise the subject's personal fields; financial records stay. Returns a summary."""
    from aws_lambda_powertools.utilities.data_masking import DataMasking

    store = store or table()
    normalised = _normalise(document)
    customers = _customers(tenant_id, normalised, store)
    if not customers:
        raise SubjectNotFound(f"no customer with that document in tenant {tenant_id}")

    masker = DataMasking(raise_on_missing_field=False)
    erased_items = 0
    stand_in = pseudonym(tenant_id, normalised)
    unit = UnitOfWork(tenant_id, store)
    now = clock.now()
    for customer in customers:
        profile = dict(customer["profile"])
        # Only fields the profile has: Powertools warns (on stderr) about each missing one.
        present = [field for field in PERSONAL_FIELDS if field in profile]
        masked = masker.erase(profile, fields=present) if present else profile
        masked.update(
            {
                "name": ERASED_NAME,
                "emails": [],
                "phones": [],
                "address": {},
                "invalid_contacts": [],
                "document": stand_in,
                "consent": {"email": False, "sms": False, "whatsapp": False},
            }
        )
        item = {
            **customer,
            "profile": masked,
            "erased_at": now,
            "gsi1pk": keys.customer_document(tenant_id, stand_in),
            "version": int(customer.get("version", 0)) + 1,
        }
        unit.add(
            [Put(item, condition="version = :v", values={":v": int(customer.get("version", 0))})],
            [
                Change(
                    f"customer:{customer['customer_id']}",
                    "lgpd.erased",
                    actor,
                    now,
                    None,
                    {"pseudonym": stand_in},
                )
            ],
        )
    # Contact history first: it is found through the real document, which the commit below
    # replaces with the pseudonym; a fault in between leaves a request that can be run again.
    for customer in customers:
        erased_items += _erase_contact_history(tenant_id, str(customer["customer_id"]), store)
    unit.commit()
    return {
        "tenant": tenant_id,
        "customers": len(customers),
        "pseudonym": stand_in,
        "contact_history_items_erased": erased_items,
    }


def _contact_history(partition: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every item of the customer partition besides the profile, by kind (opt-outs, the
    renegotiation case and anything newer go under ``other``: an export leaves nothing out)."""
    history: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTACT_HISTORY.values()}
    history["other"] = []
    for item in partition:
        sk = str(item["sk"])
        if sk == keys.PROFILE:
            continue
        kind = next(
            (kind for prefix, kind in CONTACT_HISTORY.items() if sk.startswith(prefix)), None
        )
        history[kind or "other"].append(item)
    return history


def _erase_contact_history(tenant_id: str, customer_id: str, store: Table) -> int:
    """Blank the text of collectors' notes and forget bounced contacts.

    A note is free text and may quote a phone or an address; its date, author and channel stay
    as the record that a contact happened. A bounce is kept only as a digest of the contact, but
    with the contact gone it serves nothing. Promises are amounts and dates: financial, kept.
    """
    changed = 0
    for item in store.partition(keys.customer(tenant_id, customer_id)):
        sk = str(item["sk"])
        if sk.startswith("NOTE#") and item.get("text") != ERASED_NOTE:
            key = {"pk": item["pk"], "sk": sk}
            store.update(
                Update(key, "SET #t = :t", names={"#t": "text"}, values={":t": ERASED_NOTE})
            )
            changed += 1
        elif sk.startswith("BOUNCED#"):
            store.delete(Delete({"pk": item["pk"], "sk": sk}))
            changed += 1
    return changed
