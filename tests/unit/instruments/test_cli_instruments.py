"""`cobranca boleto inspect`, `cobranca pix inspect` and `cobranca pix build`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cobranca.cli.main import main

from tests.vectors import cases

TRAPS_LINHA = "00191.23454 00000.000000 00000.000174 9 13810000015000"
EVP = "123e4567-e12b-12d1-a456-426655440000"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_boleto_inspect_valid_linha(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(capsys, "boleto", "inspect", TRAPS_LINHA, "--reference-date", "2026-01-15")

    assert status == 0
    assert out == {
        "valid": True,
        "kind": "bancario",
        "barcode": "00199138100000150001234500000000000000000017",
        "linha_digitavel": "00191234540000000000000000000174913810000015000",
        "bank": "001",
        "amount": "150.00",
        "due_date": "2026-03-10",
        "fator": 1381,
        "reason": None,
        "part": None,
    }


def test_boleto_inspect_arrecadacao(capsys: pytest.CaptureFixture[str]) -> None:
    linha = "846100000005246100291102005460339004695895061080"

    status, out = _run(capsys, "boleto", "inspect", linha)

    assert status == 0
    assert out["kind"] == "arrecadacao"
    assert out["amount"] == "24.61"
    assert out["barcode"] == "84610000000246100291100054603390069589506108"
    assert out["bank"] is None
    assert out["due_date"] is None


def test_boleto_inspect_without_reference_date_reads_today(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Fator 0000 has no due date, so the outcome does not depend on today's date.
    status, out = _run(capsys, "boleto", "inspect", "23797000000000000004150090019801673500021140")

    assert status == 0
    assert out["fator"] == 0
    assert out["amount"] == "0.00"


@pytest.mark.parametrize(
    ("code", "part", "reason"),
    [
        ("0019123454", "length", "length 10, expected 44 (barcode), 47 (linha digitável) or 48"),
        ("00191.23454 00000.00000x", "code", "non-digit character 'x' at position 24"),
        (
            "00191234550000000000000000000174913810000015000",
            "campo 1",
            "campo 1 DV is 5, expected 4",
        ),
    ],
)
def test_boleto_inspect_invalid(
    capsys: pytest.CaptureFixture[str], code: str, part: str, reason: str
) -> None:
    status, out = _run(capsys, "boleto", "inspect", code, "--reference-date", "2026-01-15")

    assert status == 1
    assert out["valid"] is False
    assert out["part"] == part
    assert out["reason"].startswith(reason)
    assert out["barcode"] is None


def test_boleto_inspect_large_amount(capsys: pytest.CaptureFixture[str]) -> None:
    from cobranca.instruments.boleto import build_boleto

    barcode = build_boleto("341", due_date=None, amount="1234567890.12", campo_livre="1" * 25)

    status, out = _run(capsys, "boleto", "inspect", barcode.barcode, "--large-amount")

    assert status == 0
    assert out["amount"] == "1234567890.12"
    assert out["fator"] is None


@pytest.mark.parametrize(
    "argv",
    [
        ("boleto", "inspect", TRAPS_LINHA, "--reference-date", "2026-13-01"),
        ("boleto", "inspect"),
        ("boleto",),
        ("boleto", "inspect", TRAPS_LINHA, "--unknown"),
    ],
)
def test_boleto_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str]) -> None:
    assert "usage:" in _usage_error(capsys, *argv)


def test_pix_inspect_valid(capsys: pytest.CaptureFixture[str]) -> None:
    payload = next(c["input"] for c in cases("pix_brcode") if c["expected"]["crc"] == "05B7")

    status, out = _run(capsys, "pix", "inspect", payload)

    assert status == 0
    assert out == {
        "valid": True,
        "crc": "05B7",
        "crc_valid": True,
        "key": "arya@stark.com",
        "amount": "125.00",
        "name": "Arya Stark with a very lo",
        "city": "Pindamonhangaba",
        "txid": "verylongreconciliationidt",
        "url": None,
        "reason": None,
        "field": None,
        "warnings": [],
    }


def test_pix_inspect_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    payload = next(
        c["input"] for c in cases("pix_brcode_invalid") if "URL" in c["expected"]["reason"]
    )

    status, out = _run(capsys, "pix", "inspect", payload)

    assert status == 1
    assert out["valid"] is False
    assert out["crc_valid"] is True
    assert out["field"] == "url (26-25)"
    assert out["reason"] == "URL (26-25) must not contain the protocol/scheme (https://)"


def test_pix_build_static(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(
        capsys, "pix", "build", "--key", EVP, "--name", "Café Exemplo Ltda", "--city", "SAO PAULO"
    )

    assert status == 0
    assert out == {
        "payload": "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-42665544000052040000"
        "5303986"
        "5802BR5917Cafe Exemplo Ltda6009SAO PAULO62070503***630446A7"
    }


def test_pix_build_dynamic_with_amount(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(
        capsys,
        "pix",
        "build",
        "--url",
        "pix.example.com/qr/v2/1234",
        "--name",
        "Fulano de Tal",
        "--city",
        "Brasilia",
        "--amount",
        "10.5",
    )

    assert status == 0
    assert "540510.50" in out["payload"]
    assert "010212" in out["payload"]


def test_pix_build_invalid_field_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _run(
        capsys, "pix", "build", "--key", EVP, "--name", "N" * 26, "--city", "SAO PAULO"
    )

    assert status == 1
    assert out == {
        "payload": None,
        "field": "merchant_name (59)",
        "reason": "merchant_name (59) has 26 characters, expected 1 to 25",
    }


@pytest.mark.parametrize(
    "argv",
    [
        ("pix", "build", "--name", "N", "--city", "C"),
        ("pix", "build", "--key", EVP, "--url", "x.com/1", "--name", "N", "--city", "C"),
        ("pix", "build", "--key", EVP, "--city", "C"),
        ("pix", "inspect"),
    ],
)
def test_pix_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str]) -> None:
    assert "usage:" in _usage_error(capsys, *argv)
