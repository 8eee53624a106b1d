"""ERP commands: mapping dry runs and saves, pull sync, DLQ replay, the consistency audit.

- ``cobranca mapping dry-run --event receivable.upserted --payload sample.json [--preset bling |
  --mapping spec.json | --tenant aurora]`` maps a sample and prints the canonical result and the
  field errors; with a preset or a mapping file it needs no hub at all. Exit 0 valid, 1 not.
- ``cobranca mapping validate spec.json``, ``cobranca mapping presets``,
  ``cobranca mapping show TENANT [--version N]``, ``cobranca mapping save TENANT spec.json``;
- ``cobranca sync TENANT`` pulls the tenant's ERP changes now (the scheduled pull, for one
  tenant); exit 1 when it failed or another pull holds the lease;
- ``cobranca replay [--queue writeback|charge|reminder] [--limit N] [--dry-run]`` re-drives a
  dead-letter queue into its queue;
- ``cobranca reconcile TENANT [--write-report]`` compares the ERP's open receivables with the
  hub's and prints every divergence with counts; exit 1 when they diverge.

Commands that need the hub attach to the running local hub (``cobranca local``) unless the
environment names a table (a deployed stack).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cobranca.cli.output import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, emit, verdict


def register(groups: Any) -> None:
    """Add the mapping, sync, replay and reconcile command groups."""
    mapping = groups.add_parser("mapping", help="ERP field mappings (JMESPath + transforms)")
    actions = mapping.add_subparsers(dest="action", metavar="ACTION", required=True)

    dry = actions.add_parser("dry-run", help="map a sample payload; writes nothing")
    dry.add_argument("--event", required=True, help="receivable.upserted, payment.recorded...")
    dry.add_argument("--payload", type=Path, required=True, help="JSON file with the ERP data")
    source = dry.add_mutually_exclusive_group()
    source.add_argument("--preset", help="a preset (see `cobranca mapping presets`)")
    source.add_argument("--mapping", type=Path, help="a mapping spec JSON file")
    source.add_argument("--tenant", help="the tenant's mapping in force")
    dry.set_defaults(handler=_dry_run)

    check = actions.add_parser("validate", help="check a mapping spec file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_validate)

    presets = actions.add_parser("presets", help="the presets shipped with the hub")
    presets.set_defaults(handler=_presets)

    show = actions.add_parser("show", help="a tenant's mapping in force (or a saved version)")
    show.add_argument("tenant_id")
    show.add_argument("--version", type=int, default=None)
    show.set_defaults(handler=_show)

    save = actions.add_parser("save", help="validate and save a new version of the mapping")
    save.add_argument("tenant_id")
    save.add_argument("file", type=Path, help='spec JSON, or {"preset": "bling"}')
    save.add_argument("--expected-version", type=int, default=None)
    save.set_defaults(handler=_save)

    sync = groups.add_parser("sync", help="pull a tenant's ERP changes now")
    sync.add_argument("tenant_id")
    sync.add_argument("--page-size", type=int, default=None)
    sync.set_defaults(handler=_sync)

    replay = groups.add_parser("replay", help="re-drive a dead-letter queue into its queue")
    replay.add_argument("--queue", choices=("writeback", "charge", "reminder"), default="writeback")
    replay.add_argument("--limit", type=int, default=None)
    replay.add_argument("--dry-run", action="store_true", help="list, move nothing")
    replay.set_defaults(handler=_replay)

    reconcile = groups.add_parser("reconcile", help="compare the ERP's open receivables and ours")
    reconcile.add_argument("tenant_id")
    reconcile.add_argument("--write-report", action="store_true", help="also store it in S3")
    reconcile.set_defaults(handler=_reconcile)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SystemExit(f"cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise SystemExit(f"{path} is not JSON: {error}") from None


def _dry_run(args: argparse.Namespace) -> int:
    from cobranca.adapters.erp.mapping import PresetNotFound, load_preset
    from cobranca.services.mappings import MappingInvalid, dry_run, validate

    payload = _read_json(args.payload)
    try:
        if args.mapping is not None:
            spec = validate(_read_json(args.mapping))
        elif args.tenant:
            from cobranca.adapters.storage.tenants import load_tenant
            from cobranca.cli.context import attach
            from cobranca.services.mappings import mapping_for

            attach()
            spec = mapping_for(load_tenant(args.tenant)).spec
        else:
            spec = load_preset(args.preset or "canonical")
    except MappingInvalid as error:
        return verdict({"valid": False, "errors": error.errors})
    except PresetNotFound as error:
        emit({"valid": False, "errors": [{"field": "preset", "message": str(error)}]})
        return EXIT_USAGE
    return verdict(dry_run(spec, args.event, payload))


def _validate(args: argparse.Namespace) -> int:
    from cobranca.services.mappings import MappingInvalid, validate

    try:
        spec = validate(_read_json(args.file))
    except MappingInvalid as error:
        return verdict({"valid": False, "errors": error.errors})
    return verdict({"valid": True, "name": spec.name, "events": sorted(spec.events)})


def _presets(args: argparse.Namespace) -> int:
    from cobranca.services.mappings import preset_summary

    emit({"presets": preset_summary()})
    return EXIT_VALID


def _show(args: argparse.Namespace) -> int:
    from cobranca.adapters.storage.tenants import load_tenant
    from cobranca.cli.context import attach
    from cobranca.services.mappings import get_mapping, mapping_for

    attach()
    if args.version is None:
        emit(mapping_for(load_tenant(args.tenant_id)).as_dict())
        return EXIT_VALID
    stored = get_mapping(args.tenant_id, args.version)
    if stored is None:
        emit({"found": False, "tenant": args.tenant_id, "version": args.version})
        return EXIT_INVALID
    emit(stored.as_dict())
    return EXIT_VALID


def _save(args: argparse.Namespace) -> int:
    from cobranca.cli.context import attach
    from cobranca.services.mappings import MappingConflict, MappingInvalid, save_mapping

    attach()
    try:
        stored = save_mapping(
            args.tenant_id,
            _read_json(args.file),
            expected_version=args.expected_version,
            actor="cli",
        )
    except MappingInvalid as error:
        return verdict({"valid": False, "errors": error.errors})
    except MappingConflict as conflict:
        emit({"valid": False, "errors": [{"field": "version", "message": str(conflict)}]})
        return EXIT_INVALID
    emit({"valid": True, **stored.as_dict()})
    return EXIT_VALID


def _sync(args: argparse.Namespace) -> int:
    from cobranca.cli.context import attach
    from cobranca.services.sync import sync_tenant

    attach()
    report = sync_tenant(args.tenant_id, page_size=args.page_size)
    emit(report.as_dict())
    return EXIT_VALID if report.outcome in {"ok", "skipped"} else EXIT_INVALID


def _replay(args: argparse.Namespace) -> int:
    from cobranca.cli.context import attach
    from cobranca.services.replay import replay

    attach()
    report = replay(args.queue, limit=args.limit, dry_run=args.dry_run)
    emit(report.as_dict())
    return EXIT_VALID


def _reconcile(args: argparse.Namespace) -> int:
    from cobranca.cli.context import attach
    from cobranca.services.reconcile import reconcile_tenant

    attach()
    report = reconcile_tenant(args.tenant_id, write_report=args.write_report)
    emit(report.as_dict())
    return EXIT_VALID if report.consistent else EXIT_INVALID
