"""Every cnab240_retorno / cnab400_retorno vector and every public bank file in shared/vectors.

The bank files are read from ../shared at test time, byte for byte; nothing is copied here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cobranca.instruments.cnab import Layout, Occurrence, RetornoFile, RetornoRecord, read_retorno

from tests.vectors import CNAB_FILES, VECTORS, case_id, cases

RETORNO_CASES = cases("cnab240_retorno", "cnab400_retorno")
WITH_HEADER = [case for case in RETORNO_CASES if "header" in case["expected"]]
WITH_SPEC_ASSERTS = [case for case in RETORNO_CASES if "spec_asserts" in case["expected"]]

# Vector key -> attribute of RetornoRecord. Amount keys compare as Decimal, date keys as date.
RECORD_KEYS = {
    "cod_mov": "occurrence_code",
    "ocorrencia": "occurrence_code",
    "nosso_numero": "nosso_numero",
    "carteira": "carteira",
    "numero_documento": "seu_numero",
    "seu_numero": "seu_numero",
    "uso_empresa": "uso_empresa",
    "controle_participante": "uso_empresa",
    "banco_cobrador": "collecting_bank",
    "vencimento": "due_date",
    "data_ocorrencia": "occurred_on",
    "data_credito": "credited_on",
    "valor_titulo": "amount_title",
    "valor_pago": "amount_paid",
    "valor_liquido": "amount_credited",
    "tarifa": "bank_fee",
    "despesas_cobranca": "bank_fee",
    "juros_multa": "fees_paid",
    "juros_mora": "fees_paid",
    "desconto": "discount",
    "abatimento": "abatimento",
    "iof": "iof",
    "outras_despesas": "other_expenses",
    "outros_creditos": "other_credits",
}
DATE_KEYS = {"vencimento", "data_ocorrencia", "data_credito"}
# Keys the record does not expose, each for a stated reason.
NOT_EXPOSED = {
    "seq",  # the physical line number is exposed instead (line_number)
    "agencia",  # the beneficiário's own account identifies the file, not the title
    "agencia_dv",
    "conta",
    "conta_dv",
    "conta_cobranca",
    "id_empresa",
    "sacado_tipo",
}


def _file(case: dict[str, Any]) -> RetornoFile:
    return read_retorno((VECTORS.parent / case["input"]["file"]).read_bytes())


def _motivo_codes(raw: str) -> list[str]:
    pairs = [raw[index : index + 2].strip() for index in range(0, len(raw), 2)]
    return [code for code in pairs if code and set(code) != {"0"}]


def _assert_record(record: RetornoRecord, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key in NOT_EXPOSED:
            continue
        if key == "agencia_cobradora":
            # The record keeps the agency with its check digit (BB: 02085 + DV 0).
            assert record.collecting_agency.startswith(value), key
        elif key == "motivos":
            assert [motivo.code for motivo in record.motivos] == _motivo_codes(value)
        elif key == "sacado_nome":
            # Banks zero-fill an unknown payer; the record says "none" instead of zeros.
            assert record.payer_name == (None if set(value) == {"0"} else value)
        elif key == "sacado_doc":
            assert record.payer_document == (None if set(value) == {"0"} else value)
        elif key in DATE_KEYS:
            actual = getattr(record, RECORD_KEYS[key])
            assert actual == (None if value is None else date.fromisoformat(value)), key
        elif RECORD_KEYS.get(key, "").startswith(("amount", "bank_fee", "fees", "discount")) or (
            key in {"abatimento", "iof", "outras_despesas", "outros_creditos"}
        ):
            assert getattr(record, RECORD_KEYS[key]) == Decimal(value), key
        else:
            assert getattr(record, RECORD_KEYS[key]) == value, key


@pytest.mark.parametrize("case", RETORNO_CASES, ids=case_id)
def test_vector_records(case: dict[str, Any]) -> None:
    # GIVEN a public bank file and the values recomputed from its layout
    expected = case["expected"]

    # WHEN it is read
    retorno = _file(case)

    # THEN the layout, the record count and each listed record match
    kind_layout = Layout.CNAB240 if case["kind"] == "cnab240_retorno" else Layout.CNAB400
    assert retorno.layout is kind_layout
    assert retorno.rejected_lines == ()
    if "pairs_TU" in expected:
        assert len(retorno.records) == expected["pairs_TU"]
    if isinstance(expected.get("records"), int):
        assert len(retorno.records) == expected["records"]
    if isinstance(expected.get("records"), list):
        assert len(retorno.records) == len(expected["records"])
        for record, values in zip(retorno.records, expected["records"], strict=True):
            _assert_record(record, values)
    if "first" in expected:
        _assert_record(retorno.records[0], expected["first"])


@pytest.mark.parametrize("case", WITH_HEADER, ids=case_id)
def test_vector_header(case: dict[str, Any]) -> None:
    header = case["expected"]["header"]
    retorno = _file(case)

    assert retorno.bank == header["banco"]
    generated = header.get("data_geracao") or header.get("data_gravacao")
    assert retorno.generated_on == date.fromisoformat(generated)
    assert retorno.file_sequence == header.get("nsa", header.get("aviso"))


def _spec_value(key: str, raw: Any) -> Any:
    if key in {"data_credito", "data_vencimento", "data_ocorrencia"}:
        pattern = "%d%m%Y" if len(raw) == 8 else "%d%m%y"
        return datetime.strptime(raw, pattern).date()
    if key.startswith(("valor", "juros", "desconto", "abatimento", "iof", "outr")):
        return Decimal(int(raw)) / 100
    return raw


SPEC_KEYS = {
    "nosso_numero": "nosso_numero",
    "codigo_ocorrencia": "occurrence_code",
    "data_vencimento": "due_date",
    "data_ocorrencia": "occurred_on",
    "data_credito": "credited_on",
    "valor_titulo": "amount_title",
    "valor_recebido": "amount_paid",
    "valor_tarifa": "bank_fee",
    "juros_mora": "fees_paid",
    "desconto": "discount",
    "abatimento": "abatimento",
    "iof": "iof",
    "outras_despesas": "other_expenses",
    "outros_recebimento": "other_credits",
}


@pytest.mark.parametrize("case", WITH_SPEC_ASSERTS, ids=case_id)
def test_vector_spec_asserts(case: dict[str, Any]) -> None:
    asserts = case["expected"]["spec_asserts"]
    retorno = _file(case)
    first = retorno.records[0]

    for key, raw in asserts.items():
        if key in SPEC_KEYS:
            assert getattr(first, SPEC_KEYS[key]) == _spec_value(key, raw), key
        elif key == "carteira":
            assert int(first.carteira) == int(raw)
        elif key == "motivo_ocorrencia":
            assert [motivo.code for motivo in first.motivos] == raw
        elif key == "count":
            # Policy: records are titles only. brcobranca's CNAB 400 count of 7 also counts
            # the trailer line, so the 400 file's 6 detail records are one fewer.
            trailer_counted = 1 if retorno.layout is Layout.CNAB400 else 0
            assert len(retorno.records) + trailer_counted == raw
        else:
            pytest.fail(f"spec assert {key} has no mapping")


def test_every_public_file_reads_without_rejections() -> None:
    files = sorted(CNAB_FILES.iterdir())
    assert len(files) == 8

    for path in files:
        retorno = read_retorno(path.read_bytes())
        assert retorno.records, path.name
        assert retorno.rejected_lines == (), path.name


def test_bb_240_quirk_line_of_241_characters_is_recorded() -> None:
    retorno = read_retorno((CNAB_FILES / "laravel-boleto__cnab240__banco_brasil.ret").read_bytes())

    assert [issue.line for issue in retorno.warnings] == [2]
    assert "241 characters" in retorno.warnings[0].reason
    assert retorno.records[4].nosso_numero == "32948600000005048"
    assert retorno.records[4].amount_credited == Decimal("23.80")


def test_sicoob_240_nosso_numero_and_fee() -> None:
    retorno = read_retorno((CNAB_FILES / "brcobranca__CNAB240SICOOB.RET").read_bytes())

    assert retorno.bank == "756"
    assert [record.nosso_numero for record in retorno.records] == [
        "0000000083",
        "0000000116",
        "0000000123",
    ]
    first = retorno.records[0]
    assert first.occurrence is Occurrence.LIQUIDACAO
    assert first.amount_title == Decimal("2.00")
    assert first.amount_paid == Decimal("2.00")
    assert first.bank_fee == Decimal("1.70")
    assert first.due_date == date(2015, 8, 13)
    assert first.credited_on == date(2015, 8, 10)
    assert first.payer_name == "2A MATERIAIS ELETRICOS"
    # This public file lost 17 characters inside its header: the date is dropped, with a note.
    assert retorno.generated_on is None
    assert any("data_geracao" in issue.reason for issue in retorno.warnings)


def test_santander_240_laravel_file() -> None:
    retorno = read_retorno((CNAB_FILES / "laravel-boleto__cnab240__santander.ret").read_bytes())

    (record,) = retorno.records
    assert record.nosso_numero == "0000000001040"
    assert record.occurrence_code == "17"
    assert record.occurrence is Occurrence.LIQUIDACAO
    assert record.amount_title == Decimal("10.00")
    assert record.amount_paid == Decimal("11.00")
    assert record.fees_paid == Decimal("0.00")
    assert record.bank_fee == Decimal("3.24")
    assert record.credited_on == date(2014, 6, 5)
    assert retorno.warnings == ()


def test_banrisul_400_file() -> None:
    retorno = read_retorno((CNAB_FILES / "brcobranca__CNAB400BANRISUL.RET").read_bytes())

    assert (retorno.layout, retorno.bank, retorno.bank_name) == (Layout.CNAB400, "041", "Banrisul")
    (record,) = retorno.records
    assert record.nosso_numero == "2283256350"
    assert record.occurrence is Occurrence.LIQUIDACAO
    assert record.occurrence_description == "liquidação normal"
    assert record.amount_title == Decimal("1450.00")
    assert record.amount_paid == Decimal("1450.00")
    assert record.bank_fee == Decimal("1.60")
    assert record.due_date == date(2015, 5, 25)
    assert record.credited_on == date(2015, 5, 15)
    assert record.settled_amount == Decimal("1450.00")


def test_bradesco_400_liquidacao_apos_baixa_without_due_date() -> None:
    retorno = read_retorno((CNAB_FILES / "laravel-boleto__cnab400__bradesco.ret").read_bytes())

    late = retorno.records[2]
    assert late.nosso_numero == "000000000186"
    assert late.occurrence_code == "17"
    assert late.occurrence is Occurrence.LIQUIDACAO
    assert late.due_date is None
    assert late.amount_paid == Decimal("0.02")
    assert late.credited_on == date(2012, 4, 13)
    entrada = retorno.records[0]
    assert entrada.occurrence is Occurrence.ENTRADA_CONFIRMADA
    assert entrada.bank_fee == Decimal("2.52")
    assert entrada.settled_amount == Decimal("0.00")


def test_vectors_point_at_existing_files() -> None:
    for case in RETORNO_CASES:
        assert Path(VECTORS.parent / case["input"]["file"]).is_file()
