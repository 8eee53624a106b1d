"""Debt quoting, eligibility and the plans offered (amounts to the centavo, real dates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cobranca.domain.calendar import NATIONAL
from cobranca.domain.late_charges import Juros, LateChargeRules, Multa
from cobranca.domain.renegotiation import (
    Debt,
    DiscountTier,
    Ineligible,
    OpenItem,
    RenegotiationError,
    RenegotiationPolicy,
    check_eligibility,
    offer_plans,
    quote_debt,
)
from pydantic import ValidationError

D = Decimal
TODAY = date(2026, 3, 16)  # a Monday
RULES = LateChargeRules(multa=Multa.percent("2"), juros=Juros.percent_per_month("1"))
ITEMS = [
    OpenItem("NF-1~1", date(2026, 1, 10), D("500.00")),
    OpenItem("NF-2~1", date(2026, 2, 10), D("300.00")),
]


def _debt(items: list[OpenItem] = ITEMS) -> Debt:
    return quote_debt(items, TODAY, RULES, NATIONAL, consumer=True)


class TestDebt:
    def test_each_receivable_is_quoted_as_of_today_and_the_parts_add_up(self) -> None:
        debt = _debt()

        first, second = debt.items
        # 500.00 x 1% x 65/30 = 10.8333 -> 10.83; multa 2% = 10.00
        assert (first.principal, first.fine, first.interest, first.days_late) == (
            D("500.00"),
            D("10.00"),
            D("10.83"),
            65,
        )
        # 300.00 x 1% x 34/30 = 3.40; multa 6.00
        assert (second.fine, second.interest, second.days_late) == (D("6.00"), D("3.40"), 34)
        assert (debt.principal, debt.fine, debt.interest) == (D("800.00"), D("16.00"), D("14.23"))
        assert debt.total == D("830.23") == debt.principal + debt.fine + debt.interest

    def test_oldest_first_and_settled_receivables_left_out(self) -> None:
        items = [
            OpenItem("B", date(2026, 2, 1), D("10.00")),
            OpenItem("A", date(2026, 1, 1), D("20.00")),
            OpenItem("Z", date(2025, 1, 1), D("0.00")),
        ]

        assert _debt(items).receivable_ids == ["A", "B"]

    def test_round_trip_through_storage_keeps_every_centavo(self) -> None:
        debt = _debt()

        assert Debt.from_dict(debt.to_dict()) == debt


class TestEligibility:
    def test_late_enough_and_large_enough_is_eligible(self) -> None:
        result = check_eligibility(
            _debt(), RenegotiationPolicy(), agreement_in_force=False, offer_pending=False
        )

        assert result.eligible
        assert result.debt.receivable_ids == ["NF-1~1", "NF-2~1"]

    def test_receivables_not_late_enough_are_left_out(self) -> None:
        policy = RenegotiationPolicy(min_days_overdue=40)

        result = check_eligibility(_debt(), policy, agreement_in_force=False, offer_pending=False)

        assert result.eligible
        assert result.debt.receivable_ids == ["NF-1~1"]
        assert result.debt.total == D("520.83")

    @pytest.mark.parametrize(
        ("policy", "agreement", "pending", "reason"),
        [
            (RenegotiationPolicy(), True, False, Ineligible.AGREEMENT_IN_FORCE),
            (RenegotiationPolicy(), False, True, Ineligible.OFFER_PENDING),
            (RenegotiationPolicy(min_days_overdue=90), False, False, Ineligible.NOTHING_OVERDUE),
            (RenegotiationPolicy(min_amount="830.24"), False, False, Ineligible.BELOW_MINIMUM),
        ],
    )
    def test_reasons_to_make_no_offer(
        self,
        policy: RenegotiationPolicy,
        agreement: bool,
        pending: bool,
        reason: Ineligible,
    ) -> None:
        result = check_eligibility(
            _debt(), policy, agreement_in_force=agreement, offer_pending=pending
        )

        assert not result.eligible
        assert result.reason == reason.value

    def test_the_minimum_amount_itself_is_enough(self) -> None:
        policy = RenegotiationPolicy(min_amount="830.23")

        assert check_eligibility(_debt(), policy, agreement_in_force=False, offer_pending=False)


class TestPlans:
    def test_default_rules_offer_five_plans_with_discounts_by_count(self) -> None:
        plans = {
            plan.plan_id: plan
            for plan in offer_plans(_debt(), RenegotiationPolicy(), TODAY, NATIONAL)
        }

        assert list(plans) == ["p1", "p3", "p6", "p10", "p12"]
        # One payment: multa and juros waived, no juros of parcelamento, due in five days
        # (Saturday 21 March moves to Monday 23 March).
        cash = plans["p1"]
        assert (cash.fine_discount, cash.interest_discount, cash.total) == (
            D("16.00"),
            D("14.23"),
            D("800.00"),
        )
        assert [(p.due_date, p.amount) for p in cash.schedule.parcelas] == [
            (date(2026, 3, 23), D("800.00"))
        ]
        # Three parcelas: half the multa (8.00) and half the juros (7.115 -> 7.12) off, then
        # tabela Price at 1.99% a month on 815.11: PMT 282.59, the last absorbs the residue.
        three = plans["p3"]
        assert (three.fine_discount, three.interest_discount, three.amount) == (
            D("8.00"),
            D("7.12"),
            D("815.11"),
        )
        assert [(p.due_date, p.amount, p.interest) for p in three.schedule.parcelas] == [
            (date(2026, 3, 23), D("282.59"), D("16.22")),
            (date(2026, 4, 23), D("282.59"), D("10.92")),
            (date(2026, 5, 25), D("282.58"), D("5.51")),
        ]
        assert three.total == D("847.76")
        assert sum(p.principal for p in three.schedule.parcelas) == D("815.11")
        # Beyond six parcelas no discount applies.
        assert plans["p12"].discount == D("0.00")
        assert plans["p12"].amount == D("830.23")

    def test_entrada_comes_first_without_juros_and_the_parcelas_a_month_later(self) -> None:
        policy = RenegotiationPolicy(down_payment_percent="20", plan_counts=(1, 3))

        three = offer_plans(_debt(), policy, TODAY, NATIONAL)[1]

        entrada, *parcelas = three.schedule.parcelas
        assert (entrada.number, entrada.due_date, entrada.amount, entrada.interest) == (
            0,
            date(2026, 3, 23),
            D("163.02"),  # 20% of 815.11 = 163.022
            D("0.00"),
        )
        assert [p.due_date for p in parcelas] == [
            date(2026, 4, 23),
            date(2026, 5, 25),
            date(2026, 6, 23),
        ]
        assert sum(p.principal for p in three.schedule.parcelas) == D("815.11")

    def test_entrada_never_falls_under_the_minimum_parcela(self) -> None:
        policy = RenegotiationPolicy(down_payment_percent="1", plan_counts=(3,))

        three = offer_plans(_debt(), policy, TODAY, NATIONAL)[1]

        assert three.entrada == D("50.00")

    def test_plans_under_the_minimum_parcela_are_dropped_but_the_longest_feasible_stays(
        self,
    ) -> None:
        policy = RenegotiationPolicy(min_installment="100.00")

        plans = offer_plans(_debt(), policy, TODAY, NATIONAL)

        # 12x and 10x would be under 100.00 (10x of 830.23 at 1.99% is 92.38); 9x is 101.67.
        assert [plan.plan_id for plan in plans] == ["p1", "p3", "p6", "p9"]
        assert plans[-1].schedule.parcelas[0].amount == D("101.67")
        assert all(p.amount >= D("100.00") for plan in plans for p in plan.schedule.parcelas)

    def test_a_second_offer_adds_discount_points(self) -> None:
        policy = RenegotiationPolicy(plan_counts=(1, 3))

        first = offer_plans(_debt(), policy, TODAY, NATIONAL, attempt=1)[1]
        second = offer_plans(_debt(), policy, TODAY, NATIONAL, attempt=2)[1]

        # 50% + 10 points = 60% of 16.00 and of 14.23 (8.538 -> 8.54)
        assert (first.fine_discount, second.fine_discount) == (D("8.00"), D("9.60"))
        assert (first.interest_discount, second.interest_discount) == (D("7.12"), D("8.54"))

    def test_no_juros_when_the_tenant_charges_none(self) -> None:
        policy = RenegotiationPolicy(monthly_interest_percent="0", plan_counts=(1, 3))

        three = offer_plans(_debt(), policy, TODAY, NATIONAL)[1]

        assert [p.amount for p in three.schedule.parcelas] == [
            D("271.70"),
            D("271.70"),
            D("271.71"),
        ]

    def test_nothing_to_offer_is_an_error(self) -> None:
        with pytest.raises(RenegotiationError, match="debt"):
            offer_plans(_debt([]), RenegotiationPolicy(), TODAY, NATIONAL)


class TestPolicy:
    def test_defaults(self) -> None:
        policy = RenegotiationPolicy.from_document(None)

        assert (policy.offer_hours, policy.idle_hours, policy.max_installments) == (72, 48, 12)
        assert policy.discounts_for(1) == (D(100), D(100))
        assert policy.discounts_for(4) == (D(25), D(25))
        assert policy.discounts_for(7) == (D(0), D(0))
        assert policy.discounts_for(6, attempt=2) == (D(35), D(35))

    def test_stored_document_version_field_is_ignored(self) -> None:
        policy = RenegotiationPolicy.from_document({"_version": 3, "max_installments": 6})

        assert policy.max_installments == 6

    @pytest.mark.parametrize(
        ("document", "field"),
        [
            ({"min_amount": 10.5}, "min_amount"),
            ({"monthly_interest_percent": "25"}, "monthly_interest_percent"),
            ({"down_payment_percent": "100"}, "down_payment_percent"),
            ({"offer_hours": 200, "first_due_days": 5}, "first_due_days"),
            ({"on_decline": "prison"}, "on_decline"),
            ({"unknown": 1}, "unknown"),
        ],
    )
    def test_bad_rules_name_the_field(self, document: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as raised:
            RenegotiationPolicy.from_document(document)

        assert field in str(raised.value)

    def test_discount_tiers_must_rise(self) -> None:
        tiers = [
            DiscountTier(up_to_installments=6, fine_discount_percent=D(10)),
            DiscountTier(up_to_installments=3, fine_discount_percent=D(20)),
        ]

        with pytest.raises(ValidationError, match="discount_tiers"):
            RenegotiationPolicy(discount_tiers=tuple(tiers))
