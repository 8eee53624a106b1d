"""`cobranca mapping ...` offline: dry runs against presets and spec files, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cobranca.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_dry_run_with_a_preset(capsys: pytest.CaptureFixture[str]) -> None:
    status, result = run(
        capsys,
        "mapping",
        "dry-run",
        "--event",
        "receivable.upserted",
        "--payload",
        str(FIXTURES / "omie_conta_receber.json"),
        "--preset",
        "omie",
    )

    assert status == 0
    assert result["valid"] is True
    (receivable,) = result["receivables"]
    assert (receivable["receivable_id"], receivable["amount"]) == ("3784804194~2", "833.34")
    assert (receivable["due_date"], receivable["installments"]) == ("2027-01-15", 3)


def test_dry_run_shows_field_errors_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = json.loads((FIXTURES / "omie_conta_receber.json").read_text())
    sample["data_vencimento"] = "2027-01-15"
    payload = tmp_path / "sample.json"
    payload.write_text(json.dumps(sample))

    status, result = run(
        capsys,
        "mapping",
        "dry-run",
        "--event",
        "receivable.upserted",
        "--payload",
        str(payload),
        "--preset",
        "omie",
    )

    assert status == 1
    assert result["errors"] == [
        {
            "entity": "receivable",
            "field": "due_date",
            "path": "data_vencimento",
            "item": None,
            "message": "date: '2027-01-15' does not match %d/%m/%Y",
        }
    ]


def test_dry_run_with_a_spec_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "name": "mini",
                "events": {
                    "receivable.cancelled": {
                        "cancellation": {"fields": {"erp_id": "codigo", "reason": "motivo"}}
                    }
                },
            }
        )
    )
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"codigo": "NF-9", "motivo": "devolução"}))

    status, result = run(
        capsys,
        "mapping",
        "dry-run",
        "--event",
        "receivable.cancelled",
        "--payload",
        str(payload),
        "--mapping",
        str(spec),
    )

    assert status == 0
    assert result["cancellations"] == [
        {"erp_id": "NF-9", "installment": None, "reason": "devolução", "cancelled_at": None}
    ]


def test_validate_names_each_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(
        json.dumps(
            {
                "name": "x",
                "events": {"receivable.upserted": {"receivable": {"fields": {"erp_id": "id"}}}},
            }
        )
    )

    status, result = run(capsys, "mapping", "validate", str(spec))

    assert status == 1
    assert "receivable.amount must be mapped" in result["errors"][0]["message"]


def test_presets_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    status, result = run(capsys, "mapping", "presets")

    assert status == 0
    assert [item["name"] for item in result["presets"]] == [
        "bling",
        "canonical",
        "erpnext",
        "odoo",
        "omie",
        "tryton",
    ]
