"""`cobranca doc check VALUE`: is it a valid CPF or CNPJ (numeric or alphanumeric)?

Prints ``valid``, ``kind`` (cpf or cnpj), ``normalized`` and, when valid, ``formatted``; when
invalid, ``reason`` says what failed (length, characters, repeated digits, which check digit).
Exit status: 0 valid, 1 invalid, 2 usage.
"""

from __future__ import annotations

import argparse
from typing import Any

from cobranca.cli.output import verdict
from cobranca.domain.documents import check_document


def _check(args: argparse.Namespace) -> int:
    check = check_document(args.value)
    payload: dict[str, Any] = {
        "valid": check.valid,
        "kind": check.kind,
        "normalized": check.normalized,
    }
    if check.valid:
        payload["formatted"] = check.formatted
    else:
        payload["reason"] = check.reason

    try:
        check.normalized.encode("utf-8")
    except UnicodeEncodeError as undecodable:
        # A shell argument with bytes that are not UTF-8 arrives as lone surrogates; echoed
        # as they are, the JSON on stdout would not be UTF-8 either.
        payload["normalized"] = check.normalized.encode("utf-8", "replace").decode("utf-8")
        payload["reason"] = (
            f"VALUE is not valid UTF-8 text (character {undecodable.start + 1} after "
            "punctuation is removed)"
        )
    return verdict(payload)


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doc`` command group."""
    documents = groups.add_parser("doc", help="CPF and CNPJ documents")
    commands = documents.add_subparsers(dest="command", metavar="COMMAND", required=True)

    parser = commands.add_parser("check", help="validate a CPF or CNPJ", description=__doc__)
    parser.add_argument("value", metavar="VALUE", help="the document, punctuated or not")
    parser.set_defaults(handler=_check)
