"""`cobranca cnab`: read a bank's CNAB retorno file and print what it reports, as JSON."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from cobranca.cli.output import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, emit

# A retorno of 250,000 CNAB 400 records is about 100 MiB; anything larger is not one the CLI
# should hold in memory, and a device such as /dev/zero would never end.
MAX_FILE_BYTES = 100 * 1024 * 1024


class _TooLarge(Exception):
    """The file is larger than :data:`MAX_FILE_BYTES`."""


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, refusing (without reading) a file larger than the limit."""
    limit = MAX_FILE_BYTES
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise _TooLarge(
                f"the file has {size} bytes; a retorno read here is at most {limit} bytes "
                f"({limit // (1024 * 1024)} MiB)"
            )
        # Devices and pipes report size 0: read one byte past the limit to notice the excess.
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge(
            f"the file has more than {limit} bytes; a retorno read here is at most {limit} bytes"
        )
    return data


def register(groups: Any) -> None:
    """Add the `cnab` command group to the CLI."""
    parser = groups.add_parser("cnab", help="CNAB 240/400 bank files")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    read = commands.add_parser(
        "read",
        help="read a retorno file (CNAB 240 or 400) and list its records",
        description=(
            "Exit 0 when the file reads (warnings and rejected lines are listed), 1 when it is "
            "not a readable retorno (with the reason) or is larger than 100 MiB, 2 when the "
            "file cannot be opened."
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
    # A path given as bytes that are not UTF-8 holds lone surrogates; print it replaced.
    shown = str(path).encode("utf-8", "replace").decode("utf-8")
    try:
        data = _read_bounded(path)
    except OSError as failure:
        emit({"valid": False, "reason": f"cannot read {shown}: {failure.strerror}"})
        return EXIT_USAGE
    except _TooLarge as too_large:
        emit({"valid": False, "reason": str(too_large), "line": None, "field": None})
        return EXIT_INVALID

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
