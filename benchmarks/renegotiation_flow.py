"""Renegotiation: what one accepted agreement costs, and how fast offers are planned.

The local hub runs the real state machine; FLOWS customers of one tenant each get an offer
(two overdue receivables), accept three parcelas on the portal over HTTP, and the execution
applies the agreement. Figures:

- DynamoDB requests per accepted agreement, counted by a botocore hook over everything the
  flow did (eligibility, offer, portal page and acceptance, agreement, compensation-free path);
- state transitions per accepted agreement (state entries in the execution history), which the
  Step Functions bill counts;
- seconds from the start of an execution to its end, with the customer answering at once
  (emulator time: a ceiling, not the AWS figure);
- offer plans computed per second by the domain (a 2-receivable debt, the default rules).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import note, report  # noqa: E402

FLOWS = int(os.environ.get("RENEGOTIATION_FLOWS", "6"))
PLAN_ROUNDS = int(os.environ.get("RENEGOTIATION_PLAN_ROUNDS", "300"))


def plans_per_second() -> float:
    from datetime import date
    from decimal import Decimal

    from cobranca.domain.calendar import NATIONAL
    from cobranca.domain.late_charges import Juros, LateChargeRules, Multa
    from cobranca.domain.renegotiation import (
        OpenItem,
        RenegotiationPolicy,
        offer_plans,
        quote_debt,
    )

    rules = LateChargeRules(multa=Multa.percent("2"), juros=Juros.percent_per_month("1"))
    items = [
        OpenItem("NF-1~1", date(2026, 1, 10), Decimal("500.00")),
        OpenItem("NF-2~1", date(2026, 2, 10), Decimal("300.00")),
    ]
    policy = RenegotiationPolicy()
    today = date(2026, 3, 16)
    offer_plans(quote_debt(items, today, rules, NATIONAL, consumer=True), policy, today, NATIONAL)
    started = time.perf_counter()
    for _ in range(PLAN_ROUNDS):
        debt = quote_debt(items, today, rules, NATIONAL, consumer=True)
        offer_plans(debt, policy, today, NATIONAL)
    return PLAN_ROUNDS / (time.perf_counter() - started)


def main() -> int:
    from cobranca.platform.requests import RequestCounter
    from cobranca_local.hub import DEFAULT_TEMPLATE, LocalHub

    from tests.integration.renegotiation import helpers as h

    with LocalHub(DEFAULT_TEMPLATE, api_port=0) as hub:
        h.prepare(hub)
        h.seed("bench-acordo", customer_id="W0", debt=_debt("W0"))
        # Warm up: imports, cached secrets and connections.
        warm = h.start("bench-acordo", "W0")
        link = next(iter(_links("bench-acordo", "W0")))
        h.accept(link, "p3")
        h.wait_execution(hub, warm.execution_arn)
        for index in range(FLOWS):
            customer = f"C{index}"
            h.seed("bench-acordo", customer_id=customer, debt=_debt(customer), create_tenant=False)

        sfn = hub.client("stepfunctions")
        seconds = []
        transitions = []
        with RequestCounter("dynamodb") as counter:
            for index in range(FLOWS):
                started = time.perf_counter()
                execution = h.start("bench-acordo", f"C{index}")
                link = next(iter(_links("bench-acordo", f"C{index}")))
                h.accept(link, "p3")
                result = h.wait_execution(hub, execution.execution_arn)
                seconds.append(time.perf_counter() - started)
                if result["status"] != "SUCCEEDED":
                    note(f"flow {index} ended {result['status']}")
                    return 1
                events = sfn.get_execution_history(executionArn=execution.execution_arn)
                transitions.append(
                    sum(1 for event in events["events"] if event["type"].endswith("StateEntered"))
                )
        note(f"dynamodb calls: {counter.snapshot()}")
        report(
            "renegotiation_dynamodb_requests_per_agreement",
            counter.total / FLOWS,
            "requests",
            "<= 60",
        )
        report(
            "renegotiation_state_transitions_per_agreement",
            max(transitions),
            "transitions",
            "<= 14",
        )
        report(
            "renegotiation_seconds_start_to_agreement_local",
            sum(seconds) / len(seconds),
            "s",
            "<= 10",
        )
    report("renegotiation_offer_plans_per_second", plans_per_second(), "debts/s", ">= 200")
    return 0


def _debt(customer: str) -> list[tuple[str, object, str]]:
    from datetime import date

    return [
        (f"NF-{customer}-1", date(2026, 1, 10), "500.00"),
        (f"NF-{customer}-2", date(2026, 2, 10), "300.00"),
    ]


def _links(tenant: str, customer: str) -> list[str]:
    from tests.integration.renegotiation import helpers as h

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = h.offer_links(tenant, customer)
        if found:
            return found
        time.sleep(0.1)
    raise RuntimeError(f"no offer e-mail for {customer}")


if __name__ == "__main__":
    sys.exit(main())
