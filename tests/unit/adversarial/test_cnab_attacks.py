"""Hostile CNAB retornos: look-alike digits, repeated records, gigantic and endless files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cobranca.cli import cnab as cnab_cli
from cobranca.cli.main import main
from cobranca.instruments.cnab import CnabError, read_retorno

from tests.vectors import CNAB_FILES

BB_240 = CNAB_FILES / "laravel-boleto__cnab240__banco_brasil.ret"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(["cnab", "read", *argv])
    return status, json.loads(capsys.readouterr().out)


def test_a_header_whose_bank_code_is_not_ascii_digits_is_not_a_retorno() -> None:
    # "١٢٣" (Arabic-Indic digits) passed str.isdigit(): the file read as a CNAB 240 of bank ""
    lines = BB_240.read_bytes().splitlines()
    data = b"\n".join(["١٢٣".encode() + lines[0][3:], *lines[1:]])

    with pytest.raises(CnabError, match="unrecognised header"):
        read_retorno(data)


def test_a_repeated_detail_is_read_but_flagged() -> None:
    # GIVEN the first segment T/U pair written twice in a row (lines 3-4 again as 5-6)
    lines = BB_240.read_bytes().splitlines()
    data = b"\n".join([*lines[:4], *lines[2:4], *lines[4:]])

    retorno = read_retorno(data)

    # THEN both are records (the file says so) and the repeat is named
    assert len(retorno.records) == 6
    first, second = retorno.records[0], retorno.records[1]
    assert first.nosso_numero == second.nosso_numero
    assert (second.line_number, first.line_number) == (5, 3)
    repeats = [issue for issue in retorno.warnings if "repeats" in issue.reason]
    assert [(issue.line, issue.reason) for issue in repeats] == [
        (5, "record repeats line 3 (same nosso número, ocorrência, amounts and dates)")
    ]


def test_a_file_larger_than_the_limit_is_refused_without_reading_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.ret"
    with huge.open("wb") as handle:  # sparse: nothing is written to disk
        handle.truncate(cnab_cli.MAX_FILE_BYTES + 1)

    status, out = _run(capsys, str(huge))

    assert status == 1
    assert out["valid"] is False
    assert out["reason"] == (
        f"the file has {cnab_cli.MAX_FILE_BYTES + 1} bytes; a retorno read here is at most "
        f"{cnab_cli.MAX_FILE_BYTES} bytes (100 MiB)"
    )


def test_an_endless_stream_is_cut_at_the_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # /dev/zero reports size 0 and never ends: read_bytes() would take all memory
    monkeypatch.setattr(cnab_cli, "MAX_FILE_BYTES", 4096)

    status, out = _run(capsys, "/dev/zero")

    assert status == 1
    assert "more than 4096 bytes" in out["reason"]


def test_a_path_that_is_not_utf8_prints_utf8_json(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["cnab", "read", "/nonexistent/ret\udcff.ret"])
    text = capsys.readouterr().out

    assert status == 2
    assert "No such file or directory" in json.loads(text)["reason"]
    text.encode("utf-8")
