"""`cobranca demo` (what `make run` runs): the collection cycle of a demo company, end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(groups: Any) -> None:
    """Add the `demo` command."""
    demo = groups.add_parser(
        "demo",
        help="run a full collection cycle on a real Tryton ERP and the local runtime",
    )
    demo.add_argument(
        "--once", action="store_true", help="verify every step and exit (0 only if all held)"
    )
    demo.add_argument("--port", type=int, default=3000, help="API port on 127.0.0.1")
    demo.add_argument(
        "--workdir",
        type=Path,
        default=Path(".local") / "run",
        help="where the ERP copy and the hub's logs go",
    )
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from cobranca_local.demo import main

    return main(once=args.once, port=args.port, workdir=args.workdir)
