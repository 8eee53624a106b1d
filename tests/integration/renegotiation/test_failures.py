"""A failure injected at each task of the flow leaves every receivable and charge request
consistent: before acceptance the offer is withdrawn and escalated; after it, compensation
undoes whatever part of the agreement landed (``after`` faults fail once the task's writes and
messages are out, the hardest case, and leave the state a ``before`` fault of the next task
would); a transient fault is retried with backoff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h

ORIGINAL_CANCELS = [("cancel", "NF-1~1"), ("cancel", "NF-2~1")]
ORIGINAL_REISSUES = [("reissue", "NF-1~1"), ("reissue", "NF-2~1")]


def _parcelas(action: str, agreement_id: str) -> list[tuple[str, str]]:
    return [(action, f"{agreement_id}~{n}") for n in (1, 2, 3)]


@dataclass(frozen=True)
class Case:
    """One injected failure and what the flow must end with."""

    name: str
    faults: dict[str, Any]
    answer: str | None = "accept"  # what the customer does on the portal
    status: str = "FAILED"
    error: str | None = "AgreementRolledBack"
    agreement: str | None = None  # the agreement's final status, when one was created
    charges: str = "none"  # which charge requests are expected (see _expected_charges)
    writebacks: list[str] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)
    timeouts: dict[str, int] = field(default_factory=dict)


def fault(when: str = "before", **extra: Any) -> dict[str, Any]:
    return {"when": when, "error": "InjectedFault", **extra}


CASES = [
    Case(
        "check_eligibility",
        {"check_eligibility": fault()},
        answer=None,
        error="InjectedFault",
    ),
    Case("build_offer", {"build_offer": fault("after")}, answer=None, status="SUCCEEDED"),
    Case("send_offer", {"send_offer": fault()}, answer=None, status="SUCCEEDED"),
    Case(
        "expire_offer",
        {"expire_offer": fault()},
        answer=None,
        status="SUCCEEDED",
        timeouts={"decision_seconds": 2, "heartbeat_seconds": 2},
    ),
    Case("create_agreement-before", {"create_agreement": fault()}),
    Case("create_agreement-after", {"create_agreement": fault("after")}, agreement="rolled_back"),
    Case(
        "cancel_originals-after",
        {"cancel_originals": fault("after")},
        agreement="rolled_back",
        charges="originals",
    ),
    Case(
        "create_installments-after",
        {"create_installments": fault("after")},
        agreement="rolled_back",
        charges="everything",
    ),
    Case(
        "write_back-after",
        {"write_back": fault("after")},
        agreement="rolled_back",
        charges="everything",
        writebacks=["created", "rolled_back"],
    ),
    Case(
        "confirm",
        {"confirm": fault()},
        status="SUCCEEDED",
        error=None,
        agreement="active",
        charges="applied",
        writebacks=["created"],
    ),
    Case(
        "compensate-retried",
        {
            "cancel_originals": fault("after"),
            "compensate": fault(error="TransientError", times=1),
        },
        agreement="rolled_back",
        charges="originals",
    ),
    Case(
        "escalate-retried",
        {"escalate": fault(error="TransientError", times=1)},
        answer="decline",
        status="SUCCEEDED",
        error=None,
        policy={"on_decline": "operator"},
    ),
]


def _expected_charges(case: Case, agreement_id: str | None) -> list[tuple[str, str]]:
    if case.charges == "none" or agreement_id is None:
        return []
    if case.charges == "originals":
        return ORIGINAL_CANCELS + ORIGINAL_REISSUES
    applied = ORIGINAL_CANCELS + _parcelas("issue", agreement_id)
    if case.charges == "applied":
        return applied
    return applied + _parcelas("cancel", agreement_id) + ORIGINAL_REISSUES


def _tenant(case: Case) -> str:
    return f"f-{case.name.replace('_', '-')}"[:40]


def _run_all(hub: LocalHub) -> dict[str, dict[str, Any]]:
    """Every case's execution, run side by side (their waits and retries overlap)."""
    # GIVEN a sandbox tenant per case whose renegotiation task will fail as the case says
    started = {}
    for case in CASES:
        h.seed(_tenant(case), faults=case.faults, policy=case.policy or None)
        started[case.name] = h.start(_tenant(case), **case.timeouts)

    # WHEN the customer answers each offer that reached them
    waiting = {case.name: case for case in CASES if case.answer is not None}
    deadline = time.monotonic() + 120
    while waiting and time.monotonic() < deadline:
        for name, case in list(waiting.items()):
            links = h.offer_links(_tenant(case))
            if links:
                answer = (
                    h.accept(links[0], "p3") if case.answer == "accept" else h.decline(links[0])
                )
                assert answer.status_code == 303, name
                del waiting[name]
        time.sleep(0.2)
    assert not waiting, f"no offer e-mail for {sorted(waiting)}"
    return {
        name: h.wait_execution(hub, execution.execution_arn, timeout=180)
        for name, execution in started.items()
    }


def test_an_injected_failure_at_each_task_ends_consistent(hub: LocalHub, outbox: h.Outbox) -> None:
    # One test for every case, so the flows run side by side on one hub (and one worker).
    results = _run_all(hub)

    failed = {}
    for case in CASES:
        try:
            _check(case, results[case.name], outbox)
        except AssertionError as error:
            failed[case.name] = f"{type(error).__name__}: {error}"
    assert failed == {}


def _check(case: Case, result: dict[str, Any], outbox: h.Outbox) -> None:
    tenant = _tenant(case)

    # THEN the execution ends as designed
    assert result["status"] == case.status, result
    if case.status == "FAILED":
        assert result.get("error") == case.error
    state = h.output(result) if case.status == "SUCCEEDED" else {}
    if case.name == "confirm":
        assert state["confirmation_failure"]["Error"] == "InjectedFault"
    if case.name in {"build_offer", "send_offer", "expire_offer", "escalate-retried"}:
        assert state["escalation"]["next"] == "operator"

    # AND the offer, the agreement and the queued requests agree with each other
    offers = h.offers(tenant)
    if case.name == "check_eligibility":
        assert offers == []
    elif case.answer is None:
        assert [offer.status for offer in offers] == ["expired"]
    agreements = h.agreements(tenant)
    assert [item.status for item in agreements] == ([case.agreement] if case.agreement else [])
    agreement_id = agreements[0].agreement_id if agreements else None
    assert outbox.charges(tenant) == _expected_charges(case, agreement_id)
    assert [message["payload"]["event"] for message in outbox.writebacks(tenant)] == (
        case.writebacks
    )
    if case.status == "FAILED" and case.error == "AgreementRolledBack":
        (item,) = h.parked(tenant)
        assert item["reason"] == "agreement_rolled_back"
        assert item["failure"] == "InjectedFault"
        assert offers[0].rolled_back
    if case.name == "send_offer":
        assert h.emails_to(h.email_of(tenant)) == []
    h.assert_consistent(tenant, outbox)
