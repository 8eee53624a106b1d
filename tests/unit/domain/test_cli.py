"""`cobranca charges quote` and `cobranca doc check`: JSON out, exit 0 / 1 / 2."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cobranca.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


class TestChargesQuote:
    def test_late_payment(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(
            capsys,
            "charges", "quote",
            "--amount", "3000.00", "--due", "2025-03-10", "--paid-on", "2025-03-20",
            "--fine", "2%", "--interest", "1%/month",
        )  # fmt: skip

        assert status == 0
        assert payload["valid"] is True
        assert {key: payload[key] for key in ("principal", "fine", "interest", "discount")} == {
            "principal": "3000.00",
            "fine": "60.00",
            "interest": "10.00",
            "discount": "0.00",
        }
        assert (payload["total"], payload["days_late"]) == ("3070.00", 10)

    def test_boleto_paid_on_saturday_credited_on_monday(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, payload = run(
            capsys,
            "charges", "quote",
            "--amount", "100.00", "--due", "2020-11-27", "--paid-on", "2020-11-28",
            "--credited-on", "2020-11-30", "--interest", "1.00/day",
        )  # fmt: skip

        assert status == 0
        assert (payload["interest"], payload["total"], payload["days_late"]) == (
            "3.00",
            "103.00",
            3,
        )

    def test_discount_tiers_and_abatimento(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(
            capsys,
            "charges", "quote",
            "--amount", "1.000,00", "--due", "2026-03-10", "--paid-on", "2026-03-04",
            "--discount", "2%@2026-03-09", "--discount", "5%@2026-03-03",
            "--abatimento", "100.00",
        )  # fmt: skip

        assert status == 0
        assert (payload["abatimento"], payload["discount"], payload["total"]) == (
            "100.00",
            "18.00",
            "882.00",
        )

    def test_consumer_fine_is_clamped_with_a_note(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(
            capsys,
            "charges", "quote",
            "--amount", "100.00", "--due", "2025-03-10", "--paid-on", "2025-03-11",
            "--fine", "10%", "--consumer",
        )  # fmt: skip

        assert status == 0
        assert payload["fine"] == "2.00"
        assert "CDC art. 52" in payload["notes"][0]

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            (["--fine", "2x"], "fine"),
            (["--fine", "200%"], "fine"),
            (["--interest", "1%/week"], "interest"),
            (["--interest", "1.50/month"], "interest"),
            (["--discount", "5%"], "discount"),
            (["--discount", "5%@2026-03-01", "--discount", "1.00@2026-03-02"], "discount"),
            (["--discount", "5%@2026-03-11"], "discount"),
            (
                [f"--discount=1%@2026-03-0{day}" for day in range(1, 5)],
                "discount",
            ),
            (["--abatimento", "150.00"], "abatimento"),
            (["--credited-on", "2026-03-01"], "credited-on"),
            (["--credited-on", "2026-02-30"], "credited-on"),
            (["--state", "XX"], "state"),
            (["--holiday", "tomorrow"], "holiday"),
        ],
    )
    def test_invalid_values_exit_1_naming_the_option(
        self, capsys: pytest.CaptureFixture[str], extra: list[str], field: str
    ) -> None:
        argv = ["charges", "quote", "--amount", "100.00", "--due", "2026-03-10"]
        status, payload = run(capsys, *argv, "--paid-on", "2026-03-05", *extra)

        assert status == 1
        assert payload["valid"] is False
        assert payload["field"] == field
        assert payload["reason"].startswith(f"--{field}: ")

    @pytest.mark.parametrize(
        ("argv", "field"),
        [
            (["--amount", "abc", "--due", "2026-03-10", "--paid-on", "2026-03-10"], "amount"),
            (["--amount", "0", "--due", "2026-03-10", "--paid-on", "2026-03-10"], "amount"),
            (["--amount", "10", "--due", "10/03/2026", "--paid-on", "2026-03-10"], "due"),
            (["--amount", "10", "--due", "2026-03-10", "--paid-on", "x"], "paid-on"),
        ],
    )
    def test_invalid_required_values(
        self, capsys: pytest.CaptureFixture[str], argv: list[str], field: str
    ) -> None:
        status, payload = run(capsys, "charges", "quote", *argv)
        assert (status, payload["field"]) == (1, field)

    @pytest.mark.parametrize(
        "argv",
        [
            ["charges", "quote", "--due", "2026-03-10", "--paid-on", "2026-03-10"],
            ["charges", "quote", "--amount", "10", "--due", "2026-03-10"],
            [
                "charges",
                "quote",
                "--amount",
                "10",
                "--due",
                "2026-03-10",
                "--paid-on",
                "2026-03-10",
                "--interest-days",
                "weekly",
            ],
            ["charges"],
        ],
    )
    def test_usage_errors_exit_2(self, argv: list[str]) -> None:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2


class TestDocCheck:
    def test_valid_alphanumeric_cnpj(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(capsys, "doc", "check", "12.ABC.345/01DE-35")

        assert status == 0
        assert payload == {
            "valid": True,
            "kind": "cnpj",
            "normalized": "12ABC34501DE35",
            "formatted": "12.ABC.345/01DE-35",
        }

    def test_valid_cpf(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(capsys, "doc", "check", "12345678909")
        assert (status, payload["kind"], payload["formatted"]) == (0, "cpf", "123.456.789-09")

    def test_invalid_cpf_exits_1_with_reason(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, payload = run(capsys, "doc", "check", "123.456.789-00")

        assert status == 1
        assert payload == {
            "valid": False,
            "kind": "cpf",
            "normalized": "12345678900",
            "reason": "second check digit of the CPF is 0, expected 9",
        }

    def test_missing_value_is_a_usage_error(self) -> None:
        with pytest.raises(SystemExit) as exit_:
            main(["doc", "check"])
        assert exit_.value.code == 2
