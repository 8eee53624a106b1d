"""`cobranca cnab`: read a bank's CNAB retorno file and print what it reports, as JSON."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cobranca.cli.output import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, emit


def register(groups: Any) -> None:
    """Add the `cnab` command group to the CLI."""
    parser = groups.add_parser("cnab", help="CNAB 240/400 bank files")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    read = commands.add_parser(
        "read",
        help="read a retorno file (CNAB 240 or 400) and list its records",
        description=(
            "Exit 0 when the file reads (warnings and rejected lines are listed), 1 when it is "
            "not a readable retorno (with the reason), 2 when the file cannot be opened."
        ),
    )
    read.add_argument("file", type=Path, help="path of the retorno file")
    read.add_argument(
        "--allow-truncated",
        action="store_true",
        help="read a file that ends without its trailer, with a warning instead of an error",
    )
    read.set_defaults(handler=run_read)


def run_read(args: argparse.Namespace) -> int:
    """Print the records of one retorno file as JSON; amounts as strings, dates ISO."""
    from cobranca.instruments.cnab import CnabError, read_retorno

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as failure:
        emit({"valid": False, "reason": f"cannot read {path}: {failure.strerror}"})
        return EXIT_USAGE

    try:
        retorno = read_retorno(data, allow_truncated=args.allow_truncated)
    except CnabError as invalid:
        emit({"valid": False, "reason": str(invalid), "line": invalid.line, "field": invalid.field})
        return EXIT_INVALID

    emit(
        {
            "valid": True,
            "layout": retorno.layout.value,
            "bank": retorno.bank,
            "bank_name": retorno.bank_name,
            "generated_on": retorno.generated_on,
            "file_sequence": retorno.file_sequence,
            "records": [
                {
                    "line": record.line_number,
                    "nosso_numero": record.nosso_numero,
                    "seu_numero": record.seu_numero,
                    "occurrence_code": record.occurrence_code,
                    "occurrence": record.occurrence.value,
                    "occurrence_description": record.occurrence_description,
                    "amount_title": record.amount_title,
                    "amount_paid": record.amount_paid,
                    "fees_paid": record.fees_paid,
                    "discount": record.discount,
                    "abatimento": record.abatimento,
                    "bank_fee": record.bank_fee,
                    "amount_credited": record.amount_credited,
                    "due_date": record.due_date,
                    "occurred_on": record.occurred_on,
                    "credited_on": record.credited_on,
                    "motivos": [
                        {"code": motivo.code, "description": motivo.description}
                        for motivo in record.motivos
                    ],
                }
                for record in retorno.records
            ],
            "warnings": [
                {"line": issue.line, "reason": issue.reason} for issue in retorno.warnings
            ],
            "rejected_lines": [
                {"line": issue.line, "reason": issue.reason} for issue in retorno.rejected_lines
            ],
        }
    )
    return EXIT_VALID
