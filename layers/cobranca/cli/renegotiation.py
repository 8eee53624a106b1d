"""Renegotiation commands: the collector's worklist, offers, agreements, notes and promises.

- ``cobranca worklist TENANT``: debtors in the order to contact them;
- ``cobranca offers TENANT [--status S] [--stats]``: offers (pending by default), or the
  overview with executions by state and the acceptance and decline rates;
- ``cobranca agreements TENANT [--status S]``: agreements (active by default);
- ``cobranca offer start TENANT CUSTOMER [--receivable ID ...]``: a manual offer, the same flow
  as the scheduled one;
- ``cobranca promise TENANT CUSTOMER --date YYYY-MM-DD [--amount 100.00]``: a promise to pay;
- ``cobranca note TENANT CUSTOMER TEXT [--channel phone]``: a contact note.

Exit status: 0 done, 1 a value was refused (``reason`` names it), 2 usage.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from cobranca.cli.context import attach
from cobranca.cli.output import EXIT_INVALID, EXIT_VALID, emit

OFFER_STATUSES = ("pending", "accepted", "declined", "expired", "all")
AGREEMENT_STATUSES = ("applying", "active", "completed", "broken", "rolled_back", "all")
CHANNELS = ("phone", "whatsapp", "email", "sms", "visit", "other")


def register(groups: Any) -> None:
    """Add the worklist, offers, agreements, offer, promise and note commands."""
    worklist = groups.add_parser("worklist", help="debtors in the order to contact them")
    worklist.add_argument("tenant_id")
    worklist.add_argument("--limit", type=int, default=50)
    worklist.add_argument("--as-of", type=date.fromisoformat, default=None)
    worklist.set_defaults(handler=_worklist)

    offers = groups.add_parser("offers", help="renegotiation offers and rates")
    offers.add_argument("tenant_id")
    offers.add_argument("--status", choices=OFFER_STATUSES, default="pending")
    offers.add_argument("--stats", action="store_true", help="executions by state and rates")
    offers.set_defaults(handler=_offers)

    agreements = groups.add_parser("agreements", help="agreements (acordos) by status")
    agreements.add_argument("tenant_id")
    agreements.add_argument("--status", choices=AGREEMENT_STATUSES, default="active")
    agreements.set_defaults(handler=_agreements)

    offer = groups.add_parser("offer", help="start a renegotiation offer")
    offer_actions = offer.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = offer_actions.add_parser("start", help="offer a plan to a customer now")
    start.add_argument("tenant_id")
    start.add_argument("customer_id")
    start.add_argument("--receivable", action="append", default=[], help="only these (repeat)")
    start.add_argument("--key", default="", help="a new key starts a new offer the same day")
    start.add_argument("--by", default="operator:cli", help="who asked for it")
    start.set_defaults(handler=_offer_start)

    promise = groups.add_parser("promise", help="record a promise to pay")
    promise.add_argument("tenant_id")
    promise.add_argument("customer_id")
    promise.add_argument("--date", required=True, help="promised date (YYYY-MM-DD)")
    promise.add_argument("--amount", default=None, help="promised amount (default: all overdue)")
    promise.add_argument("--by", default="operator:cli")
    promise.set_defaults(handler=_promise)

    note = groups.add_parser("note", help="record a contact note about a customer")
    note.add_argument("tenant_id")
    note.add_argument("customer_id")
    note.add_argument("text")
    note.add_argument("--channel", choices=CHANNELS, default=None)
    note.add_argument("--by", default="operator:cli")
    note.set_defaults(handler=_note)


def _refused(reason: str) -> int:
    emit({"valid": False, "reason": reason})
    return EXIT_INVALID


def _known_tenant(tenant_id: str) -> bool:
    from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant

    try:
        load_tenant(tenant_id)
    except TenantNotFound:
        return False
    return True


def _worklist(args: argparse.Namespace) -> int:
    from cobranca.services.renegotiation import worklist

    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    emit(worklist.worklist(args.tenant_id, today=args.as_of, limit=args.limit))
    return EXIT_VALID


def _offers(args: argparse.Namespace) -> int:
    from cobranca.services.renegotiation import reports

    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    if args.stats:
        emit(reports.overview(args.tenant_id))
    else:
        emit(reports.offers(args.tenant_id, None if args.status == "all" else args.status))
    return EXIT_VALID


def _agreements(args: argparse.Namespace) -> int:
    from cobranca.services.renegotiation import reports

    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    emit(reports.agreements(args.tenant_id, None if args.status == "all" else args.status))
    return EXIT_VALID


def _offer_start(args: argparse.Namespace) -> int:
    from cobranca.services.renegotiation import starter

    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    started = starter.start(
        args.tenant_id,
        args.customer_id,
        receivable_ids=args.receivable,
        origin="operator",
        requested_by=args.by,
        key=args.key,
    )
    emit(
        {
            "valid": True,
            "execution": started.name,
            "execution_arn": started.execution_arn,
            "started": started.started,
        }
    )
    return EXIT_VALID


def _promise(args: argparse.Namespace) -> int:
    from cobranca.domain.money import MoneyError, money
    from cobranca.services.renegotiation import worklist

    try:
        promised_on = date.fromisoformat(args.date)
    except ValueError:
        return _refused(f"--date: not a date (YYYY-MM-DD): {args.date!r}")
    try:
        amount = None if args.amount is None else money(args.amount)
    except MoneyError:
        return _refused(f"--amount: not an amount: {args.amount!r}")
    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    try:
        saved = worklist.add_promise(
            args.tenant_id, args.customer_id, promised_on, author=args.by, amount=amount
        )
    except worklist.ContactError as error:
        option = f"--{error.field}" if error.field in {"date", "amount"} else error.field
        return _refused(f"{option}: {error.reason}")
    emit({"valid": True, **saved})
    return EXIT_VALID


def _note(args: argparse.Namespace) -> int:
    from cobranca.services.renegotiation import worklist

    attach()
    if not _known_tenant(args.tenant_id):
        return _refused(f"no tenant {args.tenant_id!r}")
    try:
        saved = worklist.add_note(
            args.tenant_id, args.customer_id, args.text, author=args.by, channel=args.channel
        )
    except worklist.ContactError as error:
        return _refused(f"{error.field}: {error.reason}")
    emit({"valid": True, **saved})
    return EXIT_VALID
