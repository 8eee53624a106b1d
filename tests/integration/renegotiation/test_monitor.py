"""Agreements after they are made: broken by a late parcela, completed when all is paid."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from cobranca.services.renegotiation import monitor
from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h

D = Decimal
# Parcela 2 (due 23 April) is 31 days late on 24 May: one day beyond the 30 tolerated.
BREAK_DAY = datetime(2026, 5, 24, 9, 0, tzinfo=h.NOW.tzinfo)


@contextmanager
def moved_clock(moment: datetime) -> Iterator[None]:
    h.set_today(moment)
    try:
        yield
    finally:
        h.set_today()


def _agreement_in_force(hub: LocalHub, tenant: str, **seed: object) -> str:
    h.seed(tenant, **seed)  # type: ignore[arg-type]
    started = h.start(tenant)
    h.accept(h.wait_for_link(tenant), "p3")
    assert h.wait_execution(hub, started.execution_arn)["status"] == "SUCCEEDED"
    (agreement,) = h.agreements(tenant)
    return agreement.agreement_id


def test_a_late_parcela_breaks_the_agreement_and_restores_the_debt_less_what_was_paid(
    hub: LocalHub, outbox: h.Outbox
) -> None:
    # GIVEN an agreement in force whose first parcela (282.59) was paid
    agreement_id = _agreement_in_force(hub, "brk")
    h.pay("brk", f"{agreement_id}~1", "282.59", date(2026, 3, 23))
    applied = outbox.charges("brk")

    # WHEN the daily monitor runs 31 days after the second parcela's due date
    with moved_clock(BREAK_DAY):
        result = hub.invoke("AgreementMonitorFunction", {"source": "aws.scheduler"})

    # THEN the agreement broke
    assert agreement_id in result["broken"]
    (agreement,) = h.agreements("brk")
    assert agreement.status == "broken"
    # AND the paid parcela stays paid, the others are cancelled
    parcelas = [h.receivable("brk", f"{agreement_id}~{n}").status.value for n in (1, 2, 3)]
    assert parcelas == ["paid", "cancelled", "cancelled"]
    # AND the originals are owed again, less the 282.59 paid, oldest first
    nf1, nf2 = (h.receivable("brk", rid) for rid in h.ORIGINALS)
    assert (nf1.status.value, nf1.balance) == ("partially_paid", D("217.41"))
    assert (nf2.status.value, nf2.balance) == ("open", D("300.00"))
    assert nf1.flags["broken_agreement"] == agreement_id
    # AND their charges are reissued, the open parcelas' charges cancelled
    assert outbox.charges("brk")[len(applied) :] == [
        ("cancel", f"{agreement_id}~2"),
        ("cancel", f"{agreement_id}~3"),
        ("reissue", "NF-1~1"),
        ("reissue", "NF-2~1"),
    ]
    # AND the ERP is told
    created, broken = outbox.writebacks("brk")
    assert (created["ref"], broken["ref"]) == (f"{agreement_id}:created", f"{agreement_id}:broken")
    assert broken["payload"]["paid"] == "282.59"
    assert broken["payload"]["cancelled_installments"] == [
        f"{agreement_id}~2",
        f"{agreement_id}~3",
    ]
    assert [
        (r["receivable_id"], r["credit"], r["balance"]) for r in broken["payload"]["restored"]
    ] == [
        ("NF-1~1", "282.59", "217.41"),
        ("NF-2~1", "0.00", "300.00"),
    ]
    # AND the customer may be offered a plan again
    state = h.case("brk")
    assert (state.agreement_id, state.agreements_broken) == (None, 1)


def test_the_monitor_waits_within_the_tolerance(hub: LocalHub, outbox: h.Outbox) -> None:
    # Nothing paid: parcela 1 (due 23 March) is 30 days late on 22 April, still tolerated.
    agreement_id = _agreement_in_force(hub, "tol")

    report = monitor.check_tenant("tol", today=date(2026, 4, 22))

    assert report.broken == []
    assert [a.status for a in h.agreements("tol")] == ["active"]
    assert h.case("tol").agreement_id == agreement_id


def test_a_broken_agreement_can_start_the_flow_again(hub: LocalHub, outbox: h.Outbox) -> None:
    # GIVEN a tenant that re-offers after a break, and an agreement nobody paid
    _agreement_in_force(hub, "reoffer", policy={"reoffer_after_break": True})

    # WHEN it breaks
    with moved_clock(BREAK_DAY):
        report = monitor.check_tenant("reoffer")
        link = h.wait_for_link("reoffer", count=2)

    # THEN a new offer goes out on the restored debt, quoted as of the break day
    assert len(report.restarted) == 1
    second = h.offers("reoffer")[-1]
    assert second.status == "pending"
    assert second.receivable_ids == h.ORIGINALS
    assert second.debt.principal == D("800.00")
    assert second.debt.as_of == BREAK_DAY.date()
    assert "/portal/" in link


def test_an_agreement_paid_in_full_is_completed(hub: LocalHub, outbox: h.Outbox) -> None:
    agreement_id = _agreement_in_force(hub, "paid")
    for number, amount, day in [
        (1, "282.59", date(2026, 3, 23)),
        (2, "282.59", date(2026, 4, 23)),
        (3, "282.58", date(2026, 5, 25)),
    ]:
        h.pay("paid", f"{agreement_id}~{number}", amount, day)

    report = monitor.check_tenant("paid", today=date(2026, 5, 26))

    assert report.completed == [agreement_id]
    assert [a.status for a in h.agreements("paid")] == ["completed"]
    assert h.case("paid").agreement_id is None
    assert [h.receivable("paid", rid).status.value for rid in h.ORIGINALS] == [
        "renegotiated",
        "renegotiated",
    ]
