"""Boleto bancário: barcode and linha digitável, built, read and rejected with a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cobranca.instruments.boleto import (
    BoletoError,
    barcode_to_linha,
    build_boleto,
    format_linha,
    linha_to_barcode,
    parse_boleto,
)
from cobranca.instruments.boleto.barcode import amount_field
from hypothesis import given
from hypothesis import strategies as st

from tests.vectors import case_id, cases

# The shared vectors' own reference date for the 2025 restart cases.
REFERENCE = date(2025, 6, 15)


def _old_cycle_reference(case: dict[str, Any]) -> date:
    """A reference in the year the vector's boleto fell due (its source read the old cycle)."""
    due = case["expected"].get("due_date_old_cycle") or case["expected"].get("due_date")
    return date.fromisoformat(due) if due else REFERENCE


@pytest.mark.parametrize("case", cases("boleto_pair"), ids=case_id)
def test_pair_barcode_and_linha_convert_both_ways(case: dict[str, Any]) -> None:
    barcode = case["input"]["barcode"]
    linha = case["input"]["linha_digitavel"]

    assert barcode_to_linha(barcode) == linha
    assert linha_to_barcode(linha) == barcode
    assert format_linha(linha) == case["input"]["linha_formatada"]


@pytest.mark.parametrize("case", cases("boleto_pair"), ids=case_id)
@pytest.mark.parametrize("form", ["barcode", "linha_digitavel", "linha_formatada"])
def test_pair_reads_the_same_from_every_form(case: dict[str, Any], form: str) -> None:
    expected = case["expected"]

    boleto = parse_boleto(case["input"][form], reference_date=_old_cycle_reference(case))

    assert boleto.barcode == case["input"]["barcode"]
    assert boleto.linha_digitavel == case["input"]["linha_digitavel"]
    assert boleto.bank == expected["bank"]
    assert boleto.currency == expected["currency"]
    assert boleto.dv_geral == expected["dv_geral"]
    assert boleto.fator == expected["fator"]
    assert boleto.amount == Decimal(expected["amount"])
    assert boleto.campo_livre == expected["campo_livre"]
    old_cycle = expected["due_date_old_cycle"]
    assert boleto.due_date == (date.fromisoformat(old_cycle) if old_cycle else None)


@pytest.mark.parametrize("case", cases("boleto_barcode"), ids=case_id)
def test_barcode_vectors_read_in_2025_resolve_to_their_old_cycle(case: dict[str, Any]) -> None:
    # GIVEN barcodes whose due dates (2016-2022) the source read in the old cycle
    expected = case["expected"]

    # WHEN read in mid-2025 (2016 is beyond the 3000-day window: the nearest reading wins)
    boleto = parse_boleto(case["input"]["barcode"], reference_date=REFERENCE)

    # THEN fator, due date, amount and the derived linha all match
    assert boleto.fator == expected["fator"]
    assert boleto.due_date == date.fromisoformat(expected["due_date"])
    assert boleto.amount == Decimal(expected["amount"])
    assert boleto.linha_digitavel == expected["linha_digitavel_derived"]


@pytest.mark.parametrize("case", cases("boleto_barcode_synthetic"), ids=case_id)
def test_synthetic_barcodes(case: dict[str, Any]) -> None:
    expected = case["expected"]
    boleto = parse_boleto(case["input"]["barcode"], reference_date=REFERENCE)

    assert boleto.fator == expected["fator"]
    assert boleto.amount == Decimal(expected["amount"])
    if expected["fator"] == 4789:
        # Documented policy: the source splits cycles at a fixed fator (4469) and says
        # 2010-11-17; our resolver follows FEBRABAN's window around the reference date, which
        # from 2025-06-15 reads 4789 as 2035-07-09 (as the vector's note says). Read from a
        # 2010 reference, it is the vector's date.
        assert boleto.due_date == date(2035, 7, 9)
        again = parse_boleto(case["input"]["barcode"], reference_date=date(2010, 11, 1))
        assert again.due_date == date.fromisoformat(expected["due_date"])
        return
    due = expected["due_date"]
    assert boleto.due_date == (date.fromisoformat(due) if due else None)


@pytest.mark.parametrize("case", cases("boleto_barcode_invalid"), ids=case_id)
def test_invalid_barcodes_name_the_fator(case: dict[str, Any]) -> None:
    with pytest.raises(BoletoError) as error:
        parse_boleto(case["input"]["barcode"], reference_date=REFERENCE)

    assert error.value.part == "fator"
    assert error.value.reason == case["expected"]["reason"].replace("0001..0999", _fator(case))


def _fator(case: dict[str, Any]) -> str:
    return str(case["input"]["barcode"][5:9])


@pytest.mark.parametrize("case", cases("boleto_linha_invalid"), ids=case_id)
def test_invalid_linhas_name_the_failing_part(case: dict[str, Any]) -> None:
    linha = case["input"]["linha_digitavel"]

    with pytest.raises(BoletoError) as error:
        parse_boleto(linha, reference_date=REFERENCE)

    if "campo 1" in case["expected"]["reason"]:
        assert error.value.part == "campo 1"
        assert error.value.reason == "campo 1 DV is 2, expected 9"
    else:
        assert error.value.part == "DV geral"
        assert error.value.reason.startswith("DV geral is 7, expected ")


def test_traps_1_barcode_and_linha_after_the_restart() -> None:
    boleto = build_boleto(
        "001",
        due_date=date(2026, 3, 10),
        amount=Decimal("150.00"),
        campo_livre="1234500000000000000000017",
    )

    assert boleto.fator == 1381
    assert boleto.barcode == "00199138100000150001234500000000000000000017"
    assert boleto.linha_digitavel == "00191234540000000000000000000174913810000015000"
    assert len(boleto.barcode) == 44
    assert len(boleto.linha_digitavel) == 47


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (Decimal("588.30"), "0000058830"),
        (Decimal("136.42"), "0000013642"),
        (Decimal("35.80"), "0000003580"),
        ("588.30", "0000058830"),
        (Decimal("123.456"), "0000012346"),
        (Decimal("0.005"), "0000000001"),
    ],
)
def test_traps_2_amounts_become_exact_centavos(amount: Decimal | str, field: str) -> None:
    assert amount_field(amount) == field


def test_traps_2_a_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        amount_field(588.30)  # type: ignore[arg-type]


def test_traps_2_the_rounded_amount_is_what_the_boleto_carries() -> None:
    boleto = build_boleto("237", due_date=None, amount=Decimal("123.456"), campo_livre="0" * 25)

    assert boleto.amount == Decimal("123.46")
    assert boleto.barcode[9:19] == "0000012346"


def test_no_due_date_writes_fator_0000() -> None:
    boleto = build_boleto("237", due_date=None, amount=Decimal(0), campo_livre="0" * 25)

    assert boleto.barcode[5:9] == "0000"
    assert boleto.fator == 0
    assert parse_boleto(boleto.barcode, reference_date=REFERENCE).due_date is None


def test_a_large_amount_takes_over_the_fator_positions() -> None:
    # GIVEN R$ 1.234.567.890,12, which needs twelve digits of centavos
    amount = Decimal("1234567890.12")

    # WHEN built without a due date
    boleto = build_boleto("341", due_date=None, amount=amount, campo_livre="1" * 25)

    # THEN positions 6-19 hold the fourteen-digit amount and only a large-amount read gets it
    assert boleto.barcode[5:19] == "00123456789012"
    assert boleto.fator is None
    read = parse_boleto(boleto.barcode, reference_date=REFERENCE, large_amount=True)
    assert read.amount == amount
    assert read.due_date is None
    with pytest.raises(BoletoError, match="fator 0012 is not a valid fator"):
        parse_boleto(boleto.barcode, reference_date=REFERENCE)


def test_a_large_amount_with_a_due_date_is_refused() -> None:
    with pytest.raises(BoletoError, match="only on a boleto with no due date") as error:
        build_boleto("341", due_date=date(2026, 1, 5), amount="100000000.00", campo_livre="1" * 25)

    assert error.value.part == "amount"


@pytest.mark.parametrize(
    ("code", "part", "reason"),
    [
        ("0019913810000015000123450000000000000000001", "length", "length 43, expected 44"),
        ("001991381000001500012345000000000000000000177", "length", "length 45, expected 44"),
        (
            "00199138100000150001234500000000000000000O17",
            "code",
            "non-digit character 'O' at position 42",
        ),
        (
            "00191234540000000000000000000174913810000015001",
            "DV geral",
            "DV geral is 9, expected 6",
        ),
        (
            "00191234540000000000300000000174913810000015000",
            "campo 2",
            "campo 2 DV is 3, expected 0",
        ),
        (
            "00191234540000000000000000000184913810000015000",
            "campo 3",
            "campo 3 DV is 4, expected 2",
        ),
        (
            "00189138100000150001234500000000000000000017",
            "currency",
            "currency code is 8, expected 9 (real)",
        ),
    ],
)
def test_rejections_name_the_failing_part(code: str, part: str, reason: str) -> None:
    with pytest.raises(BoletoError) as error:
        parse_boleto(code, reference_date=REFERENCE)

    assert error.value.part == part
    assert error.value.reason.startswith(reason)


def test_an_arrecadacao_code_is_not_read_as_a_boleto() -> None:
    with pytest.raises(BoletoError, match="arrecadação"):
        parse_boleto("84610000000246100291100054603390069589506108", reference_date=REFERENCE)


@pytest.mark.parametrize(
    ("kwargs", "part"),
    [
        ({"bank": "01"}, "bank"),
        ({"bank": "00٠"}, "bank"),
        ({"campo_livre": "0" * 24 + "٠"}, "campo livre"),
        ({"campo_livre": "123"}, "campo livre"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"due_date": date(1999, 1, 1)}, "due date"),
    ],
)
def test_build_refuses_bad_fields_naming_them(kwargs: dict[str, Any], part: str) -> None:
    fields: dict[str, Any] = {
        "bank": "001",
        "due_date": date(2026, 3, 10),
        "amount": "1.00",
        "campo_livre": "0" * 25,
    }
    fields.update(kwargs)
    bank = fields.pop("bank")

    with pytest.raises(BoletoError) as error:
        build_boleto(bank, **fields)

    assert error.value.part == part


@given(barcode=st.text(alphabet="0123456789", min_size=44, max_size=44))
def test_barcode_to_linha_and_back_is_the_identity(barcode: str) -> None:
    linha = barcode_to_linha(barcode)

    assert len(linha) == 47
    assert linha_to_barcode(linha) == barcode


@given(
    bank=st.from_regex(r"\A[0-7][0-9]{2}\Z"),
    due=st.one_of(st.none(), st.dates(min_value=date(2000, 7, 3), max_value=date(2060, 1, 1))),
    cents=st.integers(min_value=0, max_value=9_999_999_999),
    campo_livre=st.text(alphabet="0123456789", min_size=25, max_size=25),
)
def test_build_then_parse_gives_back_every_field(
    bank: str, due: date | None, cents: int, campo_livre: str
) -> None:
    amount = Decimal(cents) / 100
    boleto = build_boleto(bank, due_date=due, amount=amount, campo_livre=campo_livre)

    # Read against the due date itself: always inside FEBRABAN's window.
    read = parse_boleto(boleto.linha_formatada, reference_date=due or REFERENCE)

    assert read == boleto
    assert read.amount == amount
    assert read.due_date == due
