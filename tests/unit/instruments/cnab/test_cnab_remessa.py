"""Remessa files: exact widths, counts and sums, field formatting, and the bank round trip."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from cobranca.instruments.cnab import (
    BankEvent,
    CnabError,
    Layout,
    Occurrence,
    RemessaTitle,
    read_retorno,
    write_remessa,
    write_retorno,
)
from cobranca.instruments.cnab import layout240 as l240
from cobranca.instruments.cnab import layout400 as l400
from cobranca.instruments.cnab.banks import BANKS_240, BANKS_400, registered_nosso_numero
from cobranca.instruments.cnab.fields import Field, Kind, RecordLayout, ascii_upper, format_value
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.instruments.cnab.support import BENEFICIARIOS, make_title

ON = date(2026, 3, 1)
REMESSA_240_BANKS = ["001", "033", "237", "756"]
REMESSA_400_BANKS = ["001", "033", "237", "341"]
# The nosso número each bank's tests register (Bradesco 400: 11 digits and the DV).
NOSSO_NUMERO_400 = {
    "001": "12345670000000001",
    "033": "1234567",
    "237": "0000000030P",
    "341": "12345678",
    "041": "2283256350",
}


def _records(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    return data.decode("ascii").split("\r\n")[:-1]


@pytest.mark.parametrize("bank", REMESSA_240_BANKS)
def test_remessa_240_widths_sequence_and_counts(bank: str) -> None:
    # GIVEN two titles, one with multa (segment R)
    titles = [
        make_title(nosso_numero="1001", multa_percent=Decimal("2.00")),
        make_title(nosso_numero="1002", amount="588.30"),
    ]

    # WHEN the remessa is written
    records = _records(
        write_remessa(BENEFICIARIOS[bank], titles, layout=Layout.CNAB240, generated_on=ON)
    )

    # THEN every record is 240 wide, the segments run P Q R P Q with sequence 1..5
    assert {len(record) for record in records} == {240}
    assert [record[7] for record in records] == ["0", "1", "3", "3", "3", "3", "3", "5", "9"]
    assert [record[13] for record in records[2:7]] == ["P", "Q", "R", "P", "Q"]
    assert [record[8:13] for record in records[2:7]] == [
        "00001",
        "00002",
        "00003",
        "00004",
        "00005",
    ]
    assert records[-2][17:23] == "000007"  # batch: header + 5 segments + trailer
    assert records[-1][17:23] == "000001"  # one batch
    assert records[-1][23:29] == "000009"  # every record of the file
    assert {record[:3] for record in records} == {bank}


def test_remessa_240_bb_fields() -> None:
    title = make_title(
        nosso_numero="12345670000000001",
        amount="588.30",
        juros_per_day=Decimal("0.03"),
        multa_percent=Decimal("2"),
        discount=Decimal("5.00"),
        discount_until=date(2026, 3, 5),
    )
    records = _records(
        write_remessa(BENEFICIARIOS["001"], [title], layout=Layout.CNAB240, generated_on=ON)
    )
    header, batch, p, q, r = records[:5]

    assert header[142] == "1"  # remessa
    assert header[143:151] == "01032026"
    assert header[32:52] == "001234567001417019  "  # convênio, 0014, carteira 17, variação 019
    assert batch[8] == "R"
    values = l240.SEGMENT_P_FEBRABAN.read(p, line_number=3)
    assert values["nosso_numero"] == "12345670000000001"
    assert values["valor"] == Decimal("588.30")
    assert p[85:100] == "000000000058830"  # TRAPS 2: never 58829
    assert values["vencimento"] == date(2026, 3, 10)
    assert values["juros_codigo"] == "1"
    assert values["juros_valor"] == Decimal("0.03")
    assert values["desconto_valor"] == Decimal("5.00")
    assert values["especie"] == "02"
    q_values = l240.SEGMENT_Q.read(q, line_number=4)
    assert q_values["nome"] == "JOSE DA CONCEICAO ACAO"
    assert q_values["cidade"] == "SAO PAULO"
    assert (q_values["cep"], q_values["cep_sufixo"]) == ("01310", "100")
    assert q_values["inscricao"] == "000012345678909"
    r_values = l240.SEGMENT_R.read(r, line_number=5)
    assert r_values["multa_valor"] == Decimal("2.00")
    assert r_values["multa_data"] == date(2026, 3, 11)


def test_remessa_240_sicoob_composes_nosso_numero() -> None:
    records = _records(
        write_remessa(
            BENEFICIARIOS["756"], [make_title("83")], layout=Layout.CNAB240, generated_on=ON
        )
    )

    assert records[2][37:57] == "0000000083" + "01" + "01" + "4" + "     "


def test_remessa_240_santander_positions() -> None:
    records = _records(
        write_remessa(
            BENEFICIARIOS["033"], [make_title("1406")], layout=Layout.CNAB240, generated_on=ON
        )
    )
    header, _, p = records[:3]

    assert header[16] == "2"  # CNPJ at Santander's position 17
    assert header[32:47] == "000316301300286"
    values = l240.SEGMENT_P_SANTANDER.read(p, line_number=3)
    assert values["nosso_numero"] == "0000000001406"
    assert values["agencia"] == "3163"
    assert values["carteira"] == "5"


@pytest.mark.parametrize("bank", REMESSA_400_BANKS)
def test_remessa_400_widths_sequence_and_trailer(bank: str) -> None:
    titles = [
        make_title(NOSSO_NUMERO_400[bank], amount="136.42"),
        make_title(NOSSO_NUMERO_400[bank], amount="35.80", seu_numero="NF-1002"),
    ]

    records = _records(
        write_remessa(BENEFICIARIOS[bank], titles, layout=Layout.CNAB400, generated_on=ON)
    )

    assert {len(record) for record in records} == {400}
    assert [record[394:400] for record in records] == ["000001", "000002", "000003", "000004"]
    assert records[0][:9] == "01REMESSA"
    assert records[0][76:79] == bank
    assert records[-1][0] == "9"
    assert records[1][126:139] == "0000000013642"
    assert records[2][126:139] == "0000000003580"
    if bank == "033":
        assert records[-1][1:7] == "000004"
        assert records[-1][7:20] == "0000000017222"  # 136.42 + 35.80


def test_remessa_400_bradesco_fields() -> None:
    title = make_title("0000000030P", multa_percent=Decimal("2.00"), protest_days=5)
    detail = _records(
        write_remessa(BENEFICIARIOS["237"], [title], layout=Layout.CNAB400, generated_on=ON)
    )[1]

    values = l400.REMESSA_BRADESCO.read(detail, line_number=2)
    assert values["empresa"] == "00090123412345672"
    assert (values["nosso_numero"], values["nosso_numero_dv"]) == ("00000000030", "P")
    assert detail[70:82] == "0000000030P".rjust(12, "0")
    assert values["multa_codigo"] == "2"
    assert values["multa_percentual"] == Decimal("2.00")
    assert (values["instrucao_1"], values["instrucao_2"]) == ("06", "05")
    assert values["pagador_tipo"] == "01"
    assert values["pagador_nome"] == "JOSE DA CONCEICAO ACAO"


@pytest.mark.parametrize(("bank", "instruction"), [("341", "multa"), ("001", "multa")])
def test_remessa_400_refuses_instructions_it_cannot_write(bank: str, instruction: str) -> None:
    title = make_title(NOSSO_NUMERO_400[bank], multa_percent=Decimal("2"))

    with pytest.raises(CnabError, match=instruction):
        write_remessa(BENEFICIARIOS[bank], [title], layout=Layout.CNAB400, generated_on=ON)


def test_remessa_rejects_unsupported_bank_and_bad_titles() -> None:
    with pytest.raises(CnabError, match="not supported"):
        write_remessa(BENEFICIARIOS["041"], [make_title()], layout=Layout.CNAB400, generated_on=ON)
    with pytest.raises(CnabError, match="amount must be positive"):
        write_remessa(
            BENEFICIARIOS["001"], [make_title(amount="0")], layout=Layout.CNAB240, generated_on=ON
        )
    with pytest.raises(CnabError, match="at least one title"):
        write_remessa(BENEFICIARIOS["001"], [], layout=Layout.CNAB240, generated_on=ON)
    with pytest.raises(CnabError, match="does not fit"):
        write_remessa(
            BENEFICIARIOS["341"],
            [make_title("123456789")],
            layout=Layout.CNAB400,
            generated_on=ON,
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("588.30"), "0000000058830"),
        (Decimal("136.42"), "0000000013642"),
        (Decimal("35.80"), "0000000003580"),
        (Decimal("123.456"), "0000000012346"),  # rounded half up by the money policy
        (Decimal("0.005"), "0000000000001"),
    ],
)
def test_amount_field_goes_through_money_policy(value: Decimal, expected: str) -> None:
    # TRAPS 2: amounts become centavos without float, rounded once by the policy.
    assert format_value(Field("valor", 1, 13, Kind.AMOUNT), value) == expected


def test_field_formatters() -> None:
    alpha = Field("nome", 1, 10, Kind.ALPHA)
    number = Field("numero", 1, 5, Kind.NUM)
    short_date = Field("data", 1, 6, Kind.DATE6)

    assert format_value(alpha, "São João da Ação e Cia") == "SAO JOAO D"
    assert format_value(alpha, "Zé") == "ZE        "
    assert format_value(alpha, None) == " " * 10
    assert format_value(number, "42") == "00042"
    assert format_value(number, None) == "00000"
    assert format_value(short_date, date(2026, 3, 10)) == "100326"
    assert format_value(short_date, None) == "000000"
    assert ascii_upper("Conceição – Ltda ß") == "CONCEICAO   LTDA SS"
    with pytest.raises(CnabError, match="does not fit"):
        format_value(number, "123456")
    with pytest.raises(CnabError, match="expected digits"):
        format_value(number, "12a")
    with pytest.raises(CnabError, match="negative"):
        format_value(Field("valor", 1, 13, Kind.AMOUNT), Decimal("-1.00"))
    with pytest.raises(CnabError, match=r"expected an amount, got 1\.5"):
        format_value(Field("valor", 1, 13, Kind.AMOUNT), 1.5)  # type: ignore[arg-type]


def test_layout_tables_cover_their_width_without_overlap() -> None:
    tables = [
        value
        for module in (l240, l400)
        for value in vars(module).values()
        if isinstance(value, RecordLayout)
    ]
    assert len(tables) >= 30
    for table in tables:
        assert table.width in (240, 400)
        assert len(table.render({})) == table.width


# Round trip: titles -> remessa -> bank pays them (simulator) -> retorno -> read back.

AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
FEES = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9.99"), places=2)
ROUND_TRIP = [(Layout.CNAB240, bank) for bank in sorted(BANKS_240)] + [
    (Layout.CNAB400, bank) for bank in sorted(BANKS_400)
]


def _nosso_numero(layout: Layout, bank: str, seed: int) -> str:
    if layout is Layout.CNAB400 and bank == "237":
        return f"{seed % 10**11:011d}P"
    if layout is Layout.CNAB400 and bank == "001":
        return f"1234567{seed % 10**10:010d}"
    return str(seed % 10**7)


@settings(max_examples=40, deadline=None)
@given(
    case=st.sampled_from(ROUND_TRIP),
    amounts=st.lists(st.tuples(AMOUNTS, FEES), min_size=1, max_size=6),
    seed=st.integers(min_value=1, max_value=10**12),
    delay=st.integers(min_value=0, max_value=30),
)
def test_round_trip_remessa_to_simulated_liquidacao(
    case: tuple[Layout, str], amounts: list[tuple[Decimal, Decimal]], seed: int, delay: int
) -> None:
    layout, bank = case
    beneficiario = BENEFICIARIOS[bank]
    titles = [
        make_title(_nosso_numero(layout, bank, seed + index), amount=str(amount))
        for index, (amount, _) in enumerate(amounts)
    ]
    if (layout is Layout.CNAB240 and bank in {"001", "033", "237", "756"}) or (
        layout is Layout.CNAB400 and bank in {"001", "033", "237", "341"}
    ):
        remessa = write_remessa(beneficiario, titles, layout=layout, generated_on=ON)
        assert {len(line) for line in _records(remessa)} == {int(layout.value)}

    paid_on = date(2026, 3, 10) + timedelta(days=delay)
    events = [
        BankEvent(
            title,
            Occurrence.LIQUIDACAO,
            paid_on,
            amount_paid=title.amount + fee,
            fees_paid=fee,
            bank_fee=min(fee, title.amount),
            credited_on=paid_on + timedelta(days=1),
        )
        for title, (_, fee) in zip(titles, amounts, strict=True)
    ]

    retorno = read_retorno(write_retorno(beneficiario, events, layout=layout, generated_on=paid_on))

    assert (retorno.layout, retorno.bank) == (layout, bank)
    assert retorno.warnings == ()
    assert retorno.rejected_lines == ()
    width = (BANKS_240[bank] if layout is Layout.CNAB240 else BANKS_400[bank]).nosso_numero_width
    for record, event in zip(retorno.records, events, strict=True):
        assert record.nosso_numero == registered_nosso_numero(width, event.title.nosso_numero)
        assert record.occurrence is Occurrence.LIQUIDACAO
        assert record.amount_title == event.title.amount
        assert record.amount_paid == event.amount_paid
        assert record.fees_paid == event.fees_paid
        assert record.bank_fee == event.bank_fee
        assert record.settled_amount == event.amount_paid
        assert record.occurred_on == paid_on
        assert record.credited_on == paid_on + timedelta(days=1)
        assert record.due_date == date(2026, 3, 10)
        if record.amount_credited is not None:
            assert record.amount_credited == event.amount_paid - event.bank_fee


@pytest.mark.parametrize(("layout", "bank"), ROUND_TRIP)
def test_simulator_reports_entrada_baixa_and_rejection(layout: Layout, bank: str) -> None:
    title: RemessaTitle = make_title(_nosso_numero(layout, bank, 77))
    events = [
        BankEvent(title, Occurrence.ENTRADA_CONFIRMADA, date(2026, 3, 2), bank_fee=Decimal("0.50")),
        BankEvent(title, Occurrence.BAIXA, date(2026, 4, 10)),
        BankEvent(title, Occurrence.ENTRADA_REJEITADA, date(2026, 3, 2), motivos=("8",)),
    ]

    retorno = read_retorno(
        write_retorno(BENEFICIARIOS[bank], events, layout=layout, generated_on=date(2026, 4, 10))
    )

    assert [record.occurrence for record in retorno.records] == [
        Occurrence.ENTRADA_CONFIRMADA,
        Occurrence.BAIXA,
        Occurrence.ENTRADA_REJEITADA,
    ]
    assert retorno.records[0].bank_fee == Decimal("0.50")
    assert retorno.records[0].settled_amount == Decimal("0.00")
    assert retorno.records[1].credited_on is None
    assert [motivo.code for motivo in retorno.records[2].motivos] == [
        "8".rjust(3 if (layout, bank) == (Layout.CNAB400, "033") else 2, "0")
    ]
