"""`cobranca charges issue|reissue|cancel|link|connect` and `cobranca parked`: charges by hand.

These commands run the same services the functions run: against the running local hub
(``.local/hub.json``, written by `cobranca local` and `make run`), or against a deployed stack
when ``TABLE_NAME`` and the AWS settings are in the environment. Exit status: 0 done, 1 refused
or failed (``reason`` says why), 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any

from cobranca.cli.context import attach
from cobranca.cli.output import EXIT_INVALID, EXIT_VALID, emit


def _charges_group(groups: Any) -> Any:
    """The `charges` command's sub-commands (created by cli.charges), or a new group."""
    parser = groups.choices.get("charges")
    if parser is None:
        parser = groups.add_parser("charges", help="charges of receivables")
        return parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="command", metavar="COMMAND", required=True)


def register(groups: Any) -> None:
    """Add charge operations to `charges`, and the `parked` command."""
    commands = _charges_group(groups)
    for name, text in (
        ("issue", "issue the receivable's charge (no-op when it has one)"),
        ("reissue", "segunda via: cancel the current charge and issue one with current terms"),
        ("cancel", "cancel the receivable's current charge"),
        ("link", "print the payer's signed payment page link"),
    ):
        command = commands.add_parser(name, help=text, description=__doc__)
        command.add_argument("tenant")
        command.add_argument("receivable")
        command.set_defaults(handler=_run, action_name=name)

    connect = commands.add_parser(
        "connect", help="register the hub's callback URL with the tenant's provider"
    )
    connect.add_argument("tenant")
    connect.add_argument("--base-url", required=True, help="public base URL of the hub's API")
    connect.add_argument("--provider", help="provider (default: the tenant's)")
    connect.set_defaults(handler=_connect)

    parked = groups.add_parser("parked", help="what was parked for an operator, newest first")
    parked.add_argument("tenant")
    parked.add_argument("--limit", type=int, default=50)
    parked.set_defaults(handler=_parked)


def _run(args: argparse.Namespace) -> int:
    from cobranca.adapters.gateways import ProviderError
    from cobranca.adapters.storage.tenants import TenantNotFound
    from cobranca.services.charging import Charging, payment_link

    attach()
    if args.action_name == "link":
        emit({"valid": True, "url": payment_link(args.tenant, args.receivable)})
        return EXIT_VALID
    try:
        charging = Charging.for_tenant(args.tenant)
        outcome = charging.handle(args.action_name, args.receivable, "operator request")
    except TenantNotFound:
        emit({"valid": False, "field": "tenant", "reason": f"unknown tenant {args.tenant}"})
        return EXIT_INVALID
    except ProviderError as error:
        emit({"valid": False, "field": "provider", "reason": str(error)})
        return EXIT_INVALID
    failed = outcome.outcome in ("failed", "skipped")
    emit(
        {
            "valid": not failed,
            "receivable": outcome.receivable_id,
            "action": outcome.action,
            "outcome": outcome.outcome,
            "reason": outcome.reason,
            "charge": outcome.charge,
        }
    )
    return EXIT_INVALID if failed else EXIT_VALID


def _connect(args: argparse.Namespace) -> int:
    from cobranca.adapters.gateways import ProviderError, provider_for
    from cobranca.adapters.secrets import tenant_secrets
    from cobranca.adapters.storage.tenants import load_tenant

    attach()
    tenant = load_tenant(args.tenant)
    name = args.provider or tenant.charge_provider
    url = f"{args.base_url.rstrip('/')}/v1/callbacks/{tenant.tenant_id}/{name}"
    try:
        provider_for(tenant, tenant_secrets(tenant.tenant_id), name).register_webhook(url)
    except ProviderError as error:
        emit({"valid": False, "field": "provider", "reason": str(error)})
        return EXIT_INVALID
    emit({"valid": True, "provider": name, "callback_url": url})
    return EXIT_VALID


def _parked(args: argparse.Namespace) -> int:
    from cobranca.services.confirmations import list_parked

    attach()
    items = list_parked(args.tenant, limit=args.limit)
    emit(
        {
            "valid": True,
            "count": len(items),
            "items": [
                {
                    "at": item.get("parked_at"),
                    "kind": item.get("kind"),
                    "ref": item.get("ref"),
                    "reason": item.get("reason"),
                    "raw_key": item.get("raw_key"),
                }
                for item in items
            ],
        }
    )
    return EXIT_VALID
