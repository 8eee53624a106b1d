"""`cobranca local`: the embedded AWS runtime on 127.0.0.1, and handles on its clock."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any

from cobranca.cli.context import clear_state, write_state
from cobranca.cli.output import EXIT_INVALID, EXIT_VALID, emit

DEFAULT_CONTROL = "http://127.0.0.1:3000"


def register(groups: Any) -> None:
    """Add the `local` command group."""
    local = groups.add_parser("local", help="run the hub locally (embedded AWS emulator)")
    local.add_argument("--port", type=int, default=3000, help="API port on 127.0.0.1")
    local.add_argument("--aws-port", type=int, default=0, help="emulator port (0: any free)")
    local.add_argument("--template", type=Path, default=None, help="SAM template to run")
    local.set_defaults(handler=_serve)

    actions = local.add_subparsers(dest="action", metavar="ACTION")

    advance = actions.add_parser("advance", help="move the local clock forward")
    advance.add_argument("--days", type=float, default=0)
    advance.add_argument("--hours", type=float, default=0)
    advance.add_argument("--minutes", type=float, default=0)
    advance.add_argument("--url", default=DEFAULT_CONTROL)
    advance.set_defaults(handler=_advance)

    run = actions.add_parser("run-schedule", help="fire one schedule now")
    run.add_argument("schedule")
    run.add_argument("--url", default=DEFAULT_CONTROL)
    run.set_defaults(handler=_run_schedule)

    clock = actions.add_parser("clock", help="show the local clock")
    clock.add_argument("--url", default=DEFAULT_CONTROL)
    clock.set_defaults(handler=_clock)


def _serve(args: argparse.Namespace) -> int:
    from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub

    hub = LocalHub(
        args.template or DEFAULT_TEMPLATE,
        api_port=args.port,
        aws_port=args.aws_port,
        background=True,
        retry_delay_seconds=5,
    )
    hub.start()
    write_state(hub.state())
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    emit(
        {
            "api": hub.url,
            "aws_endpoint": hub.emulator.endpoint,
            "resources": hub.provisioned,
            "schedules": sorted(hub.scheduler.schedules),
            "hint": "Ctrl+C stops; `cobranca local advance --days 1` moves the clock",
        }
    )
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        clear_state()
        hub.stop()
    return EXIT_VALID


def _post(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    import httpx

    response = httpx.post(url, json=body or {}, timeout=600)
    return response.status_code, response.json()


def _advance(args: argparse.Namespace) -> int:
    delta = {"days": args.days, "hours": args.hours, "minutes": args.minutes}
    status, payload = _post(f"{args.url}/_local/clock/advance", delta)
    emit(payload)
    return EXIT_VALID if status == 200 else EXIT_INVALID


def _run_schedule(args: argparse.Namespace) -> int:
    status, payload = _post(f"{args.url}/_local/schedules/{args.schedule}")
    print(json.dumps(payload, indent=2, default=str))
    return EXIT_VALID if status == 200 else EXIT_INVALID


def _clock(args: argparse.Namespace) -> int:
    import httpx

    response = httpx.get(f"{args.url}/_local/clock", timeout=10)
    emit(response.json())
    return EXIT_VALID if response.status_code == 200 else EXIT_INVALID
