"""The renegotiation ASL keeps its promises: every task retries with backoff, every failure
after acceptance leads to compensation, the wait reads its timeouts from the input, and every
action it names exists."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cobranca.services.renegotiation import reports, starter, tasks

ASL = Path(__file__).resolve().parents[3] / "infra" / "statemachines" / "renegotiation.asl.json"
DEFINITION: dict[str, Any] = json.loads(ASL.read_text(encoding="utf-8"))
STATES: dict[str, Any] = DEFINITION["States"]
TASKS = {name: state for name, state in STATES.items() if state["Type"] == "Task"}
APPLYING = ["CreateAgreement", "CancelOriginalCharges", "CreateInstallments", "WriteBackToErp"]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_with_backoff(name: str) -> None:
    retry = TASKS[name]["Retry"]

    assert retry, name
    assert all(rule["BackoffRate"] >= 2 and rule["MaxAttempts"] >= 3 for rule in retry)
    assert any(
        "TransientError" in rule["ErrorEquals"] or "States.ALL" in rule["ErrorEquals"]
        for rule in retry
    )


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_names_an_existing_action(name: str) -> None:
    assert TASKS[name]["Parameters"]["Payload"]["action"] in tasks.ACTIONS


@pytest.mark.parametrize("name", APPLYING)
def test_a_failure_while_applying_the_agreement_is_compensated(name: str) -> None:
    catches = TASKS[name]["Catch"]

    assert [(c["ErrorEquals"], c["Next"]) for c in catches] == [(["States.ALL"], "Compensate")]


def test_the_wait_for_the_customer_reads_its_timeouts_from_the_input() -> None:
    wait = STATES["SendOfferAndWait"]

    assert wait["Resource"].endswith(".waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.timeouts.decision_seconds"
    assert wait["HeartbeatSecondsPath"] == "$.timeouts.heartbeat_seconds"
    assert wait["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    assert [(c["ErrorEquals"], c["Next"]) for c in wait["Catch"]] == [
        (["OfferDeclined"], "Escalate"),
        (["States.ALL"], "ExpireOffer"),
    ]


def test_compensation_retries_any_error_and_ends_failed() -> None:
    compensate = STATES["Compensate"]

    assert compensate["Retry"][0]["ErrorEquals"] == ["States.ALL"]
    assert compensate["Next"] == "RolledBack"
    assert STATES["RolledBack"] == {
        "Type": "Fail",
        "Error": "AgreementRolledBack",
        "Cause": "Applying the agreement failed; every change was compensated.",
    }


def test_a_failed_confirmation_never_undoes_the_agreement() -> None:
    assert STATES["ConfirmToCustomer"]["Catch"][0]["Next"] == "AgreementInForce"


def test_the_second_offer_keeps_the_fields_the_tasks_read() -> None:
    fields = set(STATES["PrepareSecondOffer"]["Parameters"])

    assert fields == {
        "tenant.$",
        "customer_id.$",
        "receivable_ids.$",
        "timeouts.$",
        "origin.$",
        "requested_by.$",
        "attempt.$",
        "eligibility.$",
    }


class TestExecutionNames:
    def test_same_inputs_same_name_and_within_the_limit(self) -> None:
        first = starter.execution_name(
            "a" * 40,
            "cliente_com_id/muito.longo@x",
            origin="operator",
            day=date(2026, 3, 16),
            receivable_ids=["B", "A"],
        )
        again = starter.execution_name(
            "a" * 40,
            "cliente_com_id/muito.longo@x",
            origin="operator",
            day=date(2026, 3, 16),
            receivable_ids=["A", "B"],
        )

        assert first == again
        assert len(first) <= 80
        assert first.startswith(starter.tenant_prefix("a" * 40))
        assert set(first) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def test_another_day_origin_or_key_is_another_execution(self) -> None:
        name = starter.execution_name("t1", "C1", origin="schedule", day=date(2026, 3, 16))

        assert name != starter.execution_name("t1", "C1", origin="schedule", day=date(2026, 3, 17))
        assert name != starter.execution_name("t1", "C1", origin="operator", day=date(2026, 3, 16))
        assert name != starter.execution_name(
            "t1", "C1", origin="schedule", day=date(2026, 3, 16), key="again"
        )


def test_rates_over_closed_offers() -> None:
    assert reports.rates({"pending": 4, "accepted": 3, "declined": 2, "expired": 1}) == {
        "closed": 6,
        "acceptance_rate": "0.5000",
        "decline_rate": "0.3333",
        "expiry_rate": "0.1667",
    }
    assert reports.rates({"pending": 2})["acceptance_rate"] is None
