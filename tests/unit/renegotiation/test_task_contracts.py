"""The task side of the contracts: how a case is read, how failures are classified, how the
parcelas are numbered, and the ERP write-back payload (the ERP connector's input)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cobranca.services.renegotiation import tasks
from cobranca.services.renegotiation.store import Agreement, agreement_id_for, offer_id_for


def _case(**state: object) -> tasks.Case:
    return tasks.Case.from_event(
        {"case": {"tenant": "t1", "customer_id": "C1", **state}, "execution": "t1__C1__x"}
    )


def test_a_case_without_timeouts_waits_72_hours() -> None:
    case = _case()

    assert (case.attempt, case.origin, case.decision_seconds) == (1, "schedule", 259_200)
    assert case.offer_id == offer_id_for("t1__C1__x", 1)


def test_offer_and_agreement_ids_are_derived_so_retries_find_them() -> None:
    assert offer_id_for("run", 1) == offer_id_for("run", 1) != offer_id_for("run", 2)
    assert agreement_id_for("OF-1").startswith("AC-")
    assert len(agreement_id_for("OF-1")) == 15


def test_the_eligible_receivables_come_from_the_eligibility_result() -> None:
    case = _case(receivable_ids=[], eligibility={"receivable_ids": ["NF-1~1"]})

    assert case.eligible_ids == ("NF-1~1",)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        ("OfferDeclined", "declined"),
        ("States.Timeout", "timeout"),
        ("States.HeartbeatTimeout", "timeout"),
        ("NoContactChannel", "failure"),
        ("InjectedFault", "failure"),
    ],
)
def test_failures_are_classified_for_the_escalation(error: str, outcome: str) -> None:
    assert tasks._outcome(_case(failure={"Error": error, "Cause": "x"})) == outcome


def test_the_entrada_becomes_parcela_one() -> None:
    plan = {
        "parcelas": [
            {
                "number": 1,
                "due_date": "2026-04-23",
                "amount": "226.07",
                "interest": "13.00",
                "principal": "213.07",
            },
            {
                "number": 0,
                "due_date": "2026-03-23",
                "amount": "163.02",
                "interest": "0.00",
                "principal": "163.02",
            },
        ]
    }

    rows = tasks._installment_rows("AC-1", plan)

    assert [(r["number"], r["receivable_id"], r["amount"], r["entrada"]) for r in rows] == [
        (1, "AC-1~1", "163.02", True),
        (2, "AC-1~2", "226.07", False),
    ]


def test_the_erp_payload_carries_originals_and_installments() -> None:
    agreement = Agreement(
        tenant_id="t1",
        agreement_id="AC-1",
        offer_id="OF-1",
        case="run",
        customer_id="C1",
        status="active",
        plan={"plan_id": "p2", "count": 2, "entrada": "0.00", "monthly_rate": "1.99"},
        originals=[
            {
                "receivable_id": "NF-1~1",
                "erp_id": "NF-1",
                "installment": 1,
                "number": "1001",
                "due_date": "2026-01-10",
                "balance": "500",
            },
        ],
        installments=[
            {
                "number": 1,
                "receivable_id": "AC-1~1",
                "due_date": "2026-03-23",
                "amount": "252.49",
                "interest": "9.95",
                "principal": "242.54",
            },
            {
                "number": 2,
                "receivable_id": "AC-1~2",
                "due_date": "2026-04-23",
                "amount": "252.48",
                "interest": "4.83",
                "principal": "247.65",
            },
        ],
        created_at=datetime(2026, 3, 16, 15, 0, tzinfo=UTC),
        debt={"principal": "500.00", "fine": "10.00", "interest": "10.83", "total": "520.83"},
    )

    payload = tasks.agreement_payload(agreement, "created")

    assert payload["event"] == "created"
    assert payload["total"] == "504.97"
    assert payload["originals"] == [
        {
            "receivable_id": "NF-1~1",
            "erp_id": "NF-1",
            "installment": 1,
            "number": "1001",
            "due_date": "2026-01-10",
            "balance": "500.00",
        },
    ]
    assert [(i["number"], i["due_date"], i["amount"]) for i in payload["installments"]] == [
        (1, "2026-03-23", "252.49"),
        (2, "2026-04-23", "252.48"),
    ]
    assert payload["plan"]["plan_id"] == "p2"
