"""Broken agreements, promises to pay, payment likelihood and the worklist order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cobranca.domain.calendar import NATIONAL
from cobranca.domain.renegotiation import (
    AgreementParcela,
    Debtor,
    OpenItem,
    PaymentHistory,
    RenegotiationError,
    Tier,
    breach,
    completed,
    payment_likelihood,
    promise_outcome,
    rank_debtors,
    restore_originals,
)

D = Decimal


class TestBreach:
    PARCELAS = (
        AgreementParcela("AC~1", date(2026, 3, 23), D("0.00"), D("282.59"), False),
        AgreementParcela("AC~2", date(2026, 4, 23), D("282.59"), D("0.00"), True),
        AgreementParcela("AC~3", date(2026, 5, 25), D("282.58"), D("0.00"), True),
    )

    def test_within_the_tolerance_nothing_breaks(self) -> None:
        # 30 days after 23 April is 23 May: 30 days late is still tolerated.
        assert breach(self.PARCELAS, date(2026, 5, 23), 30, NATIONAL) is None

    def test_one_day_beyond_the_tolerance_breaks_on_that_parcela(self) -> None:
        late = breach(self.PARCELAS, date(2026, 5, 24), 30, NATIONAL)

        assert late is not None
        assert late.receivable_id == "AC~2"

    def test_completed_only_when_every_parcela_is_settled(self) -> None:
        paid = tuple(
            AgreementParcela(p.receivable_id, p.due_date, D("0.00"), D("1.00"), False)
            for p in self.PARCELAS
        )

        assert not completed(self.PARCELAS)
        assert completed(paid)
        assert not completed(())


class TestRestoreOriginals:
    ORIGINALS = (
        OpenItem("NF-2~1", date(2026, 2, 10), D("300.00")),
        OpenItem("NF-1~1", date(2026, 1, 10), D("500.00")),
    )

    def test_what_was_paid_is_credited_oldest_first(self) -> None:
        outcome = restore_originals(self.ORIGINALS, D("282.59"))

        assert [(r.receivable_id, r.credit, r.remaining) for r in outcome.restorations] == [
            ("NF-1~1", D("282.59"), D("217.41")),
            ("NF-2~1", D("0.00"), D("300.00")),
        ]
        assert outcome.restored_debt == D("517.41")
        assert outcome.surplus == D("0.00")

    def test_payment_beyond_the_originals_is_the_customers_credit(self) -> None:
        outcome = restore_originals(self.ORIGINALS, D("847.76"))

        assert outcome.restored_debt == D("0.00")
        assert outcome.surplus == D("47.76")

    def test_nothing_paid_restores_everything(self) -> None:
        assert restore_originals(self.ORIGINALS, D("0.00")).restored_debt == D("800.00")

    def test_negative_payment_is_refused(self) -> None:
        with pytest.raises(RenegotiationError, match="paid"):
            restore_originals(self.ORIGINALS, D("-1.00"))


class TestPromises:
    @pytest.mark.parametrize(
        ("amount", "overdue_now", "today", "expected"),
        [
            (None, D("0.00"), date(2026, 3, 20), "kept"),
            (D("100.00"), D("700.00"), date(2026, 3, 20), "kept"),
            (D("100.00"), D("700.01"), date(2026, 3, 20), "open"),
            (D("100.00"), D("700.01"), date(2026, 3, 21), "open"),  # the grace day
            (D("100.00"), D("700.01"), date(2026, 3, 22), "broken"),
            (None, D("10.00"), date(2026, 3, 22), "broken"),
        ],
    )
    def test_outcome(
        self, amount: Decimal | None, overdue_now: Decimal, today: date, expected: str
    ) -> None:
        outcome = promise_outcome(
            promised_on=date(2026, 3, 20),
            amount=amount,
            overdue_at_promise=D("800.00"),
            overdue_now=overdue_now,
            today=today,
            grace_days=1,
        )

        assert outcome == expected


class TestLikelihood:
    @pytest.mark.parametrize(
        ("history", "expected"),
        [
            (PaymentHistory(), "0.5000"),
            (PaymentHistory(paid=8, still_overdue=0), "0.9000"),
            (PaymentHistory(paid=1, still_overdue=2), "0.4000"),
            (PaymentHistory(paid=8, promises_kept=1), "0.9900"),
            (PaymentHistory(paid=8, promises_kept=2), "1.0000"),
            (PaymentHistory(paid=1, still_overdue=2, promises_broken=1), "0.3200"),
            (PaymentHistory(paid=1, still_overdue=2, agreements_broken=1), "0.2800"),
        ],
    )
    def test_values(self, history: PaymentHistory, expected: str) -> None:
        assert payment_likelihood(history) == D(expected)


class TestRanking:
    def test_a_broken_promise_comes_first_and_waiting_debtors_last(self) -> None:
        debtors = [
            Debtor("big", D("10000.00"), 40, PaymentHistory(paid=8)),
            Debtor("small", D("100.00"), 10, PaymentHistory(), promise="broken"),
            Debtor("promised", D("50000.00"), 90, PaymentHistory(), promise="open"),
            Debtor("old", D("5000.00"), 120, PaymentHistory(paid=1, still_overdue=2)),
            Debtor("in-agreement", D("9000.00"), 35, PaymentHistory(), agreement_in_force=True),
        ]

        entries = rank_debtors(debtors)

        assert [entry.customer_id for entry in entries] == [
            "small",
            "big",
            "old",
            "promised",
            "in-agreement",
        ]
        assert entries[0].tier is Tier.BROKEN_PROMISE
        # 10000.00 x 0.9000 x (1 + 40/90) = 13000.00
        assert entries[1].score == D("13000.00")
        # 5000.00 x 0.4000 x 2 (capped at 90 days) = 4000.00
        assert entries[2].score == D("4000.00")
        assert entries[3].tier is entries[4].tier is Tier.WAITING

    def test_ties_go_to_the_longer_late_then_by_id(self) -> None:
        same = PaymentHistory()
        entries = rank_debtors(
            [
                Debtor("b", D("100.00"), 90, same),
                Debtor("a", D("100.00"), 90, same),
                Debtor("c", D("100.00"), 100, same),
            ]
        )

        assert [entry.customer_id for entry in entries] == ["c", "a", "b"]
