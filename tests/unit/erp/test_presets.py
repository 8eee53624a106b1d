"""Each preset against a payload built from its vendor's published shape (fixtures/)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cobranca.adapters.erp.mapping import load_preset, map_event, plain, preset_names
from cobranca.adapters.erp.tryton import decode, normalise
from cobranca.domain.receivables import ReceivableStatus

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_every_preset_is_a_valid_spec() -> None:
    assert preset_names() == ["bling", "canonical", "erpnext", "odoo", "omie", "tryton"]
    for name in preset_names():
        assert load_preset(name).name == name


def test_tryton_invoice_becomes_one_receivable_per_line_to_pay() -> None:
    # GIVEN a search_read row as Tryton sends it (tagged types, dotted reads), lines unordered
    row = json.loads((FIXTURES / "tryton_invoice.json").read_text(), object_hook=decode)

    # WHEN the connector normalises it and the preset maps it
    mapped = map_event(load_preset("tryton"), "receivable.upserted", normalise(row))

    # THEN three installments in due order: the first reconciled (paid), the partial payment of
    # 500.00 not allocated by Tryton applied to the oldest open installment
    assert mapped.ok, mapped.errors
    assert [r.receivable_id for r in mapped.receivables] == ["27~1", "27~2", "27~3"]
    assert [r.due_date for r in mapped.receivables] == [
        date(2026, 11, 5),
        date(2026, 12, 5),
        date(2027, 1, 4),
    ]
    assert [r.amount for r in mapped.receivables] == [Decimal("1754.46")] * 3
    assert [r.balance for r in mapped.receivables] == [
        Decimal("0.00"),
        Decimal("1254.46"),
        Decimal("1754.46"),
    ]
    assert [r.status for r in mapped.receivables] == [
        ReceivableStatus.PAID,
        ReceivableStatus.OPEN,
        ReceivableStatus.OPEN,
    ]
    first = mapped.receivables[0]
    assert (first.number, first.customer_id, first.issue_date) == (
        "FAT/2026/00027",
        "19",
        date(2026, 10, 6),
    )
    assert (first.installment, first.installments) == (1, 3)
    assert first.erp_updated_at == datetime(2026, 12, 4, 15, 18, 30, 869966, tzinfo=UTC)
    assert sum(r.balance or 0 for r in mapped.receivables) == Decimal("3008.92")
    # AND the party becomes the customer, CPF from identifiers (it is no tax identifier)
    (customer,) = mapped.customers
    assert customer.customer_id == "19"
    assert customer.document == "10433218100"
    assert customer.emails == ["joao.carvalho.moreira@example.com"]
    assert customer.phones == ["+5511987654321"]
    assert (customer.address.street, customer.address.state) == ("Rua das Acácias, 120", "SP")
    assert customer.address.postal_code == "04567120"


def test_erpnext_sales_invoice_uses_its_payment_schedule() -> None:
    mapped = map_event(
        load_preset("erpnext"), "receivable.upserted", plain(fixture("erpnext_sales_invoice.json"))
    )

    assert mapped.ok, mapped.errors
    assert [r.receivable_id for r in mapped.receivables] == [
        "ACC-SINV-2026-00042~1",
        "ACC-SINV-2026-00042~2",
        "ACC-SINV-2026-00042~3",
    ]
    assert [r.due_date for r in mapped.receivables] == [
        date(2026, 11, 14),
        date(2026, 12, 14),
        date(2027, 1, 13),
    ]
    assert [r.amount for r in mapped.receivables] == [Decimal("1000.00")] * 3
    assert [r.balance for r in mapped.receivables] == [
        Decimal("0.00"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    ]
    assert {r.status for r in mapped.receivables} == {ReceivableStatus.OPEN}
    assert mapped.receivables[0].branch == "Main - ASD"
    assert mapped.receivables[0].erp_updated_at == datetime(
        2026, 11, 20, 17, 32, 10, 123456, tzinfo=UTC
    )
    (customer,) = mapped.customers
    assert (customer.customer_id, customer.document) == ("CUST-00017", "16155940000190")
    assert customer.phones == ["+5511976543210"]


def test_erpnext_invoice_without_schedule_is_one_receivable() -> None:
    invoice = fixture("erpnext_sales_invoice.json") | {"payment_schedule": []}

    mapped = map_event(load_preset("erpnext"), "receivable.upserted", plain(invoice))

    (receivable,) = mapped.receivables
    assert (receivable.due_date, receivable.amount, receivable.balance) == (
        date(2027, 1, 13),
        Decimal("3000.00"),
        Decimal("2000.00"),
    )


def test_erpnext_cancelled_invoice_cancels_and_drafts_are_ignored() -> None:
    cancelled = fixture("erpnext_sales_invoice.json") | {"docstatus": 2, "status": "Cancelled"}
    draft = fixture("erpnext_sales_invoice.json") | {"docstatus": 0, "status": "Draft"}

    cancelled_map = map_event(load_preset("erpnext"), "receivable.upserted", plain(cancelled))
    draft_map = map_event(load_preset("erpnext"), "receivable.upserted", plain(draft))

    assert {r.status for r in cancelled_map.receivables} == {ReceivableStatus.CANCELLED}
    assert {r.balance for r in cancelled_map.receivables} == {Decimal("0.00")}
    assert draft_map.receivables == []


def test_erpnext_payment_entry_pays_each_sales_invoice_reference() -> None:
    mapped = map_event(
        load_preset("erpnext"), "payment.recorded", plain(fixture("erpnext_payment_entry.json"))
    )

    assert mapped.ok, mapped.errors
    assert [(rid, p.payment_id, p.amount) for rid, p in mapped.payments] == [
        ("ACC-SINV-2026-00042~1", "ACC-PAY-2026-00108.ACC-SINV-2026-00042", Decimal("1000.00")),
        ("ACC-SINV-2026-00051~1", "ACC-PAY-2026-00108.ACC-SINV-2026-00051", Decimal("250.50")),
    ]
    payment = mapped.payments[0][1]
    assert (payment.paid_on, payment.method.value, payment.reference) == (
        date(2026, 12, 2),
        "pix",
        "E2E-PIX-0001",
    )


def test_bling_conta_receber() -> None:
    mapped = map_event(
        load_preset("bling"), "receivable.upserted", plain(fixture("bling_conta_receber.json"))
    )

    assert mapped.ok, mapped.errors
    (receivable,) = mapped.receivables
    assert receivable.receivable_id == "12345678~1"
    assert (receivable.number, receivable.customer_id) == ("NF-000921", "87654321")
    assert (receivable.issue_date, receivable.due_date) == (date(2026, 11, 10), date(2026, 12, 10))
    assert (receivable.amount, receivable.balance) == (Decimal("1500.75"), Decimal("500.75"))
    assert receivable.status is ReceivableStatus.OPEN
    assert receivable.metadata["origem_numero"] == "0921132"
    (customer,) = mapped.customers
    assert customer.document == "78161849000134"


@pytest.mark.parametrize(
    ("situacao", "status"),
    [(1, "open"), (2, "paid"), (3, "open"), (4, "cancelled"), (5, "cancelled")],
)
def test_bling_situacao_codes(situacao: int, status: str) -> None:
    conta = fixture("bling_conta_receber.json") | {"situacao": situacao}

    mapped = map_event(load_preset("bling"), "receivable.upserted", plain(conta))

    assert mapped.receivables[0].status.value == status


def test_omie_conta_receber_parcela() -> None:
    mapped = map_event(
        load_preset("omie"), "receivable.upserted", plain(fixture("omie_conta_receber.json"))
    )

    assert mapped.ok, mapped.errors
    (receivable,) = mapped.receivables
    assert receivable.receivable_id == "3784804194~2"
    assert (receivable.installment, receivable.installments) == (2, 3)
    assert (receivable.issue_date, receivable.due_date) == (date(2026, 11, 16), date(2027, 1, 15))
    assert receivable.amount == Decimal("833.34")
    assert receivable.status is ReceivableStatus.OPEN
    assert receivable.nfe_number == "000123"
    assert receivable.nfe_key == "35261116155940000190550010000001231000001234"
    # 20/11/2026 18:40:05 in São Paulo (UTC-3) is 21:40:05 UTC
    assert receivable.erp_updated_at == datetime(2026, 11, 20, 21, 40, 5, tzinfo=UTC)


def test_omie_recebido_is_paid_and_cliente_is_a_customer() -> None:
    paid = fixture("omie_conta_receber.json") | {"status_titulo": "RECEBIDO"}

    assert (
        map_event(load_preset("omie"), "receivable.upserted", plain(paid)).receivables[0].status
        is ReceivableStatus.PAID
    )
    mapped = map_event(
        load_preset("omie"), "customer.upserted", plain(fixture("omie_cliente.json"))
    )
    (customer,) = mapped.customers
    assert (customer.customer_id, customer.document) == ("2485994", "59310341000106")
    assert customer.phones == ["+5511987651234"]
    assert (customer.address.city, customer.address.state) == ("SAO PAULO", "SP")
    assert customer.address.postal_code == "04101000"


def test_odoo_account_move_and_partner() -> None:
    mapped = map_event(
        load_preset("odoo"), "receivable.upserted", plain(fixture("odoo_account_move.json"))
    )

    assert mapped.ok, mapped.errors
    (receivable,) = mapped.receivables
    assert (receivable.receivable_id, receivable.number) == ("5123~1", "INV/2026/00412")
    assert (receivable.customer_id, receivable.due_date) == ("77", date(2026, 12, 3))
    assert (receivable.amount, receivable.balance) == (Decimal("2450.00"), Decimal("1225.50"))
    assert receivable.status is ReceivableStatus.OPEN
    assert receivable.erp_updated_at == datetime(2026, 11, 28, 13, 45, 12, tzinfo=UTC)

    partner = map_event(
        load_preset("odoo"), "customer.upserted", plain(fixture("odoo_res_partner.json"))
    )
    (customer,) = partner.customers
    assert (customer.document, customer.phones) == ("31647525000147", ["+5511965432100"])


@pytest.mark.parametrize(
    ("state", "payment_state", "status"),
    [
        ("posted", "not_paid", "open"),
        ("posted", "in_payment", "paid"),
        ("posted", "paid", "paid"),
        ("posted", "reversed", "cancelled"),
        ("cancel", "not_paid", "cancelled"),
    ],
)
def test_odoo_states(state: str, payment_state: str, status: str) -> None:
    move = fixture("odoo_account_move.json") | {"state": state, "payment_state": payment_state}

    mapped = map_event(load_preset("odoo"), "receivable.upserted", plain(move))

    assert mapped.receivables[0].status.value == status


def test_odoo_draft_and_credit_notes_are_ignored() -> None:
    draft = fixture("odoo_account_move.json") | {"state": "draft"}
    refund = fixture("odoo_account_move.json") | {"move_type": "out_refund"}

    for move in (draft, refund):
        assert map_event(load_preset("odoo"), "receivable.upserted", plain(move)).receivables == []
