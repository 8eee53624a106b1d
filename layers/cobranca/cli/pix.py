"""`cobranca pix`: inspect a BR Code (pix copia e cola) or build one."""

from __future__ import annotations

import argparse
from typing import Any

from cobranca.cli.output import EXIT_INVALID, EXIT_VALID, emit, verdict


def register(groups: Any) -> None:
    """Add the `pix` command group to the CLI."""
    parser = groups.add_parser("pix", help="Pix BR Codes")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    inspect = commands.add_parser(
        "inspect",
        help="validate a BR Code and show its fields",
        description="Exit 0 when the code is valid, 1 when it is not (with the reason).",
    )
    inspect.add_argument("payload", help="the BR Code text (pix copia e cola)")
    inspect.set_defaults(handler=run_inspect)

    build = commands.add_parser(
        "build",
        help="build a static (--key) or dynamic (--url) BR Code",
        description="Accents in name and city are removed; other non-ASCII text is refused.",
    )
    target = build.add_mutually_exclusive_group(required=True)
    target.add_argument("--key", help="Pix key: CPF, CNPJ, e-mail, +55 phone or random key")
    target.add_argument("--url", help="payload location of a dynamic code, without https://")
    build.add_argument("--name", required=True, help="merchant name, up to 25 characters")
    build.add_argument("--city", required=True, help="merchant city, up to 15 characters")
    build.add_argument("--amount", help="amount in reais with a dot, e.g. 125.50")
    build.add_argument("--txid", default="***", help="static code txid, 1-25 A-Za-z0-9, or ***")
    build.set_defaults(handler=run_build)


def run_inspect(args: argparse.Namespace) -> int:
    """Print the verdict on one BR Code as JSON."""
    from cobranca.instruments.pix.brcode import parse_brcode

    code = parse_brcode(args.payload)
    return verdict(
        {
            "valid": code.valid,
            "crc": code.crc,
            "crc_valid": code.crc_valid,
            "key": code.key,
            "amount": code.amount,
            "name": code.name,
            "city": code.city,
            "txid": code.txid,
            "url": code.url,
            "reason": code.reason,
            "field": code.field,
            "warnings": list(code.warnings),
        }
    )


def run_build(args: argparse.Namespace) -> int:
    """Print ``{"payload": ...}``, or the failing field and reason with exit status 1."""
    from cobranca.instruments.pix.brcode import BRCodeError, build_brcode

    try:
        payload = build_brcode(
            key=args.key,
            url=args.url,
            name=args.name,
            city=args.city,
            amount=args.amount,
            txid=args.txid,
        )
    except BRCodeError as error:
        emit({"payload": None, "field": error.field, "reason": error.reason})
        return EXIT_INVALID
    emit({"payload": payload})
    return EXIT_VALID
