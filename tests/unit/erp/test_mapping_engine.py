"""The mapping engine: typed transforms, field errors, validation when saved."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from cobranca.adapters.erp.mapping import MappingSpec, map_event
from cobranca.adapters.erp.mapping.transforms import (
    DateStep,
    DatetimeStep,
    DecimalStep,
    MapStep,
    StepError,
)
from cobranca.services.mappings import MappingInvalid, dry_run, validate
from pydantic import ValidationError

RECEIVABLE = {
    "erp_id": "id",
    "number": "numero",
    "customer_id": "cliente",
    "issue_date": {"path": "emissao", "steps": [{"op": "date", "format": "%d/%m/%Y"}]},
    "due_date": {"path": "vencimento", "steps": [{"op": "date", "format": "%d/%m/%Y"}]},
    "amount": {"path": "valor", "steps": [{"op": "decimal", "style": "br"}]},
    "status": {
        "path": "situacao",
        "steps": [{"op": "map", "values": {"A": "open", "P": "paid", "C": "cancelled"}}],
    },
}


def spec(fields: dict[str, Any] | None = None) -> MappingSpec:
    return validate(
        {
            "name": "teste",
            "events": {"receivable.upserted": {"receivable": {"fields": fields or RECEIVABLE}}},
        }
    )


SAMPLE = {
    "id": "T-1",
    "numero": "000123",
    "cliente": "C9",
    "emissao": "01/11/2026",
    "vencimento": "10/12/2026",
    "valor": "1.234,56",
    "situacao": "A",
}


@pytest.mark.parametrize(
    ("style", "text", "amount"),
    [
        ("br", "1.234,56", "1234.56"),
        ("br", "R$ 1.234,5", "1234.50"),
        ("br", "0,005", "0.01"),
        ("plain", "588.30", "588.30"),
        ("auto", "136,42", "136.42"),
        ("auto", "35.8", "35.80"),
    ],
)
def test_decimal_step_reads_brazilian_and_plain_amounts(style: str, text: str, amount: str) -> None:
    assert DecimalStep(op="decimal", style=style).apply(text) == Decimal(amount)  # type: ignore[arg-type]


def test_decimal_step_takes_json_floats_as_written() -> None:
    assert DecimalStep(op="decimal").apply(588.3) == Decimal("588.30")


def test_decimal_step_names_the_bad_value() -> None:
    with pytest.raises(StepError, match=re.escape("'12,3,4' is not an amount like 1.234,56")):
        DecimalStep(op="decimal", style="br").apply("12,3,4")


def test_date_step_formats_and_local_dates() -> None:
    assert DateStep(op="date", format="%d/%m/%Y").apply("05/11/2026") == date(2026, 11, 5)
    # 02:30 UTC on the 21st is still the 20th in São Paulo
    assert DateStep(op="date").apply("2026-11-21T02:30:00+00:00") == date(2026, 11, 20)
    with pytest.raises(StepError, match="does not match %d/%m/%Y"):
        DateStep(op="date", format="%d/%m/%Y").apply("2026-11-05")


def test_datetime_step_reads_naive_values_in_the_given_zone() -> None:
    step = DatetimeStep(op="datetime", format="%d/%m/%Y %H:%M:%S", timezone="America/Sao_Paulo")
    assert step.apply("20/11/2026 18:40:05") == datetime(2026, 11, 20, 21, 40, 5, tzinfo=UTC)


def test_map_step_default_and_error() -> None:
    assert MapStep(op="map", values={"1": "open"}, default="open").apply(9) == "open"
    with pytest.raises(StepError, match="'X' is not one of 1, 2"):
        MapStep(op="map", values={"1": "open", "2": "paid"}).apply("X")


def test_a_payload_maps_with_typed_transforms() -> None:
    mapped = map_event(spec(), "receivable.upserted", SAMPLE)

    assert mapped.ok
    (receivable,) = mapped.receivables
    assert receivable.amount == Decimal("1234.56")
    assert (receivable.issue_date, receivable.due_date) == (date(2026, 11, 1), date(2026, 12, 10))
    assert receivable.status.value == "open"


def test_field_errors_name_the_field_the_path_and_the_value() -> None:
    bad = SAMPLE | {"valor": "mil reais", "vencimento": "2026-12-10", "situacao": "Z"}

    mapped = map_event(spec(), "receivable.upserted", bad)

    assert not mapped.ok
    assert {(error.field, error.path) for error in mapped.errors} == {
        ("amount", "valor"),
        ("due_date", "vencimento"),
        ("status", "situacao"),
    }
    amount = next(error for error in mapped.errors if error.field == "amount")
    assert amount.message == "decimal: 'mil reais' is not an amount like 1.234,56"


def test_model_rules_come_back_as_field_errors() -> None:
    # GIVEN a due date before the issue date and a negative amount
    bad = SAMPLE | {"vencimento": "01/10/2026", "valor": "-5,00"}

    mapped = map_event(spec(), "receivable.upserted", bad)

    messages = {error.field: error.message for error in mapped.errors}
    assert messages == {"amount": "must not be negative"}
    bad = SAMPLE | {"vencimento": "01/10/2026"}
    (error,) = map_event(spec(), "receivable.upserted", bad).errors
    assert error.message == "due_date 2026-10-01 is before issue_date 2026-11-01"


def test_required_and_default() -> None:
    fields = RECEIVABLE | {
        "description": {"path": "obs", "default": "sem observação"},
        "branch": {"path": "filial", "required": True},
    }

    mapped = map_event(spec(fields), "receivable.upserted", SAMPLE)

    assert [(e.field, e.message) for e in mapped.errors] == [
        ("branch", "required but nothing selected")
    ]
    mapped = map_event(spec(fields), "receivable.upserted", SAMPLE | {"filial": "SP-01"})
    assert mapped.receivables[0].description == "sem observação"
    assert mapped.receivables[0].branch == "SP-01"


def test_items_give_one_receivable_per_installment() -> None:
    fields = {
        "erp_id": "doc.id",
        "number": "doc.numero",
        "customer_id": "doc.cliente",
        "issue_date": "doc.emissao",
        "due_date": "item.venc",
        "amount": {"path": "item.valor", "steps": [{"op": "decimal"}]},
        "installment": "index",
        "installments": "count",
    }
    document = {
        "id": "D1",
        "numero": "1",
        "cliente": "C",
        "emissao": "2026-11-01",
        "parcelas": [{"venc": "2026-12-01", "valor": "5,47"}, {"venc": "2027-01-01", "valor": 1}],
    }
    mapping = validate(
        {
            "name": "parcelas",
            "events": {
                "receivable.upserted": {"receivable": {"items": "parcelas", "fields": fields}}
            },
        }
    )

    mapped = map_event(mapping, "receivable.upserted", document)

    assert [(r.receivable_id, r.amount) for r in mapped.receivables] == [
        ("D1~1", Decimal("5.47")),
        ("D1~2", Decimal("1.00")),
    ]


def test_validation_when_saved_names_every_problem() -> None:
    document = {
        "name": "ruim",
        "events": {
            "receivable.upserted": {
                "receivable": {
                    "fields": {
                        "erp_id": "id[",
                        "valor_total": "valor",
                        "due_date": {"path": "d", "steps": [{"op": "date", "format": "dd/mm"}]},
                    }
                }
            },
            "invoice.created": {"receivable": {"fields": {}}},
        },
    }

    with pytest.raises(MappingInvalid) as invalid:
        validate(document)

    text = str(invalid.value)
    assert "does not compile" in text
    assert "format must be 'iso' or a strptime pattern" in text
    assert "invoice.created" in text
    document["events"].pop("invoice.created")  # type: ignore[attr-defined]
    document["events"]["receivable.upserted"]["receivable"]["fields"] = {  # type: ignore[index]
        "valor_total": "valor"
    }
    with pytest.raises(MappingInvalid) as invalid:
        validate(document)
    text = str(invalid.value)
    assert "receivable.valor_total is not a field of the canonical receivable" in text
    assert "receivable.amount must be mapped" in text


def test_a_preset_can_be_chosen_by_name() -> None:
    assert validate({"preset": "bling"}).name == "bling"
    with pytest.raises(MappingInvalid, match="no preset 'sap'"):
        validate({"preset": "sap"})


def test_dry_run_shows_the_result_and_errors_without_writing() -> None:
    result = dry_run(spec(), "receivable.upserted", SAMPLE | {"valor": "abc"})

    assert result["valid"] is False
    assert result["receivables"] == []
    assert result["errors"][0]["field"] == "amount"
    good = dry_run(spec(), "receivable.upserted", SAMPLE)
    assert good["valid"] is True
    assert good["receivables"][0]["amount"] == "1234.56"
    assert good["receivables"][0]["receivable_id"] == "T-1~1"


def test_dry_run_of_an_unknown_event_type() -> None:
    result = dry_run(spec(), "invoice.created", SAMPLE)

    assert result["valid"] is False
    assert result["errors"][0]["field"] == "type"


def test_an_unhandled_event_type_is_an_error() -> None:
    mapped = map_event(spec(), "payment.recorded", SAMPLE)

    assert [error.message for error in mapped.errors] == [
        "mapping 'teste' does not handle payment.recorded"
    ]


def test_steps_with_bad_parameters_fail_validation() -> None:
    with pytest.raises(ValidationError):
        MappingSpec.model_validate(
            {
                "name": "x",
                "events": {
                    "receivable.upserted": {
                        "receivable": {
                            "fields": RECEIVABLE
                            | {"branch": {"path": "f", "steps": [{"op": "regex", "pattern": "("}]}}
                        }
                    }
                },
            }
        )
