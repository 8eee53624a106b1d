"""`cobranca cnab read`: JSON on stdout, exit 0 (reads), 1 (invalid file), 2 (usage)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cobranca.cli.main import main

from tests.vectors import CNAB_FILES


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(["cnab", "read", *argv])
    return status, json.loads(capsys.readouterr().out)


def test_read_prints_records_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, payload = _run(capsys, str(CNAB_FILES / "laravel-boleto__cnab240__banco_brasil.ret"))

    assert status == 0
    assert (payload["layout"], payload["bank"]) == ("240", "001")
    first = payload["records"][0]
    assert first == first | {
        "nosso_numero": "32948600000000196",
        "occurrence_code": "06",
        "occurrence": "liquidacao",
        "amount_title": "40.00",
        "amount_paid": "40.00",
        "fees_paid": "0.00",
        "discount": "0.00",
        "bank_fee": "5.00",
        "due_date": "2011-03-23",
        "occurred_on": "2011-03-21",
        "credited_on": "2011-03-23",
    }
    assert payload["warnings"] == [
        {"line": 2, "reason": "line has 241 characters; dropped the trailing blank"}
    ]


def test_read_400_with_null_dates(capsys: pytest.CaptureFixture[str]) -> None:
    status, payload = _run(capsys, str(CNAB_FILES / "laravel-boleto__cnab400__bradesco.ret"))

    assert status == 0
    assert payload["layout"] == "400"
    assert payload["records"][0]["credited_on"] is None
    assert payload["records"][2]["due_date"] is None
    assert payload["records"][2]["amount_paid"] == "0.02"


def test_invalid_file_exits_1_with_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "empty.ret"
    path.write_bytes(b"")

    status, payload = _run(capsys, str(path))

    assert status == 1
    assert payload["valid"] is False
    assert "empty" in payload["reason"]


def test_truncated_file_exits_1_unless_allowed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = (CNAB_FILES / "brcobranca__CNAB400BRADESCO.RET").read_bytes().split(b"\r\n")
    path = tmp_path / "cut.ret"
    path.write_bytes(b"\r\n".join(lines[:-2]))

    status, payload = _run(capsys, str(path))
    assert status == 1
    assert payload["line"] == 7

    status, payload = _run(capsys, "--allow-truncated", str(path))
    assert status == 0
    assert len(payload["records"]) == 6


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, payload = _run(capsys, str(tmp_path / "nowhere.ret"))

    assert status == 2
    assert "cannot read" in payload["reason"]


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["cnab", "read"])

    assert exit_info.value.code == 2
    assert "FILE" in capsys.readouterr().err.upper()
