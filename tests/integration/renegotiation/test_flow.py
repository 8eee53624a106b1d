"""The renegotiation flow on the local runtime: offer, portal, agreement, decline, timeout.

Receivables come in through the ERP path, the real state machine runs on the emulator, the
offer leaves by SES with its signed link, and the customer answers on the portal over HTTP.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from cobranca.platform import clock
from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h

D = Decimal


def test_accepted_offer_replaces_the_old_charges_with_the_agreement(
    hub: LocalHub, outbox: h.Outbox
) -> None:
    # GIVEN a customer 65 and 34 days late on 500.00 and 300.00
    h.seed("acc")
    started = h.start("acc")

    # WHEN the offer e-mail arrives and the customer opens it and accepts 3 parcelas
    link = h.wait_for_link("acc")
    page = h.get(link)
    answer = h.accept(link, "p3")
    result = h.wait_execution(hub, started.execution_arn)

    # THEN the page showed the debt broken down and the plans, never the task token
    assert page.status_code == 200
    assert '<html lang="pt-BR">' in page.text
    for shown in ("R$ 800,00", "R$ 16,00", "R$ 14,23", "R$ 830,23", "3x de R$ 282,59"):
        assert shown in page.text
    (offer,) = h.offers("acc")
    assert offer.task_token is None  # dropped once the agreement exists
    assert "taskToken" not in page.text and "task_token" not in link
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert answer.status_code == 303
    assert answer.headers["location"] == link

    # AND the execution applied the agreement
    assert result["status"] == "SUCCEEDED"
    state = h.output(result)
    agreement_id = state["agreement"]["agreement_id"]
    (agreement,) = h.agreements("acc")
    assert (agreement.agreement_id, agreement.status) == (agreement_id, "active")
    assert [(row["due_date"], row["amount"]) for row in agreement.installments] == [
        ("2026-03-23", "282.59"),
        ("2026-04-23", "282.59"),
        ("2026-05-25", "282.58"),
    ]
    assert (offer.status, offer.plan_id, offer.agreement_id) == ("accepted", "p3", agreement_id)

    # AND the originals are renegotiated, the parcelas are open receivables
    for rid in h.ORIGINALS:
        original = h.receivable("acc", rid)
        assert (original.status.value, original.balance) == ("renegotiated", D("0.00"))
    parcelas = [h.receivable("acc", rid) for rid in agreement.installment_ids]
    assert [(p.receivable.due_date, p.balance, p.status.value) for p in parcelas] == [
        (date(2026, 3, 23), D("282.59"), "open"),
        (date(2026, 4, 23), D("282.59"), "open"),
        (date(2026, 5, 25), D("282.58"), "open"),
    ]
    assert parcelas[0].receivable.customer_id == "C1"
    assert parcelas[0].flags == {"agreement_id": agreement_id, "agreement_installment": 1}

    # AND the charge issuer was asked to cancel the old charges and issue the new ones
    assert outbox.charges("acc") == [
        ("cancel", "NF-1~1"),
        ("cancel", "NF-2~1"),
        ("issue", f"{agreement_id}~1"),
        ("issue", f"{agreement_id}~2"),
        ("issue", f"{agreement_id}~3"),
    ]

    # AND the ERP was sent the agreement with its installments
    (writeback,) = outbox.writebacks("acc")
    assert (writeback["kind"], writeback["ref"]) == ("agreement", f"{agreement_id}:created")
    payload = writeback["payload"]
    assert payload["event"] == "created"
    assert [item["receivable_id"] for item in payload["originals"]] == h.ORIGINALS
    assert [(i["number"], i["due_date"], i["amount"]) for i in payload["installments"]] == [
        (1, "2026-03-23", "282.59"),
        (2, "2026-04-23", "282.59"),
        (3, "2026-05-25", "282.58"),
    ]
    assert payload["total"] == "847.76"
    assert payload["debt"]["total"] == "830.23"

    # AND the customer got the confirmation, and the page says the agreement is in force
    assert len(h.emails_to(h.email_of("acc"))) == 2
    assert "Parcela 3/3: R$ 282,58, vencimento 25/05/2026" in h.text_of(
        h.emails_to(h.email_of("acc"))[1]
    )
    assert "está em vigor" in h.get(link).text
    h.assert_consistent("acc", outbox)


def test_acceptance_is_usable_once(hub: LocalHub, outbox: h.Outbox) -> None:
    h.seed("once")
    started = h.start("once")
    link = h.wait_for_link("once")

    first = h.accept(link, "p1")
    second = h.accept(link, "p6")
    h.wait_execution(hub, started.execution_arn)
    third = h.decline(link)

    assert first.status_code == 303
    assert second.status_code == 409
    assert "já foi respondida" in second.text
    assert third.status_code == 409
    (offer,) = h.offers("once")
    assert (offer.status, offer.plan_id) == ("accepted", "p1")
    (agreement,) = h.agreements("once")
    assert [row["amount"] for row in agreement.installments] == ["800.00"]


def test_an_agreement_in_force_blocks_a_new_offer(hub: LocalHub, outbox: h.Outbox) -> None:
    h.seed("again")
    first = h.start("again")
    h.accept(h.wait_for_link("again"), "p1")
    h.wait_execution(hub, first.execution_arn)

    second = h.start("again", key="another")
    result = h.wait_execution(hub, second.execution_arn)

    assert result["status"] == "SUCCEEDED"
    assert h.output(result)["eligibility"]["reason"] == "agreement_in_force"
    assert len(h.offers("again")) == 1


def test_starting_twice_names_the_same_execution(hub: LocalHub, outbox: h.Outbox) -> None:
    h.seed("twice")

    first = h.start("twice")
    second = h.start("twice")

    assert first.execution_arn == second.execution_arn
    listed = hub.client("stepfunctions").list_executions(
        stateMachineArn=hub.state_machines["RenegotiationStateMachine"]
    )["executions"]
    assert [item["name"] for item in listed].count(first.name) == 1


def test_a_plan_not_in_the_offer_is_refused_and_the_page_shown_again(
    hub: LocalHub, outbox: h.Outbox
) -> None:
    h.seed("badplan")
    h.start("badplan")
    link = h.wait_for_link("badplan")

    response = h.accept(link, "p99")

    assert response.status_code == 422
    assert "Escolha um dos planos da proposta." in response.text
    (offer,) = h.offers("badplan")
    assert offer.status == "pending"


def test_declined_twice_goes_to_an_operator_after_a_better_second_offer(
    hub: LocalHub, outbox: h.Outbox
) -> None:
    h.seed("dec", policy={"on_decline": "second_offer", "max_offers": 2})
    started = h.start("dec")

    declined = h.decline(h.wait_for_link("dec"))
    second_link = h.wait_for_link("dec", count=2)
    h.decline(second_link)
    result = h.wait_execution(hub, started.execution_arn)

    assert declined.status_code == 303
    assert result["status"] == "SUCCEEDED"
    assert h.output(result)["escalation"] == {"next": "operator", "attempt": 2}
    first, second = h.offers("dec")
    assert (first.status, first.attempt, second.status, second.attempt) == (
        "declined",
        1,
        "declined",
        2,
    )
    # The second offer adds 10 points of discount: 60% of 16.00 and of 14.23.
    assert first.plan("p3")["discount"] == "15.12"  # type: ignore[index]
    assert second.plan("p3")["discount"] == "18.14"  # type: ignore[index]
    assert "Proposta recusada" in h.get(second_link).text
    (item,) = h.parked("dec")
    assert (item["reason"], item["customer_id"]) == ("offer_declined", "C1")
    assert outbox.charges("dec") == []
    assert outbox.writebacks("dec") == []
    h.assert_consistent("dec", outbox)


@pytest.mark.parametrize("policy", ["operator", "negativacao"])
def test_an_unanswered_offer_lapses_and_is_escalated(
    hub: LocalHub, outbox: h.Outbox, policy: str
) -> None:
    tenant = f"quiet-{policy[:3]}"
    h.seed(tenant, policy={"on_timeout": policy})
    started = h.start(tenant, decision_seconds=2, heartbeat_seconds=2)
    link = h.wait_for_link(tenant)

    result = h.wait_execution(hub, started.execution_arn, timeout=30)

    assert result["status"] == "SUCCEEDED"
    state = h.output(result)
    assert state["failure"]["Error"] in {"States.Timeout", "States.HeartbeatTimeout"}
    assert state["escalation"]["next"] == policy
    (offer,) = h.offers(tenant)
    assert offer.status == "expired"
    assert offer.task_token is None
    page = h.get(link)
    assert page.status_code == 410
    assert "Proposta expirada" in page.text
    flagged = [h.receivable(tenant, rid).flags.get("negativacao") for rid in h.ORIGINALS]
    if policy == "negativacao":
        assert all(flag and flag["case"] == started.name for flag in flagged)
    else:
        assert flagged == [None, None]
    h.assert_consistent(tenant, outbox)


def test_visits_keep_the_offer_alive_past_the_idle_limit(hub: LocalHub, outbox: h.Outbox) -> None:
    # GIVEN an offer that lapses after 4 s without a visit (at most 40 s)
    h.seed("visits")
    started = h.start("visits", decision_seconds=40, heartbeat_seconds=4)
    link = h.wait_for_link("visits")

    # WHEN the customer keeps coming back for longer than 4 s (each visit is a heartbeat)
    opened = time.monotonic()
    while time.monotonic() - opened < 6:
        assert h.get(link).status_code == 200
        time.sleep(1)
    answer = h.accept(link, "p1")

    # THEN the acceptance still reaches the flow
    assert answer.status_code == 303
    assert h.wait_execution(hub, started.execution_arn)["status"] == "SUCCEEDED"


def test_a_tampered_link_shows_nothing(hub: LocalHub, outbox: h.Outbox) -> None:
    h.seed("tamper")
    h.start("tamper")
    link = h.wait_for_link("tamper")
    base, token = link.rsplit("/", 1)
    payload, signature = token.split(".")
    forged_signature = (
        f"{base}/{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    )
    other_offer = f"{base}/{payload[:-3]}xyz.{signature}"

    for forged in (forged_signature, other_offer, f"{base}/nonsense"):
        page = h.get(forged)
        assert page.status_code == 404
        assert "Link inválido" in page.text
        assert "R$" not in page.text
        assert h.accept(forged, "p1").status_code == 404

    (offer,) = h.offers("tamper")
    assert offer.status == "pending"


def test_an_expired_link_cannot_accept(hub: LocalHub, outbox: h.Outbox) -> None:
    h.seed("late")
    h.start("late")
    link = h.wait_for_link("late")

    h.set_today(h.NOW + timedelta(hours=121))
    try:
        page = h.get(link)
        answer = h.accept(link, "p1")
    finally:
        h.set_today()

    assert page.status_code == 410
    assert answer.status_code == 410
    (offer,) = h.offers("late")
    assert offer.status == "pending"
    assert clock.today() == h.TODAY
