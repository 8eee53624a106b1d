"""Ocorrência codes to domain events, motivo decoding, and TRAPS 4 (a tarifa is not a balance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cobranca.instruments.cnab import (
    BankEvent,
    Layout,
    Motivo,
    Occurrence,
    read_retorno,
    write_retorno,
)
from cobranca.instruments.cnab.occurrences import (
    BANCO_DO_BRASIL_400,
    BANRISUL_400,
    BRADESCO_400,
    FEBRABAN_240,
    ITAU,
    SANTANDER_400,
    Catalogue,
)

from tests.unit.instruments.cnab.support import BENEFICIARIOS, make_title

E = Occurrence


@pytest.mark.parametrize(
    ("catalogue", "code", "event"),
    [
        (FEBRABAN_240, "02", E.ENTRADA_CONFIRMADA),
        (FEBRABAN_240, "03", E.ENTRADA_REJEITADA),
        (FEBRABAN_240, "06", E.LIQUIDACAO),
        (FEBRABAN_240, "09", E.BAIXA),
        (FEBRABAN_240, "14", E.ALTERACAO),
        (FEBRABAN_240, "17", E.LIQUIDACAO),
        (FEBRABAN_240, "19", E.PROTESTO),
        (FEBRABAN_240, "25", E.PROTESTO),
        (FEBRABAN_240, "26", E.INSTRUCAO_REJEITADA),
        (FEBRABAN_240, "28", E.TARIFA),
        (BRADESCO_400, "06", E.LIQUIDACAO),
        (BRADESCO_400, "15", E.LIQUIDACAO),
        (BRADESCO_400, "17", E.LIQUIDACAO),
        (BRADESCO_400, "10", E.BAIXA),
        (BRADESCO_400, "24", E.ENTRADA_REJEITADA),
        (BRADESCO_400, "28", E.TARIFA),
        (ITAU, "07", E.LIQUIDACAO),
        (ITAU, "08", E.LIQUIDACAO),
        (ITAU, "10", E.BAIXA),  # follows a liquidação already reported: never paid twice
        (ITAU, "60", E.ENTRADA_REJEITADA),
        (ITAU, "29", E.TARIFA),
        (BANCO_DO_BRASIL_400, "05", E.LIQUIDACAO),
        (BANCO_DO_BRASIL_400, "15", E.LIQUIDACAO),
        (BANCO_DO_BRASIL_400, "96", E.TARIFA),
        (SANTANDER_400, "17", E.LIQUIDACAO),
        (SANTANDER_400, "24", E.TARIFA),
        (BANRISUL_400, "08", E.LIQUIDACAO),
        (BANRISUL_400, "47", E.ENTRADA_CONFIRMADA),
    ],
)
def test_codes_map_to_domain_events(catalogue: Catalogue, code: str, event: Occurrence) -> None:
    assert catalogue.describe(code)[0] is event


def test_unknown_code_reads_as_other_with_the_raw_code() -> None:
    assert FEBRABAN_240.describe("99") == (E.OTHER, "ocorrência 99 sem tabela")


def test_primary_codes_are_in_each_table() -> None:
    for catalogue in (FEBRABAN_240, ITAU, BRADESCO_400, BANCO_DO_BRASIL_400, SANTANDER_400):
        for event, code in catalogue.primary.items():
            assert code in catalogue.occurrences, (catalogue.name, event)


def test_rejection_motivos_are_decoded_and_unknown_kept_raw() -> None:
    motivos = FEBRABAN_240.decode_motivos(E.ENTRADA_REJEITADA, "0848ZZ0000")

    assert motivos == (
        Motivo("08", "nosso número inválido"),
        Motivo("48", "CEP inválido"),
        Motivo("ZZ", None),
    )


def test_settlement_and_writeoff_motivos_use_their_own_tables() -> None:
    assert FEBRABAN_240.decode_motivos(E.LIQUIDACAO, "04        ") == (
        Motivo("04", "compensação eletrônica"),
    )
    assert FEBRABAN_240.decode_motivos(E.BAIXA, "10") == (
        Motivo("10", "comandada pelo cliente por arquivo"),
    )
    assert SANTANDER_400.decode_motivos(E.ENTRADA_REJEITADA, "092000101") == (
        Motivo("092", "nosso número já cadastrado"),
        Motivo("101", "nome do pagador não informado"),
    )


def test_traps_4_bank_fee_is_not_an_open_balance() -> None:
    # GIVEN a title of 100.00 paid with 100.00, a tarifa of 1.40 and 98.60 credited
    title = make_title(amount="100.00")
    event = BankEvent(
        title,
        Occurrence.LIQUIDACAO,
        date(2026, 3, 10),
        amount_paid=Decimal("100.00"),
        bank_fee=Decimal("1.40"),
        credited_on=date(2026, 3, 11),
    )

    for layout, bank in ((Layout.CNAB240, "001"), (Layout.CNAB400, "237")):
        # WHEN the bank's retorno is read
        retorno = read_retorno(
            write_retorno(
                BENEFICIARIOS[bank], [event], layout=layout, generated_on=date(2026, 3, 11)
            )
        )
        (record,) = retorno.records

        # THEN the payer settled the whole title: balance 0.00; the 1.40 is the bank's fee
        assert record.amount_paid == Decimal("100.00")
        assert record.bank_fee == Decimal("1.40")
        assert record.amount_title - record.settled_amount == Decimal("0.00")
        if record.amount_credited is not None:
            assert record.amount_credited == Decimal("98.60")
