"""Shared test data of the CNAB tests: a beneficiário per supported bank, a payer, a title."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cobranca.instruments.cnab import Beneficiario, Payer, RemessaTitle

BENEFICIARIOS = {
    "001": Beneficiario(
        "001",
        "Empresa Exemplo Ltda",
        "12.345.678/0001-95",
        "1234",
        "12345",
        "X",
        "6",
        convenio="1234567",
        carteira="17",
        variacao="019",
    ),
    "033": Beneficiario(
        "033",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "3163",
        "13002862",
        "8",
        "5",
        convenio="316301300286",
        carteira="101",
    ),
    "041": Beneficiario(
        "041",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "1102",
        "900150",
        convenio="1102900015096",
        carteira="1",
    ),
    "104": Beneficiario(
        "104",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "1234",
        "",
        convenio="123456",
        carteira="1",
    ),
    "237": Beneficiario(
        "237",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "1234",
        "1234567",
        "1",
        "2",
        convenio="4466911",
        carteira="009",
    ),
    "341": Beneficiario(
        "341",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "0057",
        "12345",
        conta_dv="6",
        carteira="109",
    ),
    "756": Beneficiario(
        "756",
        "Empresa Exemplo Ltda",
        "12345678000195",
        "3039",
        "489816",
        "0",
        "0",
        convenio="123456",
        carteira="1",
    ),
}

PAYER = Payer(
    name="José da Conceição Ação",
    document="123.456.789-09",
    address="Rua das Flores, 10",
    neighbourhood="Centro",
    city="São Paulo",
    state="SP",
    postcode="01310-100",
)


def make_title(
    nosso_numero: str = "12345678",
    amount: str = "100.00",
    seu_numero: str = "NF-1001",
    **extra: object,
) -> RemessaTitle:
    """A boleto due 2026-03-10, issued 2026-03-01, for the shared payer."""
    return RemessaTitle(
        nosso_numero=nosso_numero,
        seu_numero=seu_numero,
        due_date=date(2026, 3, 10),
        amount=Decimal(amount),
        issue_date=date(2026, 3, 1),
        payer=PAYER,
        **extra,  # type: ignore[arg-type]
    )
