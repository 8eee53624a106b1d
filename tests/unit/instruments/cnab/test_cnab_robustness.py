"""What real retornos do to a parser: encodings, line endings, odd widths, truncation, garbage."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from cobranca.instruments.cnab import (
    BankEvent,
    CnabError,
    Layout,
    Occurrence,
    RetornoFile,
    read_retorno,
    write_retorno,
)

from tests.unit.instruments.cnab.support import BENEFICIARIOS, make_title
from tests.vectors import CNAB_FILES

BB_240 = (CNAB_FILES / "laravel-boleto__cnab240__banco_brasil.ret").read_bytes()
BRADESCO_400 = (CNAB_FILES / "brcobranca__CNAB400BRADESCO.RET").read_bytes()


def _lines(data: bytes) -> list[bytes]:
    return [line for line in re.split(rb"\r\n|\r|\n", data) if line]


def _join(lines: list[bytes], ending: bytes = b"\r\n") -> bytes:
    return b"".join(line + ending for line in lines)


def _simulated_240() -> bytes:
    event = BankEvent(
        make_title(),
        Occurrence.LIQUIDACAO,
        date(2026, 3, 10),
        amount_paid=Decimal("100.00"),
        bank_fee=Decimal("1.40"),
    )
    return write_retorno(
        BENEFICIARIOS["001"], [event], layout=Layout.CNAB240, generated_on=date(2026, 3, 10)
    )


def _same_records(left: RetornoFile, right: RetornoFile) -> None:
    assert left.records == right.records


def test_utf8_byte_order_mark_is_dropped() -> None:
    retorno = read_retorno(b"\xef\xbb\xbf" + BRADESCO_400)

    assert retorno.bank == "237"
    _same_records(retorno, read_retorno(BRADESCO_400))


def test_mixed_crlf_lf_cr_line_endings() -> None:
    # GIVEN the BB file with each line ending in a different convention
    endings = [b"\r\n", b"\n", b"\r"]
    mixed = b"".join(line + endings[index % 3] for index, line in enumerate(_lines(BB_240)))

    # WHEN read THEN nothing changes but the endings
    _same_records(read_retorno(mixed), read_retorno(BB_240))


def test_trailing_blank_lines_and_eof_mark_are_ignored() -> None:
    retorno = read_retorno(BRADESCO_400 + b"\r\n\r\n   \r\n\x1a")

    assert len(retorno.records) == 6
    assert retorno.warnings == ()


def test_blank_line_in_the_middle_is_skipped_with_a_warning() -> None:
    lines = _lines(BRADESCO_400)
    data = _join([*lines[:3], b"", *lines[3:]])

    retorno = read_retorno(data)

    assert len(retorno.records) == 6
    assert [issue.line for issue in retorno.warnings if "blank" in issue.reason] == [4]


def test_right_trimmed_240_lines_are_padded() -> None:
    trimmed = _join([line.rstrip(b" ") for line in _lines(_simulated_240())])

    retorno = read_retorno(trimmed)

    assert retorno.records[0].amount_paid == Decimal("100.00")
    assert any("right-trimmed" in issue.reason for issue in retorno.warnings)


def test_line_of_239_characters_is_padded_with_a_warning() -> None:
    lines = _lines(_simulated_240())
    lines[3] = lines[3][:239]  # segment U losing its last (blank) position

    retorno = read_retorno(_join(lines))

    assert retorno.records[0].amount_credited == Decimal("98.60")
    assert any(issue.line == 4 and "239" in issue.reason for issue in retorno.warnings)


def test_line_of_241_characters_ending_in_blank_drops_it_with_a_warning() -> None:
    lines = _lines(_simulated_240())
    lines[2] = lines[2] + b" "

    retorno = read_retorno(_join(lines))

    assert retorno.records[0].nosso_numero == "12345678"
    assert any(issue.line == 3 and "241" in issue.reason for issue in retorno.warnings)


def test_line_of_241_characters_ending_in_data_is_rejected_with_its_pair() -> None:
    # GIVEN a segment T with one character too many, not a blank
    lines = _lines(_simulated_240())
    lines[2] = lines[2][:239] + b"XY"

    # WHEN read
    retorno = read_retorno(_join(lines))

    # THEN the T is rejected with the reason, its U too, and no title is misread
    assert retorno.records == ()
    reasons = {issue.line: issue.reason for issue in retorno.rejected_lines}
    assert "cannot be located" in reasons[3]
    assert "without the segment T" in reasons[4]


def test_short_400_line_is_rejected_because_its_sequence_would_shift() -> None:
    lines = _lines(BRADESCO_400)
    lines[1] = lines[1][:150] + lines[1][151:]

    retorno = read_retorno(_join(lines))

    assert len(retorno.records) == 5
    assert retorno.rejected_lines[0].line == 2
    assert "399 characters" in retorno.rejected_lines[0].reason


def test_huge_line_is_rejected() -> None:
    lines = _lines(BRADESCO_400)
    lines[2] = lines[2] * 50

    retorno = read_retorno(_join(lines))

    assert len(retorno.records) == 5
    assert retorno.rejected_lines[0].line == 3
    assert "20000 characters" in retorno.rejected_lines[0].reason


def test_huge_header_is_an_error() -> None:
    with pytest.raises(CnabError, match="longer than a CNAB 400 record") as error:
        read_retorno(b"02RETORNO" + b"9" * 5000)

    assert error.value.line == 1


def test_truncated_file_without_trailer_is_an_error() -> None:
    truncated = _join(_lines(BB_240)[:-2])

    with pytest.raises(CnabError, match="without its trailer") as error:
        read_retorno(truncated)

    assert error.value.line == 12


def test_truncated_file_reads_when_allowed_with_a_warning() -> None:
    truncated = _join(_lines(BRADESCO_400)[:-1])

    retorno = read_retorno(truncated, allow_truncated=True)

    assert len(retorno.records) == 6
    assert "truncated" in retorno.warnings[-1].reason


def test_file_cut_in_the_middle_of_a_pair_rejects_the_lonely_segment_t() -> None:
    cut = _join(_lines(BB_240)[:5])

    retorno = read_retorno(cut, allow_truncated=True)

    assert [record.nosso_numero for record in retorno.records] == ["32948600000000196"]
    assert retorno.rejected_lines[0].line == 5
    assert "segment T without its segment U" in retorno.rejected_lines[0].reason


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"   \n", b"\xef\xbb\xbf"])
def test_empty_file_is_an_error(data: bytes) -> None:
    with pytest.raises(CnabError, match="empty"):
        read_retorno(data)


def test_binary_garbage_is_an_error() -> None:
    garbage = bytes(range(256)) * 8

    with pytest.raises(CnabError, match="binary content"):
        read_retorno(garbage)


def test_binary_without_nul_is_an_error() -> None:
    garbage = bytes((index * 37 + 11) % 256 for index in range(3000) if (index * 37 + 11) % 256)

    with pytest.raises(CnabError, match="binary content"):
        read_retorno(garbage)


def test_unknown_text_is_an_error_naming_line_one() -> None:
    with pytest.raises(CnabError, match="unrecognised header") as error:
        read_retorno(b"name;amount\nfoo;10.00\n")

    assert error.value.line == 1


def test_remessa_given_as_retorno_is_an_error() -> None:
    with pytest.raises(CnabError, match="remessa"):
        read_retorno(b"01REMESSA01COBRANCA" + b" " * 381 + b"\r\n")


def test_latin1_and_cp1252_names_keep_fields_aligned() -> None:
    # GIVEN a Bradesco detail whose company-use field carries accented latin-1 text
    lines = _lines(BRADESCO_400)
    lines[1] = lines[1][:37] + "AÇÃO é ótimo".ljust(25).encode("latin-1") + lines[1][62:]

    # WHEN read (the file is not UTF-8)
    retorno = read_retorno(_join(lines))

    # THEN the text decodes and every amount stays where it was
    assert retorno.records[0].uso_empresa == "AÇÃO é ótimo"
    assert retorno.records[0].amount_title == Decimal("1450.00")


def test_utf8_accents_count_as_one_position() -> None:
    lines = _lines(BRADESCO_400)
    lines[1] = lines[1][:37] + "JOSÉ".ljust(25).encode("utf-8") + lines[1][62:]

    retorno = read_retorno(_join(lines))

    assert retorno.records[0].uso_empresa == "JOSÉ"
    assert retorno.records[0].bank_fee == Decimal("1.60")


def test_file_without_line_breaks_is_split_into_records() -> None:
    unbroken = b"".join(_lines(BRADESCO_400))

    retorno = read_retorno(unbroken)

    assert len(retorno.records) == 6
    assert "no line breaks" in retorno.warnings[0].reason


def test_letters_in_an_amount_name_the_line_and_field() -> None:
    lines = _lines(BRADESCO_400)
    lines[2] = lines[2][:253] + b"00000000001X0" + lines[2][266:]

    with pytest.raises(CnabError) as error:
        read_retorno(_join(lines))

    assert error.value.line == 3
    assert error.value.field == "valor_pago (254-266)"
    assert "line 3, field valor_pago (254-266)" in str(error.value)


def test_impossible_date_names_the_line_and_field() -> None:
    lines = _lines(_simulated_240())
    lines[3] = lines[3][:137] + b"31022026" + lines[3][145:]

    with pytest.raises(CnabError) as error:
        read_retorno(_join(lines))

    assert (error.value.line, error.value.field) == (4, "data_ocorrencia (138-145)")


def test_unsupported_400_bank_is_an_error() -> None:
    lines = _lines(BRADESCO_400)
    lines[0] = lines[0][:76] + b"999" + lines[0][79:]

    with pytest.raises(CnabError, match="bank '999' is not supported") as error:
        read_retorno(_join(lines))

    assert error.value.line == 1


def test_unknown_240_bank_reads_with_febraban_positions_and_a_warning() -> None:
    lines = [b"999" + line[3:] for line in _lines(_simulated_240())]

    retorno = read_retorno(_join(lines))

    assert retorno.bank == "999"
    assert retorno.records[0].amount_paid == Decimal("100.00")
    assert "FEBRABAN" in retorno.warnings[0].reason


def test_trailer_count_mismatch_is_a_warning() -> None:
    lines = _lines(_simulated_240())
    lines[-1] = lines[-1][:23] + b"000099" + lines[-1][29:]

    retorno = read_retorno(_join(lines))

    assert len(retorno.records) == 1
    assert "says 000099, the file has 6" in retorno.warnings[0].reason


def test_control_character_inside_a_line_is_blanked_with_a_warning() -> None:
    lines = _lines(BRADESCO_400)
    lines[1] = lines[1][:40] + b"\t" + lines[1][41:]

    retorno = read_retorno(_join(lines))

    assert retorno.records[0].amount_title == Decimal("1450.00")
    assert retorno.warnings[0].line == 2
