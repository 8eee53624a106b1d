"""Operator commands on hub data: tenants, reports, dashboard link, audit, LGPD, export."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cobranca.cli.context import attach
from cobranca.cli.output import EXIT_INVALID, EXIT_VALID, emit


def register(groups: Any) -> None:
    """Add the tenant, report, dashboard, audit, lgpd and export command groups."""
    tenant = groups.add_parser("tenant", help="onboard and inspect tenants")
    tenant_actions = tenant.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = tenant_actions.add_parser("create", help="create or replace a tenant")
    create.add_argument("tenant_id")
    create.add_argument("--name", required=True)
    create.add_argument("--document", required=True, help="the company's CNPJ")
    create.add_argument("--profile", type=Path, help="JSON file with more profile fields")
    create.add_argument("--secrets", type=Path, help="JSON file with the secret document")
    create.set_defaults(handler=_tenant_create)
    show = tenant_actions.add_parser("show", help="print a tenant's profile")
    show.add_argument("tenant_id")
    show.set_defaults(handler=_tenant_show)

    report = groups.add_parser("report", help="a KPI report (JSON or CSV)")
    report.add_argument("tenant_id")
    report.add_argument("report", help="summary, aging, delinquency, forecast, conversion...")
    report.add_argument("--as-of", type=date.fromisoformat, default=None)
    report.add_argument("--format", choices=("json", "csv"), default="json")
    report.set_defaults(handler=_report)

    dashboard = groups.add_parser("dashboard", help="a signed link to the operator dashboard")
    dashboard.add_argument("tenant_id")
    dashboard.add_argument("--hours", type=float, default=12)
    dashboard.set_defaults(handler=_dashboard)

    audit = groups.add_parser("audit", help="the audit trail")
    audit_actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = audit_actions.add_parser("verify", help="check the tenant's hash chain")
    verify.add_argument("tenant_id")
    verify.set_defaults(handler=_audit_verify)
    history = audit_actions.add_parser("show", help="every change to one receivable")
    history.add_argument("tenant_id")
    history.add_argument("receivable_id")
    history.set_defaults(handler=_audit_show)

    lgpd = groups.add_parser("lgpd", help="data subject requests (export, erasure)")
    lgpd_actions = lgpd.add_subparsers(dest="action", metavar="ACTION", required=True)
    export_subject = lgpd_actions.add_parser("export", help="everything held about a CPF/CNPJ")
    export_subject.add_argument("tenant_id")
    export_subject.add_argument("document")
    export_subject.set_defaults(handler=_lgpd_export)
    erase = lgpd_actions.add_parser("erase", help="anonymise a CPF/CNPJ's personal data")
    erase.add_argument("tenant_id")
    erase.add_argument("document")
    erase.add_argument("--yes", action="store_true", help="confirm: erasure cannot be undone")
    erase.set_defaults(handler=_lgpd_erase)

    export = groups.add_parser("export", help="a consistent export of a tenant (JSON lines)")
    export.add_argument("tenant_id")
    export.add_argument("--out", type=Path, default=None, help="folder (default: .local/exports)")
    export.set_defaults(handler=_export)


def _tenant_create(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from cobranca.model.tenants import Tenant
    from cobranca.services.tenants import create_tenant

    attach()
    profile: dict[str, Any] = {
        "tenant_id": args.tenant_id,
        "name": args.name,
        "document": args.document,
    }
    if args.profile:
        profile |= json.loads(args.profile.read_text(encoding="utf-8"))
    secrets = json.loads(args.secrets.read_text(encoding="utf-8")) if args.secrets else None
    try:
        tenant = Tenant.model_validate(profile)
    except ValidationError as error:
        emit({"valid": False, "reason": str(error)})
        return EXIT_INVALID
    document = create_tenant(tenant, secrets)
    emit(
        {
            "valid": True,
            "tenant": tenant.model_dump(mode="json"),
            "webhook_secrets": len(document["webhook_secrets"]),
        }
    )
    return EXIT_VALID


def _tenant_show(args: argparse.Namespace) -> int:
    from cobranca.adapters.storage.tenants import TenantNotFound, load_tenant

    attach()
    try:
        emit(load_tenant(args.tenant_id).model_dump(mode="json"))
    except TenantNotFound:
        emit({"valid": False, "reason": f"no tenant {args.tenant_id!r}"})
        return EXIT_INVALID
    return EXIT_VALID


def _report(args: argparse.Namespace) -> int:
    from cobranca.platform import clock
    from cobranca.services import reports

    attach()
    try:
        body = reports.build(args.tenant_id, args.report, args.as_of or clock.today())
    except reports.UnknownReport as unknown:
        emit({"valid": False, "reason": str(unknown)})
        return EXIT_INVALID
    if args.format == "csv":
        sys.stdout.write(reports.to_csv(body))
    else:
        sys.stdout.write(reports.to_json(body) + "\n")
    return EXIT_VALID


def _dashboard(args: argparse.Namespace) -> int:
    from cobranca.services import links

    attach()
    token = links.sign("dashboard", args.tenant_id, args.tenant_id, ttl=timedelta(hours=args.hours))
    emit({"url": links.url_for("dashboard", token), "valid_for_hours": args.hours})
    return EXIT_VALID


def _audit_verify(args: argparse.Namespace) -> int:
    from cobranca.services import audit

    attach()
    result = audit.verify_chain(args.tenant_id)
    emit(
        {
            "valid": result.intact,
            "tenant": args.tenant_id,
            "entries": result.entries,
            "first_broken_link": result.broken_at,
            "reason": result.reason,
        }
    )
    return EXIT_VALID if result.intact else EXIT_INVALID


def _audit_show(args: argparse.Namespace) -> int:
    from cobranca.services import audit

    attach()
    entries = audit.history_of(args.tenant_id, args.receivable_id)
    emit(
        [
            {
                key: entry.get(key)
                for key in ("seq", "at", "actor", "action", "before", "after", "source_event_id")
            }
            for entry in entries
        ]
    )
    return EXIT_VALID


def _lgpd_export(args: argparse.Namespace) -> int:
    from cobranca.services import lgpd

    attach()
    try:
        emit(lgpd.export_subject(args.tenant_id, args.document))
    except (lgpd.SubjectNotFound, ValueError) as error:
        emit({"valid": False, "reason": str(error)})
        return EXIT_INVALID
    return EXIT_VALID


def _lgpd_erase(args: argparse.Namespace) -> int:
    from cobranca.services import lgpd

    if not args.yes:
        emit({"valid": False, "reason": "erasure cannot be undone; repeat with --yes"})
        return EXIT_INVALID
    attach()
    try:
        emit(lgpd.erase_subject(args.tenant_id, args.document, actor="operator:cli"))
    except (lgpd.SubjectNotFound, ValueError) as error:
        emit({"valid": False, "reason": str(error)})
        return EXIT_INVALID
    return EXIT_VALID


def _export(args: argparse.Namespace) -> int:
    from cobranca.platform import clock
    from cobranca.services.export import export_tenant

    attach()
    lines, manifest = export_tenant(args.tenant_id)
    folder = args.out or Path(".local") / "exports" / (
        f"{args.tenant_id}-{clock.now():%Y%m%dT%H%M%S}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    emit({"folder": str(folder), **manifest})
    return EXIT_VALID
