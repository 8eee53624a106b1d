"""Hostile boleto codes, reference dates and CPF/CNPJ look-alikes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cobranca.cli.main import main
from cobranca.domain.documents import check_document
from cobranca.instruments.boleto.barcode import Boleto
from cobranca.instruments.boleto.check_digits import mod10
from cobranca.instruments.boleto.fator import date_from_fator
from cobranca.instruments.boleto.inspection import inspect_code
from cobranca.instruments.boleto.page import BoletoPage, Party, render_boleto_page

LINHA = "00191234540000000000000000000174913810000015000"
BARCODE = "00199138100000150001234500000000000000000017"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("reference", ["9999-12-31", "9999-01-01"])
def test_inspect_against_a_reference_at_the_end_of_the_calendar(
    capsys: pytest.CaptureFixture[str], reference: str
) -> None:
    # The cycle after the reference's lies past 9999-12-31: reading it raised OverflowError.
    status, out = _run(capsys, "boleto", "inspect", LINHA, "--reference-date", reference)

    assert status == 0
    assert out["fator"] == 1381
    assert out["due_date"] == "9985-04-14"  # the last reading the calendar can hold


def test_fator_candidates_stop_at_the_calendar_edges() -> None:
    assert date_from_fator(1381, date(9999, 12, 31)) == date(9985, 4, 14)
    assert date_from_fator(9999, date(1, 1, 1)) == date(2025, 2, 21)


@pytest.mark.parametrize("text", ["2026-W11-2", "20260310"])
def test_reference_date_is_strictly_yyyy_mm_dd(
    capsys: pytest.CaptureFixture[str], text: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["boleto", "inspect", LINHA, "--reference-date", text])

    assert exit_info.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_linha_with_right_mod10_fields_but_wrong_dv_geral_is_refused() -> None:
    # GIVEN campo 1 changed (bank 001 -> 002) with its módulo 10 DV recomputed
    field1 = "002" + LINHA[3:9]
    tampered = field1 + str(mod10(field1)) + LINHA[10:]

    result = inspect_code(tampered, reference_date=date(2026, 3, 1))

    # THEN the three field DVs pass and the módulo 11 DV geral catches it
    assert not result.valid
    assert result.part == "DV geral"
    assert result.reason == "DV geral is 9, expected 7"


def test_boleto_inspect_of_undecodable_bytes_is_utf8_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["boleto", "inspect", LINHA[:5] + "\udcff" + LINHA[5:]])
    text = capsys.readouterr().out

    assert status == 1
    assert json.loads(text)["part"] == "code"
    text.encode("utf-8")


def test_printable_boleto_escapes_hostile_names() -> None:
    # GIVEN names and instructions from an ERP carrying markup
    boleto = Boleto(
        BARCODE, "001", "9", 9, 1381, date(2026, 3, 10), Decimal("150.00"), BARCODE[19:]
    )
    hostile = '<script>alert("x")</script>'
    page = BoletoPage(
        boleto=boleto,
        beneficiario=Party(name=f"Loja {hostile}", document="11.222.333/0001-81"),
        pagador=Party(name="Ana <img src=x onerror=alert(1)>", document="529.982.247-25"),
        nosso_numero="12345",
        agencia_codigo_beneficiario="1234/5678-9",
        instrucoes=("Não receber após <b>30 dias</b>",),
    )

    html = render_boleto_page(page)

    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;30 dias&lt;/b&gt;" in html


# --- CPF / CNPJ -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "12.ıSC.345/S1ıS-24",  # dotless i (U+0131) upper-cases to I
        "12.ISC.345/ſ1IS-24",  # long s (U+017F) upper-cases to S
        "12.iSC.345/S1IS-2４",  # full-width digit
        "12.ABC.345/01DE-35\u200b",  # zero-width space
    ],
)
def test_lookalike_letters_do_not_make_a_valid_cnpj(value: str) -> None:
    assert check_document("12.ISC.345/S1IS-24").valid  # the genuine alphanumeric CNPJ

    check = check_document(value)

    assert not check.valid
    assert check.reason is not None
    assert "characters not allowed" in check.reason


def test_eszett_does_not_grow_into_two_letters() -> None:
    # "ß".upper() is "SS": a 13-character input became a 14-character CNPJ candidate
    check = check_document("12ISC345ß1IS24")

    assert not check.valid
    assert check.normalized == "12ISC345ß1IS24"


def test_doc_check_of_undecodable_bytes_is_utf8_json(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doc", "check", "529.982.247-2\udcff"])
    text = capsys.readouterr().out
    out = json.loads(text)

    assert status == 1
    assert out["valid"] is False
    assert "not valid UTF-8" in out["reason"]
    text.encode("utf-8")
