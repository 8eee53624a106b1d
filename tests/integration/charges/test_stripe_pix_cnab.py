"""Stripe (localstripe), a PSP's API Pix and CNAB: a charge on each, a payment by each path.

Also the faults of issuing against localstripe: 5xx, timeouts and a crash between Stripe's
answer and the hub's write leave exactly one PaymentIntent per receivable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.gateways.stripe import sign
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.instruments.boleto import parse_boleto
from cobranca.instruments.cnab import (
    BankEvent,
    Layout,
    Occurrence,
    Payer,
    RemessaTitle,
    read_retorno,
    write_retorno,
)
from cobranca.instruments.pix import parse_brcode
from cobranca.platform import clock
from cobranca.services.charging import Charging, payment_link
from cobranca_local.fakes.jsonhttp import Fault
from cobranca_local.fakes.localstripe import LocalStripe
from cobranca_local.hub import LocalHub

from tests.integration.charges.support import (
    PIX_KEY,
    STRIPE_SECRET,
    audit_actions,
    cnab_tenant,
    drain_charges,
    ledger,
    partition,
    pix_tenant,
    receivable,
    stored,
    stripe_tenant,
    sync,
    wait_for,
)
from tests.support.hub import make_tenant, running_hub

STRIPE, PIX, CNAB = "stripe-co", "pix-co", "cnab-co"


def _soon() -> date:
    """A due date ahead of the hub's clock: banks register no title already due."""
    return clock.today() + timedelta(days=10)


@pytest.fixture(scope="module")
def stripe() -> Iterator[LocalStripe]:
    fake = LocalStripe()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def hub(stripe: LocalStripe) -> Iterator[LocalHub]:
    with running_hub() as running:
        stripe_tenant(running, STRIPE, stripe.url, timeout_seconds=1)
        stripe.register_webhook(f"{running.url}/v1/callbacks/{STRIPE}/stripe", STRIPE_SECRET)
        pix_tenant(running, PIX)
        cnab_tenant(CNAB)
        yield running


def _charge(hub: LocalHub, tenant: str, erp_id: str, amount: str, due: date) -> str:
    sync(load_tenant(tenant), receivable(erp_id, amount, due))
    drain_charges(hub)
    return f"{erp_id}~1"


def _intents_of(stripe: LocalStripe, tenant: str, receivable_id: str) -> list[dict[str, Any]]:
    prefix = f"{tenant}#{receivable_id}#"
    return [
        intent
        for intent in stripe.payment_intents()
        if str((intent.get("metadata") or {}).get("cobranca_reference", "")).startswith(prefix)
    ]


# ---------------------------------------------------------------------- Stripe


def test_stripe_charge_paid_by_card_settles_through_the_signed_webhook(
    hub: LocalHub, stripe: LocalStripe
) -> None:
    # GIVEN a receivable synced from the ERP gets a PaymentIntent
    rid = _charge(hub, STRIPE, "NF200", "150.00", date(2026, 3, 20))
    [intent] = _intents_of(stripe, STRIPE, rid)
    assert (intent["amount"], intent["currency"]) == (15000, "brl")
    assert stored(STRIPE, rid)["charge"]["provider_id"] == intent["id"]

    # WHEN the payer pays it by card (localstripe then posts payment_intent.succeeded)
    client = httpx.Client(base_url=stripe.url, auth=("sk_test_local", ""))
    method = client.post(
        "/v1/payment_methods",
        data={
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    ).json()
    client.post(f"/v1/payment_intents/{intent['id']}", data={"payment_method": method["id"]})
    confirmed = client.post(f"/v1/payment_intents/{intent['id']}/confirm").json()
    assert confirmed["status"] == "succeeded"

    # THEN the receivable is settled exactly once
    wait_for(lambda: ledger(STRIPE, rid)["status"] == "paid")
    assert ledger(STRIPE, rid)["settled"] == "150.00"
    assert len(partition(STRIPE, rid, "PAYMENT#")) == 1
    assert audit_actions(STRIPE, rid).count("payment.confirmed") == 1


def test_stripe_chargeback_reopens_the_receivable(hub: LocalHub, stripe: LocalStripe) -> None:
    rid = _charge(hub, STRIPE, "NF201", "80.00", date(2026, 3, 20))
    [intent] = _intents_of(stripe, STRIPE, rid)

    def send(document: dict[str, Any]) -> httpx.Response:
        import json

        body = json.dumps(document).encode()
        signature = sign(body, STRIPE_SECRET, int(clock.now().timestamp()))
        return httpx.post(
            f"{hub.url}/v1/callbacks/{STRIPE}/stripe",
            content=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )

    succeeded = {
        "id": "evt_201_paid",
        "type": "payment_intent.succeeded",
        "created": 1773924030,
        "data": {"object": {**intent, "amount_received": 8000, "status": "succeeded"}},
    }
    dispute = {
        "id": "evt_201_dispute",
        "type": "charge.dispute.created",
        "created": 1773924090,
        "data": {"object": {"id": "dp_201", "amount": 8000, "payment_intent": intent["id"]}},
    }
    assert send(succeeded).json()["results"][0]["status"] == "paid"
    answer = send(dispute).json()["results"][0]
    replay = send(dispute).json()["results"][0]

    assert (answer["outcome"], answer["status"], answer["balance"]) == ("applied", "open", "80.00")
    assert replay["outcome"] == "duplicate"
    assert ledger(STRIPE, rid)["settled"] == "0.00"


def test_stripe_5xx_and_timeouts_are_retried_without_double_charges(
    hub: LocalHub, stripe: LocalStripe
) -> None:
    # GIVEN Stripe fails twice with 503 and then times out once on creation
    stripe.add_fault(Fault("POST", "/v1/payment_intents", "error", count=2))
    stripe.add_fault(Fault("POST", "/v1/payment_intents", "timeout", count=1, delay_seconds=1.5))

    # WHEN the charge queue retries until the provider answers
    rid = _charge(hub, STRIPE, "NF202", "99.90", date(2026, 3, 20))

    # THEN there is exactly one PaymentIntent and the charge is issued
    assert len(_intents_of(stripe, STRIPE, rid)) == 1
    assert stored(STRIPE, rid)["charge"]["status"] == "issued"


def test_stripe_answer_lost_after_creation_is_adopted_not_duplicated(
    hub: LocalHub, stripe: LocalStripe
) -> None:
    # GIVEN Stripe creates the PaymentIntent but its answer never reaches the hub (502, then a
    # timeout after doing it)
    stripe.add_fault(Fault("POST", "/v1/payment_intents", "after_error", count=1))
    stripe.add_fault(
        Fault("POST", "/v1/payment_intents", "after_timeout", count=1, delay_seconds=1.5)
    )

    rid = _charge(hub, STRIPE, "NF203", "120.00", date(2026, 3, 20))

    [intent] = _intents_of(stripe, STRIPE, rid)
    assert stored(STRIPE, rid)["charge"]["provider_id"] == intent["id"]


def test_crash_between_stripes_answer_and_the_hubs_write_leaves_one_charge(
    hub: LocalHub, stripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the issuer dies right after Stripe answered, before it stores anything
    original = Charging._store_answer
    crashes = {"left": 1}

    def crash_once(self: Charging, request: Any, issued: Any) -> None:
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("simulated crash after the provider's answer")
        original(self, request, issued)

    monkeypatch.setattr(Charging, "_store_answer", crash_once)

    # WHEN SQS redelivers the message
    rid = _charge(hub, STRIPE, "NF204", "75.00", date(2026, 3, 20))

    # THEN the retry found the first PaymentIntent instead of creating a second
    assert crashes["left"] == 0
    [intent] = _intents_of(stripe, STRIPE, rid)
    assert stored(STRIPE, rid)["charge"]["provider_id"] == intent["id"]
    assert stored(STRIPE, rid)["charge"]["status"] == "issued"


def test_stripe_webhook_with_stale_or_forged_signature_is_rejected(hub: LocalHub) -> None:
    body = b'{"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {}}}'
    now = int(clock.now().timestamp())

    stale = httpx.post(
        f"{hub.url}/v1/callbacks/{STRIPE}/stripe",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(body, STRIPE_SECRET, now - 301),
        },
    )
    forged = httpx.post(
        f"{hub.url}/v1/callbacks/{STRIPE}/stripe",
        content=body,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(body, "whsec_wrong", now),
        },
    )

    assert stale.status_code == forged.status_code == 401
    assert "tolerance 300 s" in stale.json()["detail"]


# ---------------------------------------------------------------------- API Pix


def test_pix_cobv_paid_late_settles_principal_and_records_multa_and_juros(hub: LocalHub) -> None:
    # GIVEN a cobv of 100.00 due 2026-03-20 with the tenant's 2 % multa and 1 % a month juros
    rid = _charge(hub, PIX, "NF300", "100.00", date(2026, 3, 20))
    charge = stored(PIX, rid)["charge"]
    assert charge["provider"] == "pix_api"
    assert parse_brcode(charge["pix_copia_e_cola"]).crc_valid

    # WHEN the payer pays it 10 days late (the PSP computes 100 + 2.00 + 0.33)
    psp = os.environ["COBRANCA_FAKE_PIX_PSP_URL"]
    paid = httpx.post(
        f"{psp}/_fake/cobv/{charge['provider_id']}/pay", json={"paid_on": "2026-03-30"}
    ).json()

    # THEN the webhook, confirmed with the PSP, settles the principal; the rest is income
    assert paid["pix"]["valor"] == "102.33"
    assert paid["hub"]["results"][0]["outcome"] == "applied"
    assert ledger(PIX, rid) == {
        "total": "100.00",
        "settled": "100.00",
        "discount_granted": "0.00",
        "charges_received": "2.33",
        "customer_credit": "0.00",
        "status": "paid",
    }
    # AND the PSP redelivering the same webhook changes nothing
    again = httpx.post(f"{psp}/_fake/notify/{paid['pix']['endToEndId']}").json()
    assert again["hub"]["results"][0]["outcome"] == "duplicate"


def test_forged_pix_webhook_is_parked_not_applied(hub: LocalHub) -> None:
    rid = _charge(hub, PIX, "NF301", "50.00", date(2026, 3, 20))
    txid = stored(PIX, rid)["charge"]["provider_id"]
    forged = {
        "pix": [
            {
                "endToEndId": "E99999999202603201200aaaaaaaaaa1",
                "txid": txid,
                "valor": "50.00",
                "chave": PIX_KEY,
                "horario": "2026-03-20T12:00:00Z",
            }
        ]
    }

    response = httpx.post(f"{hub.url}/v1/callbacks/{PIX}/pix_api/pix", json=forged)

    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["outcome"] == "parked"
    assert "the PSP does not know endToEndId" in result["reason"]
    assert ledger(PIX, rid)["status"] == "open"


# ---------------------------------------------------------------------- CNAB


def test_cnab_boleto_registered_and_settled_by_a_retorno_file(hub: LocalHub) -> None:
    # GIVEN a registered boleto: nosso número from the counter, remessa written to S3
    due = _soon()
    rid = _charge(hub, CNAB, "NF400", "100.00", due)
    charge = stored(CNAB, rid)["charge"]
    boleto = parse_boleto(charge["linha_digitavel"], reference_date=clock.today())
    assert (boleto.bank, boleto.amount, boleto.due_date) == (
        "237",
        Decimal("100.00"),
        due,
    )
    s3 = hub.client("s3")
    bucket = hub.ref("RawBucket")
    remessas = s3.list_objects_v2(Bucket=bucket, Prefix=f"remessa/{CNAB}/")["Contents"]
    assert [item["Key"].rsplit("/", 1)[1] for item in remessas] == [
        f"237-{charge['provider_id']}.rem"
    ]

    # WHEN the bank's retorno reports a liquidação of 100.00 with a 1.40 fee (credit 98.60)
    title = RemessaTitle(
        nosso_numero=charge["provider_id"],
        seu_numero="400",
        due_date=due,
        amount=Decimal("100.00"),
        issue_date=clock.today(),
        payer=Payer(name="MARIA SILVA", document="12345678909"),
    )
    from cobranca.adapters.gateways.cnab_bank import CnabBank, CnabConfig
    from cobranca.adapters.secrets import tenant_secrets

    beneficiario = CnabBank(
        load_tenant(CNAB), CnabConfig.from_secret(tenant_secrets(CNAB)["cnab"])
    ).beneficiario
    retorno = write_retorno(
        beneficiario,
        [
            BankEvent(
                title,
                Occurrence.LIQUIDACAO,
                due - timedelta(days=1),
                amount_paid=Decimal("100.00"),
                bank_fee=Decimal("1.40"),
                credited_on=due,
            )
        ],
        layout=Layout.CNAB400,
        generated_on=due,
    )
    assert read_retorno(retorno).records[0].amount_paid == Decimal("100.00")
    s3.put_object(Bucket=bucket, Key=f"retorno/{CNAB}/CB200301.RET", Body=retorno)
    # AND the same file dropped again under another name
    s3.put_object(Bucket=bucket, Key=f"retorno/{CNAB}/CB200301-copy.RET", Body=retorno)
    drain_charges(hub)

    # THEN the fee is not an open balance (TRAPS 4) and the payment counts once
    assert ledger(CNAB, rid) == {
        "total": "100.00",
        "settled": "100.00",
        "discount_granted": "0.00",
        "charges_received": "0.00",
        "customer_credit": "0.00",
        "status": "paid",
    }
    [payment] = partition(CNAB, rid, "PAYMENT#")
    assert (payment["bank_fee"], payment["credited"]) == (Decimal("1.4"), Decimal("98.6"))


def test_cnab_nosso_numero_is_a_sequence_and_retries_reuse_it(hub: LocalHub) -> None:
    first = _charge(hub, CNAB, "NF401", "10.00", _soon())
    second = _charge(hub, CNAB, "NF402", "20.00", _soon())
    numbers = [int(stored(CNAB, rid)["charge"]["provider_id"][:-1]) for rid in (first, second)]

    assert numbers[1] == numbers[0] + 1
    charging = Charging.for_tenant(CNAB)
    assert charging.issue(second).outcome == "unchanged"
    provider = charging.provider
    key = stored(CNAB, second)["charge"]["key"]
    assert provider.allocate(key) == numbers[1]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- what the payer sees


def test_payment_page_shows_the_updated_amount_pix_and_boleto(hub: LocalHub) -> None:
    rid = _charge(hub, CNAB, "NF403", "100.00", _soon())
    url = payment_link(CNAB, rid)
    path = url.removeprefix(os.environ["PUBLIC_BASE_URL"])

    page = httpx.get(f"{hub.url}{path}")
    printable = httpx.get(f"{hub.url}{path}/boleto")
    expired = httpx.get(f"{hub.url}/pay/not-a-token")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.text
    linha = stored(CNAB, rid)["charge"]["linha_digitavel"]
    assert linha[:5] + "." + linha[5:10] in text
    assert "Ver boleto para imprimir" in text
    # due 2026-03-20, today is later: 2 % multa and juros appear in the total
    amounts = re.findall(r"R\$\s?[\d.]+,\d{2}", text)
    assert "R$ 100,00" in " ".join(amounts) or "R$\xa0100,00" in text
    assert printable.status_code == 200
    assert "<svg" in printable.text and linha[:5] in printable.text.replace(".", "")
    assert expired.status_code == 404


def test_payment_page_pix_images(hub: LocalHub) -> None:
    rid = _charge(hub, PIX, "NF302", "42.00", date(2026, 3, 20))
    path = payment_link(PIX, rid).removeprefix(os.environ["PUBLIC_BASE_URL"])

    page = httpx.get(f"{hub.url}{path}")
    svg = httpx.get(f"{hub.url}{path}/pix.svg")
    png = httpx.get(f"{hub.url}{path}/pix.png")

    copia = stored(PIX, rid)["charge"]["pix_copia_e_cola"]
    assert copia in page.text and "<svg" in page.text
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_tenant_routes_each_payment_method_to_its_provider(hub: LocalHub) -> None:
    # GIVEN a tenant that registers boletos at its bank (CNAB) and charges Pix at its PSP
    secrets = {
        "cnab": {
            "bank": "237",
            "layout": "400",
            "agencia": "1234",
            "conta": "0012345",
            "conta_dv": "6",
            "carteira": "09",
        },
        "pix_api": {
            "base_url": os.environ["COBRANCA_FAKE_PIX_PSP_URL"],
            "client_id": "client-routes",
            "client_secret": "client-secret",
            "key": PIX_KEY,
        },
    }
    tenant, _ = make_tenant(
        "routes",
        secrets,
        charge_provider="cnab",
        charge_routes={"boleto": "cnab", "pix": "pix_api"},
    )

    # WHEN the ERP sends one receivable to be paid by boleto and one by Pix
    sync(
        tenant,
        receivable("NF-RB", "120.00", _soon(), metadata={"payment_method": "boleto"}),
        receivable("NF-RP", "80.50", _soon(), metadata={"payment_method": "pix"}),
    )
    drain_charges(hub)

    # THEN each got its charge from the provider its method is routed to
    boleto = stored("routes", "NF-RB~1")["charge"]
    pix = stored("routes", "NF-RP~1")["charge"]
    assert (boleto["provider"], boleto["method"], boleto["status"]) == ("cnab", "boleto", "issued")
    assert len(boleto["linha_digitavel"]) == 47
    assert (pix["provider"], pix["method"], pix["status"]) == ("pix_api", "pix", "issued")
    assert Decimal(str(pix["amount"])) == Decimal("80.50")
    assert pix["pix_copia_e_cola"].startswith("000201")


def test_overdue_receivable_is_charged_updated_with_a_new_due_date(hub: LocalHub) -> None:
    from cobranca.domain.calendar import BusinessCalendar
    from cobranca.domain.money import round_money

    # GIVEN a receivable of 100.00 already 10 days overdue (tenant: 2% multa, 1% a month juros)
    tenant = cnab_tenant("late-co")
    overdue = clock.today() - timedelta(days=10)
    sync(tenant, receivable("NF-LATE", "100.00", overdue))

    # WHEN its charge is issued
    drain_charges(hub)

    # THEN the boleto falls due three business days from today, for the balance plus the multa
    # and the juros accrued up to that date, and remembers what it was issued for
    charge = stored("late-co", "NF-LATE~1")["charge"]
    new_due = BusinessCalendar().add_business_days(clock.today(), 3)
    days = (new_due - overdue).days
    juros = round_money(Decimal("100.00") * Decimal("0.01") / 30 * days)
    assert charge["status"] == "issued"
    assert charge["due_date"] == new_due.isoformat()
    assert Decimal(str(charge["amount"])) == Decimal("100.00") + Decimal("2.00") + juros
    assert Decimal(str(charge["principal"])) == Decimal("100.00")
    assert charge["receivable_due_date"] == overdue.isoformat()
    assert parse_boleto(charge["linha_digitavel"], reference_date=clock.today()).due_date == new_due
