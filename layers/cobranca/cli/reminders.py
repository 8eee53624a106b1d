"""`cobranca outbox` and `cobranca reminders`: what the local hub sent, the régua's dry run.

- ``cobranca outbox [--channel email|sms|whatsapp]``: messages the running local hub sent
  (e-mails and SMS as the emulator accepted them, WhatsApp as the local sink recorded them);
- ``cobranca reminders dry-run TENANT --from D --to D``: counts per day and channel of what the
  tenant's policy would send over the range, sending nothing;
- ``cobranca reminders policy set TENANT FILE`` / ``policy show TENANT``: validate and store a
  policy (JSON); an invalid one is refused naming each bad field (exit 1).

With ``--url`` (the local hub, default ``http://127.0.0.1:3000``) the reminders commands find
the emulator and table through the hub's control routes; with ``--aws`` they use the
environment's AWS settings (TABLE_NAME and credentials) as deployed functions do.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from cobranca.cli.output import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, emit

DEFAULT_URL = "http://127.0.0.1:3000"


def register(groups: Any) -> None:
    """Add the `outbox` and `reminders` command groups."""
    outbox = groups.add_parser("outbox", help="messages the local hub sent (nothing leaves)")
    outbox.add_argument("--channel", choices=("email", "sms", "whatsapp"), default=None)
    outbox.add_argument("--url", default=DEFAULT_URL, help="the running local hub")
    outbox.set_defaults(handler=_outbox)

    reminders = groups.add_parser("reminders", help="the régua: dry run and policies")
    actions = reminders.add_subparsers(dest="action", metavar="ACTION", required=True)

    dry = actions.add_parser("dry-run", help="what the policy would send, per day and channel")
    dry.add_argument("tenant")
    dry.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    dry.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
    dry.add_argument("--messages", action="store_true", help="list each message too")
    _target(dry)
    dry.set_defaults(handler=_dry_run)

    policy = actions.add_parser("policy", help="set or show a tenant's policy")
    verbs = policy.add_subparsers(dest="verb", metavar="VERB", required=True)
    put = verbs.add_parser("set", help="validate and store a policy from a JSON file")
    put.add_argument("tenant")
    put.add_argument("file", type=Path)
    _target(put)
    put.set_defaults(handler=_policy_set)
    show = verbs.add_parser("show", help="print the stored policy")
    show.add_argument("tenant")
    _target(show)
    show.set_defaults(handler=_policy_show)


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=DEFAULT_URL, help="the running local hub")
    parser.add_argument("--aws", action="store_true", help="use the environment's AWS settings")


def _connect(args: argparse.Namespace) -> None:
    """Point this process at the local hub's emulator (unless --aws)."""
    if args.aws:
        return
    import httpx
    from cobranca_local.emulator import LOCAL_CREDENTIALS

    from cobranca.platform.lifecycle import reset_process_state

    resources = httpx.get(f"{args.url}/_local/resources", timeout=10).json()
    os.environ.update(LOCAL_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = resources["endpoint"]
    os.environ["TABLE_NAME"] = resources["resources"]["tables"][0]
    os.environ["RAW_BUCKET"] = resources["resources"]["buckets"][0]
    reset_process_state()


def _outbox(args: argparse.Namespace) -> int:
    import httpx

    params = {"channel": args.channel} if args.channel else {}
    try:
        response = httpx.get(f"{args.url}/_local/outbox", params=params, timeout=30)
    except httpx.HTTPError as error:
        emit({"valid": False, "reason": f"no local hub at {args.url}: {error}"})
        return EXIT_INVALID
    payload = response.json()
    messages = payload.get("messages", [])
    emit({"count": len(messages), "messages": messages})
    return EXIT_VALID if response.status_code == 200 else EXIT_INVALID


def _dry_run(args: argparse.Namespace) -> int:
    from cobranca.services.reminders.policies import dry_run

    if args.end < args.start:
        emit({"valid": False, "reason": "--to is before --from"})
        return EXIT_USAGE
    _connect(args)
    try:
        result = dry_run(args.tenant, args.start, args.end)
    except LookupError as missing:
        emit({"valid": False, "reason": str(missing)})
        return EXIT_INVALID
    summary: dict[str, Any] = {"tenant": args.tenant, **result.summary()}
    if args.messages:
        summary["message_list"] = [
            {
                "day": message.day.isoformat(),
                "customer_id": message.customer_id,
                "channel": message.channel,
                "receivables": list(message.receivable_ids),
                "steps": list(message.step_ids),
            }
            for message in result.messages
        ]
    emit(summary)
    return EXIT_VALID


def _policy_set(args: argparse.Namespace) -> int:
    from cobranca.domain.reminders import PolicyError
    from cobranca.services.reminders.policies import save_policy

    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        emit({"valid": False, "reason": f"{args.file}: {error}"})
        return EXIT_INVALID
    if not isinstance(document, dict):
        emit({"valid": False, "reason": f"{args.file}: a policy is a JSON object"})
        return EXIT_INVALID
    _connect(args)
    try:
        policy, version = save_policy(args.tenant, document)
    except PolicyError as invalid:
        emit({"valid": False, "errors": invalid.errors})
        return EXIT_INVALID
    emit({"valid": True, "tenant": args.tenant, "version": version, "policy": policy.to_document()})
    return EXIT_VALID


def _policy_show(args: argparse.Namespace) -> int:
    from cobranca.services.reminders.policies import load_policy

    _connect(args)
    policy = load_policy(args.tenant)
    if policy is None:
        emit({"valid": False, "reason": f"tenant {args.tenant!r} has no reminder policy"})
        return EXIT_INVALID
    emit({"valid": True, "tenant": args.tenant, "policy": policy.to_document()})
    return EXIT_VALID
