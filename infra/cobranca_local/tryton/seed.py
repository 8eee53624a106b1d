"""Seed a Tryton database on SQLite with a fictitious Brazilian company and its receivables.

Run it in its own process (trytond reads its configuration once, when it is imported)::

    python -m cobranca_local.tryton.seed --data-dir DIR [--customers 25] [--invoices 60]

Everything goes through trytond's own API in a handful of transactions: records are created in
batches and every invoice is posted in one call, which is what makes thousands of invoices a
matter of seconds instead of the 0.4 s per invoice a record-by-record client pays.

The data is deterministic for a given :class:`SeedSpec` (only create/write timestamps differ):

- the company *Aurora Serviços Digitais Ltda.* in BRL, timezone America/Sao_Paulo, fiscal years
  2026 and 2027 with monthly periods, invoices numbered ``FAT/<year>/<nnnnn>``;
- a minimal chart of accounts (cash, receivable, payable, revenue, expense);
- payment terms ``30 dias``, ``60 dias`` and ``3x sem juros (30/60/90 dias)``;
- the payment method "PIX / Boleto" on the cash journal ``REC``;
- customers with a CPF (people) or a CNPJ (companies), an e-mail, a mobile and an address;
- posted customer invoices dated so every due date falls in 2026-10-01 .. 2027-01-31, then, when
  ``payments`` is on, a few paid in full, one partly paid and the first installment of a
  3-installment invoice paid (all dated on or before 2026-12-01).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

MODULES = ("account_invoice",)
AS_OF = dt.date(2026, 12, 1)
DUE_FROM = dt.date(2026, 10, 1)
DUE_TO = dt.date(2027, 1, 31)
COMPANY_NAME = "Aurora Serviços Digitais Ltda."
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - a local fixture's well-known password

CONF_TEMPLATE = """\
# Written by cobranca_local.tryton.seed. [web] listen is absent on purpose: the launcher sets
# TRYTOND_WEB__LISTEN (a value in this file would override the environment variable).
[database]
uri = sqlite://
path = {path}
language = en

[session]
timeout = 300
"""

FIRST_NAMES = (
    "Ana", "Beatriz", "Bruno", "Camila", "Carlos", "Daniela", "Eduardo", "Fernanda", "Gabriel",
    "Helena", "Igor", "Juliana", "Lucas", "Mariana", "Natália", "Otávio", "Patrícia", "Rafael",
    "Sabrina", "Thiago", "Vanessa", "Vinícius", "João", "Letícia", "Márcio", "Renata",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Barbosa", "Cardoso", "Carvalho", "Costa", "Dias", "Ferreira", "Gomes", "Lima",
    "Martins", "Moreira", "Nascimento", "Oliveira", "Pereira", "Ribeiro", "Rocha", "Santos",
    "Silva", "Souza", "Teixeira", "Araújo", "Correia", "Mendes", "Pinto",
)  # fmt: skip
COMPANY_PREFIXES = (
    "Comercial", "Distribuidora", "Padaria", "Mercearia", "Oficina", "Papelaria",
    "Construtora", "Transportadora", "Clínica", "Escola",
)  # fmt: skip
COMPANY_NAMES = (
    "Vale Verde", "Sol Nascente", "Beira-Rio", "Três Irmãos", "Jacarandá", "Sabiá", "Aroeira",
    "Canto Alegre", "Bem-te-vi", "Serra Azul", "Quatro Estações", "Pé de Ipê",
)  # fmt: skip
COMPANY_SUFFIXES = ("Ltda.", "Ltda. ME", "Ltda. EPP", "S.A.")
STREETS = (
    "Rua das Acácias", "Rua dos Girassóis", "Avenida das Palmeiras", "Rua Coronel Fictício",
    "Travessa do Sabiá", "Rua Lagoa Azul", "Avenida Horizonte", "Rua Pedra Branca",
)  # fmt: skip
SERVICES = (
    ("Mensalidade de suporte técnico", 19900, 89000),
    ("Licença de software plano Pro", 4990, 39990),
    ("Manutenção preventiva de equipamentos", 15000, 120000),
    ("Consultoria (horas)", 18000, 32000),
    ("Hospedagem de site e e-mail", 2990, 14990),
    ("Treinamento presencial", 45000, 180000),
    ("Instalação de rede", 35000, 250000),
    ("Taxa de implantação", 9990, 99000),
)


@dataclass(frozen=True)
class SeedSpec:
    """What to seed; equal specs give equal business data."""

    customers: int = 25
    invoices: int = 60
    seed: int = 20261001
    payments: bool = True

    def key(self) -> str:
        """A short name for caches of databases seeded with this spec."""
        flag = "p" if self.payments else "n"
        return f"c{self.customers}-i{self.invoices}-s{self.seed}-{flag}"


# ---------------------------------------------------------------------- fictitious identifiers


def _check_digit(digits: list[int], weights: range | tuple[int, ...]) -> int:
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def make_cpf(rng: random.Random) -> str:
    """A CPF with valid check digits, punctuated."""
    while True:
        base = [rng.randint(0, 9) for _ in range(9)]
        if len(set(base)) > 1:
            break
    first = _check_digit(base, range(10, 1, -1))
    second = _check_digit([*base, first], range(11, 1, -1))
    text = "".join(map(str, [*base, first, second]))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def make_cnpj(rng: random.Random) -> str:
    """A head-office CNPJ with valid check digits, punctuated."""
    while True:
        root = [rng.randint(0, 9) for _ in range(8)]
        if len(set(root)) > 1:
            break
    base = [*root, 0, 0, 0, 1]
    first = _check_digit(base, (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))
    second = _check_digit([*base, first], (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))
    text = "".join(map(str, [*base, first, second]))
    return f"{text[:2]}.{text[2:5]}.{text[5:8]}/{text[8:12]}-{text[12:]}"


def _slug(text: str) -> str:
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()
    return ".".join(filter(None, "".join(c if c.isalnum() else "." for c in plain).split(".")))


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    cents = rng.randint(low, high)
    if cents % 100 == 0:
        cents += rng.randint(1, 99)
    return Decimal(cents) / 100


# ---------------------------------------------------------------------- database


def write_config(data_dir: Path) -> Path:
    """Write ``trytond.conf`` for an SQLite database kept in ``data_dir``."""
    # Absolute: trytond runs with the data folder as its working directory, so a relative path
    # (the run command's default `.local/run`) would point nowhere.
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    conf = data_dir / "trytond.conf"
    conf.write_text(CONF_TEMPLATE.format(path=data_dir), encoding="utf-8")
    return conf


def _create_database(db_name: str) -> None:
    from sql import Table  # type: ignore[import-untyped]
    from trytond import __series__, backend  # type: ignore[import-untyped]
    from trytond.pool import Pool  # type: ignore[import-untyped]
    from trytond.transaction import Transaction, inactive_records  # type: ignore[import-untyped]

    database = backend.Database(db_name)
    backend.Database.create(None, db_name)
    connection = database.get_connection()
    try:
        with connection.cursor() as cursor:
            database.init()
            configuration = Table("ir_configuration")
            cursor.execute(*configuration.insert([configuration.language], [["en"]]))
        connection.commit()
    finally:
        database.put_connection(connection)

    pool = Pool(db_name)
    pool.init(update=["ir", "res", *MODULES], lang=["en"], activatedeps=True)

    with Transaction().start(db_name, 0) as transaction:
        user_model = pool.get("res.user")
        config_model = pool.get("ir.configuration")
        config = config_model(1)
        config.series = __series__
        config.language = "en"
        config.save()
        with inactive_records():
            found = user_model.search([("login", "=", ADMIN_LOGIN)])
        admin = found[0] if found else user_model(login=ADMIN_LOGIN)
        admin.administrator = True
        admin.name = "Administrator"
        admin.active = True
        admin.save()
        # Tryton's password policy refuses a password equal to the login; a local fixture
        # stores the hash directly.
        user_model.write([admin], {"password_hash": user_model.hash_password(ADMIN_PASSWORD)})
        transaction.commit()


def _no_dns_lookups() -> None:
    """Check e-mails by syntax only: a fixture must never resolve (example.com) over DNS."""
    from functools import partial

    from trytond.modules.party import contact_mechanism  # type: ignore[import-untyped]
    from trytond.tools import email_  # type: ignore[import-untyped]

    contact_mechanism.validate_email = partial(email_.validate_email, check_deliverability=False)


def _progress(message: str) -> None:
    """Phase timings on stderr (the summary on stdout stays one JSON document)."""
    print(f"[{time.monotonic() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


_STARTED = time.monotonic()


def _in_transaction(
    db_name: str,
    user: int,
    context: dict[str, Any] | None,
    work: Any,
    *,
    lock_records: dict[str, list[int]] | None = None,
    lock_tables: list[str] | None = None,
) -> Any:
    """Run ``work`` in a committed transaction, restarted as trytond asks (table locks)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.worker import run_task  # type: ignore[import-untyped]

    extras: dict[str, Any] = {}
    if lock_records:
        extras["_lock_records"] = lock_records
    if lock_tables:
        extras["_lock_tables"] = list(lock_tables)
    while True:
        try:
            with Transaction().start(db_name, user, context=context or {}, **extras) as current:
                result = work()
                current.commit()
                tasks = list(current.tasks)
                current.tasks.clear()
        except TransactionError as error:
            error.fix(extras)
            _progress(f"transaction restarted for {extras}")
            continue
        # Without a queue worker, deferred tasks (an invoice turning "paid" once its lines are
        # reconciled) run after the commit, as trytond's dispatcher does; rendering each posted
        # invoice's printable report (more than half the cost of posting) is skipped.
        wanted = _without_printing(db_name, tasks)
        for task in wanted:
            run_task(Pool(db_name), task)
        return result


def _without_printing(db_name: str, tasks: list[int]) -> list[int]:
    """The queued tasks minus invoice printing, whose records are dropped."""
    if not tasks:
        return tasks
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(db_name, 0) as current:
        queue_model = Pool(db_name).get("ir.queue")
        records = queue_model.browse(tasks)
        printing = [r for r in records if (r.data or {}).get("method") == "print_invoice"]
        queue_model.delete(printing)
        current.commit()
    dropped = {record.id for record in printing}
    return [task for task in tasks if task not in dropped]


def _setup_company(pool: Any) -> dict[str, Any]:
    """Country, currency, company, chart, fiscal years, terms, journals: the books."""
    country_model = pool.get("country.country")
    subdivision_model = pool.get("country.subdivision")
    currency_model = pool.get("currency.currency")
    party_model = pool.get("party.party")
    company_model = pool.get("company.company")
    user_model = pool.get("res.user")

    (brazil,) = country_model.create([{"name": "Brasil", "code": "BR", "code3": "BRA"}])
    (sp,) = subdivision_model.create(
        [{"name": "São Paulo", "code": "BR-SP", "type": "state", "country": brazil.id}]
    )
    (brl,) = currency_model.create(
        [
            {
                "name": "Real brasileiro",
                "code": "BRL",
                "numeric_code": "986",
                "symbol": "R$",
                "rounding": Decimal("0.01"),
                "digits": 2,
            }
        ]
    )
    party_config = pool.get("party.configuration")(1)
    party_config.identifier_types = ["br_vat", "br_cpf"]
    party_config.save()

    rng = random.Random(1)  # noqa: S311 - fixture data, not security
    (company_party,) = party_model.create(
        [
            {
                "name": COMPANY_NAME,
                "identifiers": [("create", [{"type": "br_vat", "code": make_cnpj(rng)}])],
                "contact_mechanisms": [
                    ("create", [{"type": "email", "value": "financeiro.aurora@example.com"}])
                ],
            }
        ]
    )
    (company,) = company_model.create(
        [{"party": company_party.id, "currency": brl.id, "timezone": "America/Sao_Paulo"}]
    )
    (admin,) = user_model.search([("login", "=", ADMIN_LOGIN)])
    user_model.write([admin], {"companies": [("add", [company.id])], "company": company.id})
    return {"company": company.id, "brl": brl.id, "brazil": brazil.id, "sp": sp.id}


def _setup_books(pool: Any, company: Any) -> dict[str, Any]:
    account_type_model = pool.get("account.account.type")
    account_model = pool.get("account.account")

    def kind(name: str, parent: Any = None, **flags: Any) -> Any:
        (created,) = account_type_model.create(
            [{"name": name, "company": company.id, "parent": parent and parent.id, **flags}]
        )
        return created

    root = kind("Plano de Contas")
    balance = kind("Balanço Patrimonial", root, statement="balance")
    assets = kind("Ativo", balance, statement="balance", assets=True)
    cash_type = kind("Caixa e Equivalentes", assets, statement="balance", assets=True)
    receivable_type = kind("Clientes", assets, statement="balance", assets=True, receivable=True)
    liabilities = kind("Passivo", balance, statement="balance")
    payable_type = kind("Fornecedores", liabilities, statement="balance", payable=True)
    income = kind("Demonstração do Resultado", root, statement="income")
    revenue_type = kind("Receitas", income, statement="income", revenue=True)
    expense_type = kind("Despesas", income, statement="income", expense=True)

    (chart,) = account_model.create(
        [{"name": "Plano de Contas Aurora", "company": company.id, "closed": True}]
    )

    def account(code: str, name: str, type_: Any, **flags: Any) -> Any:
        (created,) = account_model.create(
            [
                {
                    "code": code,
                    "name": name,
                    "type": type_.id,
                    "parent": chart.id,
                    "company": company.id,
                    **flags,
                }
            ]
        )
        return created

    cash = account("1.1.01", "Caixa e Bancos", cash_type)
    receivable = account(
        "1.1.02", "Clientes a Receber", receivable_type, reconcile=True, party_required=True
    )
    payable = account(
        "2.1.01", "Fornecedores a Pagar", payable_type, reconcile=True, party_required=True
    )
    revenue = account("4.1.01", "Receita de Prestação de Serviços", revenue_type)
    account("5.1.01", "Despesas Financeiras e Descontos", expense_type)

    configuration = pool.get("account.configuration")(1)
    configuration.default_account_receivable = receivable
    configuration.default_account_payable = payable
    configuration.save()
    return {"cash": cash, "receivable": receivable, "revenue": revenue}


def _setup_years_and_terms(pool: Any, company: Any, cash: Any) -> dict[str, Any]:
    fiscalyear_model = pool.get("account.fiscalyear")
    sequence_model = pool.get("ir.sequence.strict")
    sequence_type_model = pool.get("ir.sequence.type")
    (move_type,) = sequence_type_model.search([("name", "=", "Account Move")], limit=1)
    (invoice_type,) = sequence_type_model.search([("name", "=", "Invoice")], limit=1)
    for year in (2026, 2027):
        move_sequence, invoice_sequence = sequence_model.create(
            [
                {
                    "name": f"Lançamentos {year}",
                    "sequence_type": move_type.id,
                    "company": company.id,
                },
                {
                    "name": f"Faturas {year}",
                    "sequence_type": invoice_type.id,
                    "company": company.id,
                    "prefix": f"FAT/{year}/",
                    "padding": 5,
                },
            ]
        )
        (fiscalyear,) = fiscalyear_model.create(
            [
                {
                    "name": str(year),
                    "company": company.id,
                    "start_date": dt.date(year, 1, 1),
                    "end_date": dt.date(year, 12, 31),
                    "move_sequence": move_sequence.id,
                    "invoice_sequences": [
                        (
                            "create",
                            [
                                {
                                    "company": company.id,
                                    "out_invoice_sequence": invoice_sequence.id,
                                    "out_credit_note_sequence": invoice_sequence.id,
                                    "in_invoice_sequence": invoice_sequence.id,
                                    "in_credit_note_sequence": invoice_sequence.id,
                                }
                            ],
                        )
                    ],
                }
            ]
        )
        fiscalyear_model.create_period([fiscalyear])

    term_model = pool.get("account.invoice.payment_term")

    def line(kind: str, days: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "type": "remainder",
            "relativedeltas": [("create", [{"days": days, "months": 0, "weeks": 0}])],
        }
        if kind == "third":
            values.update(
                type="percent_on_total", ratio=Decimal("0.33333333"), divisor=Decimal("3")
            )
        return values

    term_30, term_60, term_3x = term_model.create(
        [
            {"name": "30 dias", "lines": [("create", [line("rest", 30)])]},
            {"name": "60 dias", "lines": [("create", [line("rest", 60)])]},
            {
                "name": "3x sem juros (30/60/90 dias)",
                "lines": [("create", [line("third", 30), line("third", 60), line("rest", 90)])],
            },
        ]
    )

    journal_model = pool.get("account.journal")
    (journal,) = journal_model.create(
        [{"name": "Recebimentos (PIX/Boleto)", "code": "REC", "type": "cash"}]
    )
    method_model = pool.get("account.invoice.payment.method")
    (method,) = method_model.create(
        [
            {
                "name": "PIX / Boleto",
                "company": company.id,
                "journal": journal.id,
                "debit_account": cash.id,
                "credit_account": cash.id,
            }
        ]
    )
    return {"terms": (term_30, term_60, term_3x), "method": method}


def _customers(pool: Any, spec: SeedSpec, places: dict[str, Any]) -> list[Any]:
    party_model = pool.get("party.party")
    rng = random.Random(spec.seed)  # noqa: S311 - fixture data, not security
    values = []
    used: set[str] = set()
    for index in range(spec.customers):
        is_company = index % 5 in (1, 3)
        while True:
            if is_company:
                trade = f"{rng.choice(COMPANY_PREFIXES)} {rng.choice(COMPANY_NAMES)}"
                name = f"{trade} {rng.choice(COMPANY_SUFFIXES)}"
                key = trade
            else:
                name = (
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
                )
                key = name
            if key not in used or len(used) > 200:
                # Large seeds run out of distinct combinations; a number keeps them unique.
                if key in used:
                    name = f"{name} {index}"
                    key = f"{key} {index}"
                used.add(key)
                break
        if is_company:
            identifier = {"type": "br_vat", "code": make_cnpj(rng)}
            email = f"financeiro.{_slug(key)}@example.com"
        else:
            identifier = {"type": "br_cpf", "code": make_cpf(rng)}
            email = f"{_slug(name)}@example.com"
        phone = f"+55 11 9{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
        address = {
            "street_unstructured": f"{rng.choice(STREETS)}, {rng.randint(10, 2999)}",
            "postal_code": f"0{rng.randint(1000, 5999)}-{rng.randint(0, 999):03d}",
            "city": "São Paulo",
            "country": places["brazil"].id,
            "subdivision": places["sp"].id,
        }
        values.append(
            {
                "name": name,
                "identifiers": [("create", [identifier])],
                "addresses": [("create", [address])],
                "contact_mechanisms": [
                    (
                        "create",
                        [{"type": "email", "value": email}, {"type": "mobile", "value": phone}],
                    )
                ],
            }
        )
    created: list[Any] = party_model.create(values)
    return created


def _invoices(
    pool: Any, spec: SeedSpec, customers: list[Any], books: dict[str, Any], terms: tuple[Any, ...]
) -> list[Any]:
    invoice_model = pool.get("account.invoice")
    journal_model = pool.get("account.journal")
    (revenue_journal,) = journal_model.search([("type", "=", "revenue")], limit=1)
    rng = random.Random(spec.seed + 7)  # noqa: S311 - fixture data, not security
    term_30, term_60, term_3x = terms
    plans = [
        (term_30, DUE_FROM - dt.timedelta(days=30), AS_OF - dt.timedelta(days=1)),
        (term_60, DUE_FROM - dt.timedelta(days=60), AS_OF - dt.timedelta(days=1)),
        (term_3x, DUE_FROM - dt.timedelta(days=30), DUE_TO - dt.timedelta(days=90)),
    ]
    specs = []
    for index in range(spec.invoices):
        term, start, end = rng.choices(plans, weights=[5, 3, 2])[0]
        invoice_date = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        party = customers[rng.randrange(len(customers))]
        lines = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            description, low, high = rng.choice(SERVICES)
            lines.append((description, rng.choice([1, 1, 1, 2, 3]), _money(rng, low, high)))
        specs.append((invoice_date, index, party, term, lines))
    specs.sort(key=lambda item: (item[0], item[1]))

    addresses = {party.id: party.address_get(type="invoice") for party in customers}
    values = []
    for number, (invoice_date, _, party, term, lines) in enumerate(specs, 1):
        values.append(
            {
                "type": "out",
                "company": books["company"].id,
                "currency": books["brl"].id,
                "journal": revenue_journal.id,
                "party": party.id,
                "invoice_address": addresses[party.id].id,
                "account": books["receivable"].id,
                "invoice_date": invoice_date,
                "payment_term": term.id,
                "reference": f"PED-{invoice_date:%Y%m}-{number:04d}",
                "description": f"Serviços {invoice_date:%m/%Y}",
                "lines": [
                    (
                        "create",
                        [
                            {
                                "type": "line",
                                "company": books["company"].id,
                                "currency": books["brl"].id,
                                "account": books["revenue"].id,
                                "description": description,
                                "quantity": float(quantity),
                                "unit_price": price,
                            }
                            for description, quantity, price in lines
                        ],
                    )
                ],
            }
        )
    invoices: list[Any] = []
    for offset in range(0, len(values), 500):
        invoices.extend(invoice_model.create(values[offset : offset + 500]))
    _progress(f"{len(invoices)} invoices created")
    return invoices


def _pay(pool: Any, invoice: Any, amount: Decimal, when: dt.date, method: Any) -> None:
    """What the pay wizard does: book the payment, reconcile when it settles whole lines."""
    line_model = pool.get("account.move.line")
    reconcile, remainder = invoice.get_reconcile_lines_for_amount(amount, invoice.currency)
    lines = invoice.pay_invoice(amount, method, when, f"Recebimento {invoice.number}")
    if not remainder:
        line_model.reconcile([*reconcile, *lines])


def _payments(pool: Any, spec: SeedSpec, method: Any) -> list[dict[str, str]]:
    invoice_model = pool.get("account.invoice")
    invoices = invoice_model.search([("type", "=", "out")], order=[("number", "ASC")])

    def dues(invoice: Any) -> list[dt.date]:
        return sorted(line.maturity_date for line in invoice.lines_to_pay)

    single = [i for i in invoices if len(i.lines_to_pay) == 1 and dues(i)[0] <= AS_OF]
    triple = [i for i in invoices if len(i.lines_to_pay) == 3 and dues(i)[0] <= AS_OF]
    rng = random.Random(spec.seed + 1)  # noqa: S311 - fixture data, not security
    wanted = max(1, spec.invoices // 12)
    picked = rng.sample(single, min(len(single), wanted + 1))
    full, partial = picked[:-1], picked[-1:]
    done = []
    for invoice in full:
        when = min(max(invoice.invoice_date, dues(invoice)[0] - dt.timedelta(days=3)), AS_OF)
        _pay(pool, invoice, invoice.amount_to_pay, when, method)
        done.append({"invoice": invoice.number, "kind": "full"})
    for invoice in partial:
        amount = (invoice.amount_to_pay * Decimal("0.4")).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        ) + Decimal("0.37")
        _pay(pool, invoice, amount, min(dues(invoice)[0], AS_OF), method)
        done.append({"invoice": invoice.number, "kind": "partial", "amount": str(amount)})
    if triple:
        invoice = rng.choice(triple)
        first = min(invoice.lines_to_pay, key=lambda line: line.maturity_date)
        _pay(pool, invoice, first.debit, min(first.maturity_date, AS_OF), method)
        done.append({"invoice": invoice.number, "kind": "first-installment"})
    return done


def seed(
    data_dir: Path,
    spec: SeedSpec,
    db_name: str = "tryton",
    *,
    template: Path | None = None,
    activate_only: bool = False,
) -> dict[str, Any]:
    """Create ``<data_dir>/<db_name>.sqlite`` and fill it; call in a fresh process.

    ``template`` is a folder holding ``template.sqlite``, a database whose modules are already
    activated (``activate_only`` makes one): copying it spares the slowest step.
    """
    started = time.monotonic()
    conf = write_config(data_dir)
    os.environ["TRYTOND_CONFIG"] = str(conf)
    for name in ("TRYTOND_DATABASE__URI", "TRYTOND_DATABASE__PATH"):
        os.environ.pop(name, None)
    if template is not None:
        for item in template.iterdir():
            if item.name.startswith("template.sqlite"):
                shutil.copy2(item, data_dir / item.name.replace("template", db_name, 1))
    else:
        _create_database(db_name)
    created_at = time.monotonic()
    _progress("database created, modules activated")
    if activate_only:
        return {"database": db_name, "data_dir": str(data_dir), "activated": True}

    from trytond.pool import Pool

    pool = Pool(db_name)
    pool.init()
    _no_dns_lookups()
    admin_id = _in_transaction(
        db_name, 0, None, lambda: pool.get("res.user").search([("login", "=", ADMIN_LOGIN)])[0].id
    )
    books = _in_transaction(db_name, 0, None, lambda: _setup_company(pool))
    # The fixture posts invoices dated in the past on purpose: Tryton's warnings are skipped.
    context = {
        "company": books["company"],
        "companies": [books["company"]],
        "_skip_warnings": True,
    }

    def business() -> tuple[int, int]:
        company = pool.get("company.company")(books["company"])
        records = {
            "company": company,
            "brl": pool.get("currency.currency")(books["brl"]),
            "brazil": pool.get("country.country")(books["brazil"]),
            "sp": pool.get("country.subdivision")(books["sp"]),
        }
        records.update(_setup_books(pool, company))
        records.update(_setup_years_and_terms(pool, company, records["cash"]))
        _progress("books ready")
        customers = _customers(pool, spec, records)
        _progress(f"{len(customers)} customers created")
        invoices = _invoices(pool, spec, customers, records, records["terms"])
        return len(customers), len(invoices)

    def post() -> None:
        invoice_model = pool.get("account.invoice")
        drafts = invoice_model.search(
            [("type", "=", "out"), ("state", "=", "draft")], order=[("id", "ASC")]
        )
        invoice_model.post(drafts)

    customer_count, invoice_count = _in_transaction(db_name, admin_id, context, business)
    # Numbering posted invoices and moves locks their strict sequences, and trytond restarts a
    # transaction to take a lock it did not hold from the start: the locks are taken up front,
    # and posting runs on its own so no restart could ever redo the creation above.
    strict = _in_transaction(
        db_name,
        admin_id,
        context,
        lambda: [s.id for s in pool.get("ir.sequence.strict").search([])],
    )
    _in_transaction(
        db_name,
        admin_id,
        context,
        post,
        lock_records={"ir_sequence_strict": strict},
        lock_tables=["account_journal_period"],
    )
    _progress(f"{invoice_count} invoices posted")
    payments: list[dict[str, str]] = []
    if spec.payments:

        def pay_some() -> list[dict[str, str]]:
            (method,) = pool.get("account.invoice.payment.method").search([], limit=1)
            return _payments(pool, spec, method)

        payments = _in_transaction(
            db_name,
            admin_id,
            context,
            pay_some,
            lock_records={"ir_sequence_strict": strict},
            lock_tables=["account_journal_period"],
        )

    def summary() -> tuple[dict[str, int], Decimal]:
        posted = pool.get("account.invoice").search([("type", "=", "out")])
        states: dict[str, int] = {}
        for invoice in posted:
            states[invoice.state] = states.get(invoice.state, 0) + 1
        total = sum((i.amount_to_pay for i in posted if i.state == "posted"), Decimal("0.00"))
        return states, total

    states, total_open = _in_transaction(db_name, admin_id, context, summary)
    return {
        "spec": asdict(spec),
        "database": db_name,
        "data_dir": str(data_dir),
        "customers": customer_count,
        "invoices": invoice_count,
        "states": states,
        "total_open": str(total_open),
        "payments": payments,
        "seconds_database": round(created_at - started, 1),
        "seconds_total": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--db", default="tryton")
    parser.add_argument("--customers", type=int, default=SeedSpec.customers)
    parser.add_argument("--invoices", type=int, default=SeedSpec.invoices)
    parser.add_argument("--seed", type=int, default=SeedSpec.seed)
    parser.add_argument("--no-payments", action="store_true")
    parser.add_argument("--template", type=Path, default=None, help="activated database folder")
    parser.add_argument("--activate-only", action="store_true", help="stop after the modules")
    args = parser.parse_args(argv)
    spec = SeedSpec(args.customers, args.invoices, args.seed, not args.no_payments)
    database = args.data_dir / f"{args.db}.sqlite"
    if database.exists():
        print(f"{database} exists; seed a fresh folder", file=sys.stderr)
        return 1
    summary = seed(
        args.data_dir.resolve(),
        spec,
        args.db,
        template=args.template.resolve() if args.template else None,
        activate_only=args.activate_only,
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
