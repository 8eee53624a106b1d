"""The `cobranca` operator command: one sub-command group per area of the hub."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module registers its own sub-commands; importing them lazily keeps `cobranca --help`
# fast and lets an area's heavy dependencies load only when that area is used.
AREAS = (
    "cobranca.cli.boleto",
    "cobranca.cli.pix",
    "cobranca.cli.cnab",
    "cobranca.cli.charges",
    "cobranca.cli.charging",
    "cobranca.cli.documents",
    "cobranca.cli.erp",
    "cobranca.cli.local",
    "cobranca.cli.demo",
    "cobranca.cli.operations",
    "cobranca.cli.reminders",
    "cobranca.cli.renegotiation",
)


def build_parser() -> argparse.ArgumentParser:
    """Assemble the parser from every area that is installed."""
    parser = argparse.ArgumentParser(
        prog="cobranca",
        description="Collections hub for Brazilian receivables: operator commands.",
    )
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)
    for name in AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        module.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its handler returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
