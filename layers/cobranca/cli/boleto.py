"""`cobranca boleto`: inspect a boleto or arrecadação code (barcode or linha digitável)."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cobranca.cli.output import verdict

BUSINESS_ZONE = ZoneInfo("America/Sao_Paulo")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def register(groups: Any) -> None:
    """Add the `boleto` command group to the CLI."""
    parser = groups.add_parser("boleto", help="boleto and arrecadação codes")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    inspect = commands.add_parser(
        "inspect",
        help="validate a barcode or linha digitável and show what it carries",
        description="Exit 0 when the code is valid, 1 when it is not (with the reason).",
    )
    inspect.add_argument("code", help="44-digit barcode, 47- or 48-digit linha, dots allowed")
    inspect.add_argument(
        "--reference-date",
        type=_iso_date,
        default=None,
        help="date the fator de vencimento is read against (default: today, São Paulo)",
    )
    inspect.add_argument(
        "--large-amount",
        action="store_true",
        help="read positions 6-19 as a 14-digit amount (above R$ 99.999.999,99, no due date)",
    )
    inspect.set_defaults(handler=run_inspect)


def _iso_date(text: str) -> date:
    try:
        # fromisoformat alone also reads ISO week dates (2026-W11-2) and 20260310.
        if not _ISO_DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run_inspect(args: argparse.Namespace) -> int:
    """Print the verdict on one code as JSON."""
    from cobranca.instruments.boleto.inspection import inspect_code

    reference = args.reference_date or datetime.now(BUSINESS_ZONE).date()
    result = inspect_code(args.code, reference_date=reference, large_amount=args.large_amount)
    return verdict(
        {
            "valid": result.valid,
            "kind": result.kind,
            "barcode": result.barcode,
            "linha_digitavel": result.linha_digitavel,
            "bank": result.bank,
            "amount": result.amount,
            "due_date": result.due_date,
            "fator": result.fator,
            "reason": result.reason,
            "part": result.part,
        }
    )
