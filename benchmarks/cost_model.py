"""AWS cost per 10,000 receivables a month, from the request counts the benchmarks measure.

The model (docs/cost-model.md explains each line) multiplies per-receivable activity by list
prices. Measured figures come from `.local/bench-figures.json`, written by `make bench`; a
figure that was not measured in this run falls back to the design budget and says so. Prices
are us-east-1 list prices as parameters: change them for your region and date.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from common import note, report

FIGURES = Path(__file__).resolve().parents[1] / ".local" / "bench-figures.json"
RECEIVABLES = 10_000
USD_TO_BRL = Decimal("5.40")

# Prices in USD (us-east-1 list prices).
PRICE = {
    "lambda_request": Decimal("0.20") / 1_000_000,
    "lambda_gb_second_arm": Decimal("0.0000133334"),
    "dynamodb_write_request": Decimal("0.625") / 1_000_000,
    "dynamodb_read_request": Decimal("0.125") / 1_000_000,
    "dynamodb_gb_month": Decimal("0.25"),
    "sfn_transition": Decimal("0.025") / 1_000,
    "sqs_request": Decimal("0.40") / 1_000_000,
    "ses_email": Decimal("0.10") / 1_000,
    "sns_sms_brazil": Decimal("0.02"),
    "s3_put": Decimal("0.005") / 1_000,
}

# What a receivable does in a month (assumptions of the model; see the document).
ACTIVITY = {
    "syncs": Decimal(2),  # created once, changed about once
    "charges": Decimal("1.1"),  # a tenth are reissued (segunda via)
    "payments": Decimal("0.9"),
    "emails": Decimal(3),
    "sms": Decimal("0.5"),
    "renegotiations": Decimal("0.05"),
    "transitions_per_renegotiation": Decimal(14),
    "item_kb": Decimal(3),
}

# Budgets used when a figure was not measured in this run (the issues' targets).
BUDGET = {
    "dynamodb_requests_per_1000_new": 50,
    "dynamodb_requests_per_1000_unchanged": 15,
    "dynamodb_requests_per_confirmed_payment": 4,
    "reminder_planner_read_units_per_due_item": 1.2,
}


def _figure(figures: dict[str, float], measured: str, budget: str) -> Decimal:
    """The figure another benchmark printed as ``measured`` in this run, else the budget."""
    if measured in figures:
        return Decimal(str(figures[measured]))
    note(f"cost model: {measured} not measured in this run; using the budget {BUDGET[budget]}")
    return Decimal(str(BUDGET[budget]))


def main() -> int:
    figures: dict[str, float] = {}
    if FIGURES.is_file():
        figures = json.loads(FIGURES.read_text(encoding="utf-8"))

    sync_new = _figure(
        figures, "dynamodb_requests_per_1000_new_receivables", "dynamodb_requests_per_1000_new"
    )
    per_payment = _figure(
        figures, "charges_dynamodb_requests_per_payment", "dynamodb_requests_per_confirmed_payment"
    )
    planner = _figure(
        figures,
        "reminders_planner_read_units_per_due_item",
        "reminder_planner_read_units_per_due_item",
    )

    n = Decimal(RECEIVABLES)
    # DynamoDB: about two thirds of a sync's requests are writes (batch reads first).
    sync_requests = n * ACTIVITY["syncs"] * sync_new / 1000
    ddb = (
        sync_requests * (PRICE["dynamodb_write_request"] * 2 + PRICE["dynamodb_read_request"]) / 3
        + n * ACTIVITY["charges"] * 3 * PRICE["dynamodb_write_request"]
        + n * ACTIVITY["payments"] * per_payment * PRICE["dynamodb_write_request"]
        + n * ACTIVITY["emails"] * (planner + 2) * PRICE["dynamodb_read_request"]
        + n * ACTIVITY["emails"] * 2 * PRICE["dynamodb_write_request"]
        + n * ACTIVITY["item_kb"] / 1024 / 1024 * PRICE["dynamodb_gb_month"]
    )
    invocations = n * (
        ACTIVITY["syncs"] / 50 + ACTIVITY["charges"] + ACTIVITY["payments"] + ACTIVITY["emails"]
    )
    lambda_cost = invocations * (
        PRICE["lambda_request"] + Decimal("0.5") * Decimal("0.3") * PRICE["lambda_gb_second_arm"]
    )
    sfn = (
        n
        * ACTIVITY["renegotiations"]
        * ACTIVITY["transitions_per_renegotiation"]
        * PRICE["sfn_transition"]
    )
    sqs = (
        n
        * (ACTIVITY["charges"] + ACTIVITY["payments"] + ACTIVITY["emails"])
        * 3
        * PRICE["sqs_request"]
    )
    messages = n * (
        ACTIVITY["emails"] * PRICE["ses_email"] + ACTIVITY["sms"] * PRICE["sns_sms_brazil"]
    )
    s3 = n * (ACTIVITY["syncs"] + ACTIVITY["payments"]) * PRICE["s3_put"]
    total = ddb + lambda_cost + sfn + sqs + messages + s3

    report("cost_usd_per_10k_receivables_month[dynamodb]", float(ddb), "USD", "<= 5")
    report("cost_usd_per_10k_receivables_month[lambda]", float(lambda_cost), "USD", "<= 5")
    report("cost_usd_per_10k_receivables_month[stepfunctions]", float(sfn), "USD", "<= 1")
    report("cost_usd_per_10k_receivables_month[sqs]", float(sqs), "USD", "<= 1")
    report("cost_usd_per_10k_receivables_month[ses_sns]", float(messages), "USD", "<= 150")
    report("cost_usd_per_10k_receivables_month[total]", float(total), "USD", "<= 160")
    per_paid = total * USD_TO_BRL / (n * ACTIVITY["payments"])
    report("cost_brl_per_paid_receivable[aws]", float(per_paid), "BRL", "<= 0.10")
    note(
        "for comparison, gateways charge per paid boleto or Pix a fixed fee of the order of "
        "R$ 1 to R$ 3.50 (see docs/cost-model.md); the hub's AWS cost per paid receivable is "
        f"R$ {per_paid:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
