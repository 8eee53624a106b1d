"""Read CNAB 240 and CNAB 400 retorno files from bytes, tolerating what real bank files do.

Robustness policy
-----------------
Real retornos are not clean, so the reader accepts, and records in the result:

- a UTF-8 byte-order mark; UTF-8, cp1252 or latin-1 text (each line is measured after
  decoding, so an accented name never shifts a field);
- CRLF, LF and CR line endings, mixed in one file; blank lines at the end (silently) and in the
  middle (with a warning); a DOS end-of-file mark (``\\x1a``);
- a file without line breaks whose length is a whole number of records (split, with a warning);
- right-trimmed CNAB 240 lines, padded back to 240 (one summary warning; a 239-character line
  gets its own warning, since one missing character is also what a dropped character looks
  like and the strict numeric checks are then the safety net);
- a line one character too long whose last character is blank: the blank is dropped, with a
  warning naming the line.

It refuses to guess where guessing could move a value into the wrong field:

- a line one character too long ending in a non-blank, a line two or more characters too long,
  and a CNAB 400 line that is short (its sequence number sits in the last six positions, so a
  missing character cannot be placed) are *rejected*: left out of the records and listed in
  ``rejected_lines`` with the reason. A segment U whose segment T was rejected goes with it.
- a numeric field holding anything but digits, or a date that does not exist, raises
  :class:`CnabError` naming the line and the field with its positions;
- an empty file, binary content, an unknown header, a remessa given as a retorno, and a file
  that ends without its trailer (truncated; unless ``allow_truncated``) raise
  :class:`CnabError`.

Trailer counts that disagree with the records read are warnings: Santander's public files
carry the bank's own totals there, which are not the line count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from cobranca.domain.money import ZERO
from cobranca.instruments.cnab import layout240 as l240
from cobranca.instruments.cnab import layout400 as l400
from cobranca.instruments.cnab.banks import BANKS_240, Bank240, bank_400, generic_240
from cobranca.instruments.cnab.fields import (
    CnabError,
    Kind,
    RecordLayout,
    Value,
    amount,
    optional_date,
    parse_value,
    text,
)
from cobranca.instruments.cnab.models import Layout, LineIssue, RetornoFile, RetornoRecord
from cobranca.instruments.cnab.occurrences import Catalogue

_BOM = b"\xef\xbb\xbf"
_EOF_MARK = "\x1a"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# More than this share of control characters means the bytes are not a text file at all.
_MAX_CONTROL_SHARE = 100
# Control characters: C0 but CR, LF and the DOS end-of-file mark, then DEL and C1. One regular
# expression scans a file of many megabytes far faster than a test per character.
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x19\x1b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str


@dataclass(slots=True)
class _Outcome:
    """What the reader collects while walking the lines."""

    warnings: list[LineIssue] = field(default_factory=list)
    rejected: list[LineIssue] = field(default_factory=list)
    records: list[RetornoRecord] = field(default_factory=list)


def read_retorno(data: bytes, *, allow_truncated: bool = False) -> RetornoFile:
    """Read a CNAB 240 or 400 retorno; layout and bank come from the header.

    ``allow_truncated`` turns a missing trailer from an error into a warning, for an operator
    who wants the records of a partial download anyway.
    """
    outcome = _Outcome()
    lines = _split_lines(_decode(data), outcome)
    if not lines:
        raise CnabError("the file is empty: no CNAB header found", line=1)

    layout = _detect_layout(lines[0])
    if len(lines) == 1:
        lines = _split_unbroken(lines[0], layout, outcome)

    if layout is Layout.CNAB240:
        return _read_240(lines, outcome, allow_truncated=allow_truncated)
    return _read_400(lines, outcome, allow_truncated=allow_truncated)


def _decode(data: bytes) -> str:
    """Bytes to text: BOM dropped, UTF-8 when valid, else cp1252, else latin-1."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]

    nul = data.find(b"\x00")
    if nul >= 0:
        raise CnabError(f"binary content (NUL byte at offset {nul}); a CNAB file is plain text")

    for encoding in ("utf-8", "cp1252"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        decoded = data.decode("latin-1")

    first = _CONTROL.search(decoded)
    if first is not None:
        count = sum(1 for _ in _CONTROL.finditer(decoded, first.start()))
        if count * _MAX_CONTROL_SHARE > len(decoded):
            raise CnabError(
                f"binary content ({count} control characters, the first at offset "
                f"{first.start()}); a CNAB file is plain text"
            )
    return decoded


def _split_lines(decoded: str, outcome: _Outcome) -> list[_Line]:
    """Physical lines with their 1-based numbers; blank lines dropped."""
    raw = _LINE_BREAK.split(decoded)
    while raw and raw[-1].strip(" \t" + _EOF_MARK) == "":
        raw.pop()

    lines = []
    for number, content in enumerate(raw, start=1):
        if not content.strip():
            outcome.warnings.append(LineIssue(number, "blank line skipped"))
            continue
        cleaned = content
        if _CONTROL.search(content):
            # One stray control character keeps its position, so the fields stay aligned.
            cleaned = _CONTROL.sub(" ", content)
            outcome.warnings.append(LineIssue(number, "control character replaced by a blank"))
        lines.append(_Line(number, cleaned))
    return lines


def _detect_layout(first: _Line) -> Layout:
    """CNAB 400 headers start ``02RETORNO``; CNAB 240 ones have lote 0000, record type 0."""
    head = first.text
    if head.startswith("01REMESSA") or (head[3:8] == "00000" and head[142:143] == "1"):
        raise CnabError(
            "this is a remessa (company to bank) file, not a retorno", line=first.number
        )
    if head.startswith("02RETORNO"):
        return Layout.CNAB400
    # isdigit() alone would take Arabic-Indic or full-width digits as a bank code.
    if head[:3].isascii() and head[:3].isdigit() and head[3:8] == "00000":
        return Layout.CNAB240
    raise CnabError(
        "unrecognised header: neither CNAB 240 (bank, lote 0000, record type 0) "
        f"nor CNAB 400 ('02RETORNO'); it starts {head[:20]!r}",
        line=first.number,
    )


def _split_unbroken(only: _Line, layout: Layout, outcome: _Outcome) -> list[_Line]:
    """A file with no line breaks at all is cut into records when its length allows."""
    width = l240.WIDTH if layout is Layout.CNAB240 else l400.WIDTH
    if len(only.text) <= width + 1 or len(only.text) % width:
        return [only]
    outcome.warnings.append(
        LineIssue(only.number, f"no line breaks: split into records of {width} characters")
    )
    chunks = range(0, len(only.text), width)
    return [_Line(index // width + 1, only.text[index : index + width]) for index in chunks]


def _fit(line: _Line, width: int, outcome: _Outcome, *, fixed_tail: bool) -> str | None:
    """The line at exactly ``width`` characters, or None (rejected, reason recorded).

    ``fixed_tail`` marks layouts whose last field is always filled (CNAB 400's sequence
    number), where a short line cannot be a right-trimmed one.
    """
    size = len(line.text)
    if size == width:
        return line.text

    if size < width:
        if fixed_tail:
            outcome.rejected.append(
                LineIssue(
                    line.number,
                    f"line has {size} characters, short of {width}; the record ends with its "
                    "sequence number, so the missing characters cannot be placed",
                )
            )
            return None
        if size == width - 1:
            outcome.warnings.append(
                LineIssue(line.number, f"line has {size} characters; padded to {width}")
            )
        return line.text.ljust(width)

    if size == width + 1 and line.text[-1] in " \t":
        outcome.warnings.append(
            LineIssue(line.number, f"line has {size} characters; dropped the trailing blank")
        )
        return line.text[:width]

    reason = (
        f"line has {size} characters and ends in {line.text[-1]!r}; the extra character "
        "cannot be located"
        if size == width + 1
        else f"line has {size} characters, longer than a CNAB {width} record"
    )
    outcome.rejected.append(LineIssue(line.number, reason))
    return None


def _fit_header(line: _Line, width: int, outcome: _Outcome, *, fixed_tail: bool) -> str:
    fitted = _fit(line, width, outcome, fixed_tail=fixed_tail)
    if fitted is None:
        raise CnabError(outcome.rejected.pop().reason, line=line.number, field="header")
    return fitted


def _read_header(
    layout: RecordLayout, record: str, line_number: int, outcome: _Outcome
) -> dict[str, Value]:
    """Header fields, each on its own: a garbled date or sequence in a header costs a warning.

    Headers identify the file; the money is in the details, whose fields stay strict. One of
    the public Sicoob retornos has 17 characters missing inside its header, for instance.
    """
    values: dict[str, Value] = {}
    for item in layout.fields:
        try:
            values[item.name] = parse_value(item, record[item.start - 1 : item.end], line_number)
        except CnabError as garbled:
            outcome.warnings.append(LineIssue(line_number, f"header {garbled.field}: ignored"))
            values[item.name] = "" if item.kind in (Kind.NUM, Kind.ALPHA) else None
    return values


def _read_240(lines: list[_Line], outcome: _Outcome, *, allow_truncated: bool) -> RetornoFile:
    header = _fit_header(lines[0], l240.WIDTH, outcome, fixed_tail=False)
    head = _read_header(l240.FILE_HEADER_COMMON, header, lines[0].number, outcome)
    code = text(head, "banco")
    profile = BANKS_240.get(code)
    if profile is None:
        profile = generic_240(code)
        outcome.warnings.append(
            LineIssue(lines[0].number, f"bank {code} has no own table; read with FEBRABAN")
        )

    trimmed = sum(1 for line in lines if len(line.text) < l240.WIDTH - 1)
    if trimmed:
        outcome.warnings.append(
            LineIssue(lines[0].number, f"{trimmed} right-trimmed lines padded to 240")
        )

    pending: tuple[_Line, Mapping[str, Value]] | None = None
    batch_lines = 0
    file_lines = 1
    batches = 0
    trailer_seen = False
    for line in lines[1:]:
        if trailer_seen:
            outcome.warnings.append(LineIssue(line.number, "content after the trailer ignored"))
            continue
        file_lines += 1
        batch_lines += 1
        record = _fit(line, l240.WIDTH, outcome, fixed_tail=False)
        if record is None:
            continue

        kind = record[7]
        if kind == l240.TYPE_DETAIL:
            pending = _read_segment(profile, line, record, pending, outcome)
        elif kind == l240.TYPE_BATCH_HEADER:
            _drop_pending(pending, outcome)
            pending = None
            l240.BATCH_HEADER_COMMON.read(record, line_number=line.number)
            batch_lines = 1
            batches += 1
        elif kind == l240.TYPE_BATCH_TRAILER:
            _drop_pending(pending, outcome)
            pending = None
            details = batch_lines - 2 if profile.batch_count_details else batch_lines
            _note_count(outcome, line, record, "quantidade_registros", details)
            batch_lines = 0
        elif kind == l240.TYPE_FILE_TRAILER:
            _drop_pending(pending, outcome)
            pending = None
            _note_count(outcome, line, record, "quantidade_registros", file_lines, file=True)
            _note_count(outcome, line, record, "quantidade_lotes", batches, file=True)
            trailer_seen = True
        else:
            outcome.rejected.append(LineIssue(line.number, f"unknown record type {kind!r}"))

    _drop_pending(pending, outcome)
    _require_trailer(trailer_seen, lines[-1], outcome, allow_truncated=allow_truncated)
    _flag_repeats(outcome)
    return RetornoFile(
        layout=Layout.CNAB240,
        bank=profile.code,
        bank_name=profile.name,
        generated_on=optional_date(head, "data_geracao"),
        file_sequence=text(head, "nsa"),
        records=tuple(outcome.records),
        warnings=tuple(outcome.warnings),
        rejected_lines=tuple(outcome.rejected),
    )


def _note_count(
    outcome: _Outcome, line: _Line, record: str, name: str, counted: int, *, file: bool = False
) -> None:
    table = l240.FILE_TRAILER if file else l240.BATCH_TRAILER
    item = table[name]
    declared = parse_value(item, record[item.start - 1 : item.end], line.number)
    if declared and int(str(declared)) != counted:
        outcome.warnings.append(
            LineIssue(line.number, f"trailer {name} says {declared}, the file has {counted}")
        )


def _read_segment(
    profile: Bank240,
    line: _Line,
    record: str,
    pending: tuple[_Line, Mapping[str, Value]] | None,
    outcome: _Outcome,
) -> tuple[_Line, Mapping[str, Value]] | None:
    """Pair segment T with the segment U that follows it; other segments are skipped."""
    segment = record[13]
    if segment == "T":
        _drop_pending(pending, outcome)
        return line, profile.segment_t.read(record, line_number=line.number)

    if segment == "U":
        if pending is None:
            outcome.rejected.append(
                LineIssue(line.number, "segment U without the segment T before it")
            )
            return None
        values_u = l240.SEGMENT_U.read(record, line_number=line.number)
        outcome.records.append(_record_240(profile, pending[0], pending[1], values_u, outcome))
        return None

    outcome.warnings.append(LineIssue(line.number, f"segment {segment!r} ignored"))
    return pending


def _drop_pending(pending: tuple[_Line, Mapping[str, Value]] | None, outcome: _Outcome) -> None:
    if pending is not None:
        outcome.rejected.append(
            LineIssue(pending[0].number, "segment T without its segment U (amounts missing)")
        )


def _record_240(
    profile: Bank240,
    line: _Line,
    t: Mapping[str, Value],
    u: Mapping[str, Value],
    outcome: _Outcome,
) -> RetornoRecord:
    code = text(t, "movimento")
    if text(u, "movimento") != code:
        outcome.warnings.append(
            LineIssue(line.number, f"segments T and U disagree on the ocorrência ({code})")
        )
    occurrence, description = profile.catalogue.describe(code)
    agency = text(t, "agencia_cobradora") + text(t, "agencia_cobradora_dv")
    return RetornoRecord(
        line_number=line.number,
        nosso_numero=text(t, "nosso_numero"),
        occurrence_code=code,
        occurrence=occurrence,
        occurrence_description=description,
        amount_title=amount(t, "valor_titulo"),
        amount_paid=amount(u, "valor_pago"),
        fees_paid=amount(u, "juros_multa"),
        discount=amount(u, "desconto"),
        abatimento=amount(u, "abatimento"),
        bank_fee=amount(t, "tarifa"),
        iof=amount(u, "iof"),
        other_expenses=amount(u, "outras_despesas"),
        other_credits=amount(u, "outros_creditos"),
        amount_credited=amount(u, "valor_liquido"),
        due_date=optional_date(t, "vencimento"),
        occurred_on=optional_date(u, "data_ocorrencia"),
        credited_on=optional_date(u, "data_credito"),
        seu_numero=text(t, "seu_numero"),
        uso_empresa=text(t, "uso_empresa"),
        carteira=text(t, "carteira"),
        payer_document=_meaningful(t, "pagador_documento"),
        payer_name=_meaningful(t, "pagador_nome"),
        collecting_bank=text(t, "banco_cobrador"),
        collecting_agency=agency,
        motivos=profile.catalogue.decode_motivos(occurrence, text(t, "motivos")),
    )


def _flag_repeats(outcome: _Outcome) -> None:
    """Warn about a record identical to an earlier one in what it reports.

    Both stay records (the file does say it twice, and a consumer dedupes by its own key), but
    a repeated liquidação is what a bank's resent or a hand-merged file looks like, and an
    operator reading the file should see it named.
    """
    seen: dict[tuple[object, ...], int] = {}
    for record in outcome.records:
        key = (
            record.nosso_numero,
            record.seu_numero,
            record.occurrence_code,
            record.amount_title,
            record.amount_paid,
            record.fees_paid,
            record.discount,
            record.abatimento,
            record.bank_fee,
            record.amount_credited,
            record.due_date,
            record.occurred_on,
            record.credited_on,
        )
        first = seen.setdefault(key, record.line_number)
        if first != record.line_number:
            outcome.warnings.append(
                LineIssue(
                    record.line_number,
                    f"record repeats line {first} (same nosso número, ocorrência, amounts and "
                    "dates)",
                )
            )


def _meaningful(values: Mapping[str, Value], name: str) -> str | None:
    """A text field, or None when absent, blank or all zeros (banks zero-fill unknowns)."""
    if name not in values:
        return None
    value = text(values, name)
    return value if value and set(value) != {"0"} else None


def _require_trailer(
    trailer_seen: bool, last: _Line, outcome: _Outcome, *, allow_truncated: bool
) -> None:
    if trailer_seen:
        return
    reason = f"the file ends at line {last.number} without its trailer; it looks truncated"
    if not allow_truncated:
        raise CnabError(reason, line=last.number)
    outcome.warnings.append(LineIssue(last.number, reason))


def _read_400(lines: list[_Line], outcome: _Outcome, *, allow_truncated: bool) -> RetornoFile:
    header = _fit_header(lines[0], l400.WIDTH, outcome, fixed_tail=True)
    head = _read_header(l400.RETORNO_HEADER_COMMON, header, lines[0].number, outcome)
    try:
        profile = bank_400(text(head, "banco"))
    except CnabError as unsupported:
        raise CnabError(unsupported.reason, line=lines[0].number, field=unsupported.field) from None

    trailer_seen = False
    for ordinal, line in enumerate(lines[1:], start=2):
        if trailer_seen:
            outcome.warnings.append(LineIssue(line.number, "content after the trailer ignored"))
            continue
        record = _fit(line, l400.WIDTH, outcome, fixed_tail=True)
        if record is None:
            continue

        sequence = l400.SEQUENCE_ONLY.read(record, line_number=line.number)["sequencial"]
        if sequence and int(str(sequence)) != ordinal:
            outcome.warnings.append(
                LineIssue(line.number, f"sequence number {sequence}, expected {ordinal:06d}")
            )

        kind = record[0]
        if kind == l400.TYPE_TRAILER:
            trailer_seen = True
        elif kind == profile.detail_type:
            values = profile.detail.read(record, line_number=line.number)
            outcome.records.append(_record_400(profile.catalogue, line, values))
        elif profile.code == "001" and kind == "1":
            # Maintenance: BB's CBR643 for 6-digit convênios (detail tipo 1) has other
            # positions; no public sample was at hand to check a table against.
            outcome.rejected.append(
                LineIssue(
                    line.number,
                    "Banco do Brasil detail of type 1 (6-digit convênio, CBR643 tipo 1) "
                    "is not supported; only type 7",
                )
            )
        elif kind.isdigit():
            outcome.warnings.append(LineIssue(line.number, f"record type {kind} ignored"))
        else:
            outcome.rejected.append(LineIssue(line.number, f"unknown record type {kind!r}"))

    _require_trailer(trailer_seen, lines[-1], outcome, allow_truncated=allow_truncated)
    _flag_repeats(outcome)
    sequence_field = profile.file_sequence
    return RetornoFile(
        layout=Layout.CNAB400,
        bank=profile.code,
        bank_name=profile.name,
        generated_on=optional_date(head, "data_gravacao"),
        file_sequence=header[sequence_field.start - 1 : sequence_field.end].strip(),
        records=tuple(outcome.records),
        warnings=tuple(outcome.warnings),
        rejected_lines=tuple(outcome.rejected),
    )


def _record_400(catalogue: Catalogue, line: _Line, values: Mapping[str, Value]) -> RetornoRecord:
    code = text(values, "ocorrencia")
    occurrence, description = catalogue.describe(code)
    credited = amount(values, "valor_lancamento") if "valor_lancamento" in values else None
    return RetornoRecord(
        line_number=line.number,
        nosso_numero=text(values, "nosso_numero"),
        occurrence_code=code,
        occurrence=occurrence,
        occurrence_description=description,
        amount_title=amount(values, "valor_titulo"),
        amount_paid=amount(values, "valor_pago"),
        fees_paid=amount(values, "juros_mora"),
        discount=amount(values, "desconto"),
        abatimento=amount(values, "abatimento"),
        bank_fee=amount(values, "tarifa"),
        iof=_amount_or_zero(values, "iof"),
        other_expenses=_amount_or_zero(values, "outras_despesas"),
        other_credits=amount(values, "outros_creditos"),
        amount_credited=credited,
        due_date=optional_date(values, "vencimento"),
        occurred_on=optional_date(values, "data_ocorrencia"),
        credited_on=optional_date(values, "data_credito"),
        seu_numero=text(values, "seu_numero"),
        uso_empresa=text(values, "uso_empresa"),
        carteira=text(values, "carteira"),
        payer_document=None,
        payer_name=_meaningful(values, "pagador_nome"),
        collecting_bank=text(values, "banco_cobrador"),
        collecting_agency=text(values, "agencia_cobradora"),
        motivos=catalogue.decode_motivos(occurrence, text(values, "motivos")),
    )


def _amount_or_zero(values: Mapping[str, Value], name: str) -> Decimal:
    """An amount some banks' tables lack (IOF, outras despesas): zero where absent."""
    return amount(values, name) if name in values else ZERO
