"""The régua as data: validation, days and hours, selection, consolidation and the dry run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cobranca.domain.calendar import NATIONAL
from cobranca.domain.reminders import (
    Candidate,
    PolicyError,
    SimulatedReceivable,
    consolidate,
    delivery_channels,
    due_range,
    is_quiet,
    messages_of,
    month_slices,
    next_send_time,
    parse_policy,
    planning_window,
    select,
    simulate,
    step_name,
)

SP = ZoneInfo("America/Sao_Paulo")
D = Decimal

REGUA: dict[str, Any] = {
    "steps": [
        {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
        {"offset_days": 0, "channels": ["whatsapp", "email"], "template": "vencimento"},
        {"offset_days": 1, "channels": ["sms", "email"], "template": "atraso"},
        {"offset_days": 5, "action": {"kind": "fee", "fee_percent": "10"}},
        {
            "offset_days": 15,
            "action": {"kind": "renegotiation"},
            "conditions": {"min_amount": "100.00", "segments": ["varejo"]},
        },
        {
            "offset_days": 30,
            "channels": ["email"],
            "template": "negativacao",
            "action": {"kind": "negativacao"},
            "conditions": {"statuses": ["open"]},
        },
    ]
}


def candidate(rid: str, due: date, balance: str = "200.00", **extra: Any) -> Candidate:
    return Candidate(rid, extra.pop("customer", "c1"), due, D(balance), "open", **extra)


# ---------------------------------------------------------------------- validation


def test_a_valid_policy_gets_conventional_step_ids() -> None:
    policy = parse_policy(REGUA)

    assert [step.id for step in policy.steps] == ["D-3", "D0", "D+1", "D+5", "D+15", "D+30"]
    assert policy.step("D+5").action.fee_on(D("200.00")) == D("20.00")
    assert policy.step("D+15").conditions.min_amount == D("100.00")
    assert policy.max_messages_per_customer_per_day == 3
    assert step_name(-3) == "D-3" and step_name(0) == "D0" and step_name(30) == "D+30"


def test_an_invalid_policy_names_each_bad_field() -> None:
    document = {
        "steps": [
            {"offset_days": 3, "channels": ["fax"], "template": "atraso"},
            {"offset_days": 5, "action": {"kind": "fee"}},
            {"offset_days": 7, "channels": ["email"], "template": "inexistente"},
        ],
        "max_messages_per_customer_per_day": 0,
    }

    with pytest.raises(PolicyError) as raised:
        parse_policy(document)

    fields = {error["field"]: error["message"] for error in raised.value.errors}
    assert fields["steps.0.channels.0"] == "Input should be 'email', 'sms' or 'whatsapp'"
    assert "exactly one of fee_percent or fee_amount" in fields["steps.1.action"]
    assert "unknown template 'inexistente'" in fields["steps.2"]
    assert fields["max_messages_per_customer_per_day"].startswith("Input should be greater")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [
                {"offset_days": 1, "channels": ["email"], "template": "atraso"},
                {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
            ],
            "rising order",
        ),
        ([{"offset_days": 1, "template": "atraso"}], "needs at least one channel"),
        ([{"offset_days": 1, "channels": ["email"]}], "needs a template"),
        (
            [{"offset_days": 9, "channels": ["email"], "action": {"kind": "renegotiation"}}],
            "sends no message itself",
        ),
        ([{"offset_days": 1, "action": {"kind": "fee", "fee_percent": 10.0}}], "never floats"),
        (
            [{"offset_days": 1, "action": {"kind": "fee", "fee_percent": "150"}}],
            "at most 100",
        ),
    ],
)
def test_incoherent_steps_are_refused(steps: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy({"steps": steps})

    assert message in str(raised.value)


# ---------------------------------------------------------------------- days and hours


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (datetime(2026, 3, 2, 7, 59, tzinfo=SP), True),
        (datetime(2026, 3, 2, 8, 0, tzinfo=SP), False),
        (datetime(2026, 3, 2, 19, 59, tzinfo=SP), False),
        (datetime(2026, 3, 2, 20, 0, tzinfo=SP), True),
        (datetime(2026, 3, 7, 10, 0, tzinfo=SP), False),  # Saturday: a sending day
        (datetime(2026, 3, 8, 10, 0, tzinfo=SP), True),  # Sunday
        (datetime(2026, 4, 21, 10, 0, tzinfo=SP), True),  # Tiradentes
        (datetime(2026, 2, 16, 10, 0, tzinfo=SP), True),  # Carnival Monday (banks closed)
    ],
)
def test_quiet_hours_sundays_and_holidays(moment: datetime, quiet: bool) -> None:
    assert is_quiet(parse_policy(REGUA), moment, NATIONAL) is quiet


def test_a_tenant_may_allow_sundays_and_holidays() -> None:
    policy = parse_policy(REGUA | {"send_on_sundays": True, "send_on_holidays": True})

    assert not is_quiet(policy, datetime(2026, 3, 8, 10, 0, tzinfo=SP), NATIONAL)
    assert not is_quiet(policy, datetime(2026, 4, 21, 10, 0, tzinfo=SP), NATIONAL)
    assert is_quiet(policy, datetime(2026, 4, 21, 21, 0, tzinfo=SP), NATIONAL)


@pytest.mark.parametrize(
    ("held_at", "sent_at"),
    [
        (datetime(2026, 3, 6, 21, 0, tzinfo=SP), datetime(2026, 3, 7, 8, 0, tzinfo=SP)),
        (datetime(2026, 3, 7, 20, 30, tzinfo=SP), datetime(2026, 3, 9, 8, 0, tzinfo=SP)),
        (datetime(2026, 3, 9, 6, 15, tzinfo=SP), datetime(2026, 3, 9, 8, 0, tzinfo=SP)),
        (datetime(2026, 4, 20, 22, 0, tzinfo=SP), datetime(2026, 4, 22, 8, 0, tzinfo=SP)),
        (datetime(2026, 3, 9, 11, 0, tzinfo=SP), datetime(2026, 3, 9, 11, 0, tzinfo=SP)),
    ],
)
def test_the_next_sending_time(held_at: datetime, sent_at: datetime) -> None:
    assert next_send_time(parse_policy(REGUA), held_at, NATIONAL) == sent_at


def test_the_planning_window_catches_up_once_and_never_twice() -> None:
    policy = parse_policy(REGUA)
    monday = date(2026, 3, 9)

    # First run: as if the planner ran on the previous business day (Friday).
    assert planning_window(policy, None, monday, NATIONAL) == (date(2026, 3, 7), monday)
    # After two missed business days, the missed days are covered once.
    assert planning_window(policy, date(2026, 3, 4), monday, NATIONAL) == (
        date(2026, 3, 5),
        monday,
    )
    # Already planned today: nothing (the hourly runs after the first one).
    assert planning_window(policy, monday, monday, NATIONAL) is None
    # Long downtime: never more than catch_up_days back.
    assert planning_window(policy, date(2026, 1, 5), monday, NATIONAL) == (
        date(2026, 3, 2),
        monday,
    )


def test_due_ranges_and_month_partitions() -> None:
    step = parse_policy(REGUA).step("D+5")

    assert due_range(step, (date(2026, 3, 7), date(2026, 3, 9))) == (
        date(2026, 3, 2),
        date(2026, 3, 4),
    )
    assert month_slices(date(2026, 1, 30), date(2026, 3, 2)) == [
        (date(2026, 1, 30), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 2)),
    ]


# ---------------------------------------------------------------------- selection


def test_after_downtime_actions_apply_but_only_the_latest_step_sends() -> None:
    policy = parse_policy(REGUA)
    due = date(2026, 3, 2)

    planned = select(policy, [candidate("r1", due)], (date(2026, 3, 2), date(2026, 3, 7)))

    assert [(entry.step.id, entry.send) for entry in planned] == [
        ("D0", False),
        ("D+1", True),
        ("D+5", False),
    ]


def test_conditions_filter_by_amount_segment_and_status() -> None:
    policy = parse_policy(REGUA)
    due = date(2026, 2, 1)
    window = (date(2026, 2, 16), date(2026, 2, 16))

    small = candidate("small", due, "99.99", segment="varejo")
    other = candidate("other", due, "500.00", segment="atacado")
    fits = candidate("fits", due, "100.00", segment="varejo")
    reached = select(policy, [small, other, fits], window)

    assert [(entry.receivable_id, entry.step.id) for entry in reached] == [("fits", "D+15")]
    partial = Candidate("p", "c1", date(2026, 1, 17), D("50.00"), "partially_paid")
    assert select(policy, [partial], (date(2026, 2, 16), date(2026, 2, 16))) == []


def test_one_envelope_per_customer_with_the_most_advanced_wording() -> None:
    policy = parse_policy(REGUA)
    window = (date(2026, 3, 2), date(2026, 3, 2))
    candidates = [
        candidate("soon", date(2026, 3, 5)),
        candidate("today", date(2026, 3, 2)),
        candidate("late", date(2026, 3, 1)),
        candidate("other", date(2026, 3, 2), customer="c2"),
    ]

    envelopes = consolidate(select(policy, candidates, window), date(2026, 3, 2))

    assert [(e.customer_id, e.template, e.receivable_ids) for e in envelopes] == [
        ("c1", "atraso", ["late", "today", "soon"]),
        ("c2", "vencimento", ["other"]),
    ]
    messages = messages_of(policy, envelopes[0], {"email", "sms"})
    assert {channel: [i.receivable_id for i in items] for channel, items in messages.items()} == {
        "email": ["today", "soon"],
        "sms": ["late"],
    }


def test_large_envelopes_are_cut_at_forty_receivables() -> None:
    policy = parse_policy(REGUA)
    due = date(2026, 3, 2)
    candidates = [candidate(f"r{n:03d}", due) for n in range(95)]

    envelopes = consolidate(select(policy, candidates, (due, due)), due)

    assert [len(envelope.items) for envelope in envelopes] == [40, 40, 15]


def test_delivery_channels_by_strategy() -> None:
    assert delivery_channels(("whatsapp", "email"), "first", {"email", "whatsapp"}) == ["whatsapp"]
    assert delivery_channels(("whatsapp", "email"), "first", {"email"}) == ["email"]
    assert delivery_channels(("whatsapp", "email"), "all", {"email", "whatsapp"}) == [
        "whatsapp",
        "email",
    ]
    assert delivery_channels(("sms",), "first", {"email"}) == []


# ---------------------------------------------------------------------- dry run


def test_the_dry_run_counts_per_day_and_channel() -> None:
    policy = parse_policy(REGUA | {"max_messages_per_customer_per_day": 1})
    receivables = [
        SimulatedReceivable(candidate("a", date(2026, 3, 5)), frozenset({"email"})),
        SimulatedReceivable(candidate("b", date(2026, 3, 2)), frozenset({"email"})),
        SimulatedReceivable(
            candidate("c", date(2026, 3, 4), customer="c2"), frozenset({"whatsapp", "sms"})
        ),
        SimulatedReceivable(candidate("d", date(2026, 3, 4), customer="c3"), frozenset()),
    ]

    result = simulate(policy, receivables, date(2026, 3, 2), date(2026, 3, 10), NATIONAL)

    assert result.counts() == {
        date(2026, 3, 2): {"email": 1},
        date(2026, 3, 3): {"email": 1},
        date(2026, 3, 4): {"whatsapp": 1},
        date(2026, 3, 5): {"email": 1, "sms": 1},
        date(2026, 3, 6): {"email": 1},
    }
    # c1 on 2026-03-02: "b" (D0) and "a" (D-3) go together in one e-mail.
    first = result.messages[0]
    assert (first.customer_id, first.receivable_ids, first.step_ids) == (
        "c1",
        ("b", "a"),
        ("D0", "D-3"),
    )
    assert ("2026-03-09", "b", "D+5", "fee") in [
        (day.isoformat(), rid, step, kind) for day, rid, step, kind in result.actions
    ]
    # c2 has no e-mail channel for D-3; c3 can be reached on nothing.
    assert {customer for _, customer in result.unreachable} == {"c2", "c3"}


def test_the_dry_run_applies_the_daily_cap() -> None:
    policy = parse_policy(
        {
            "steps": [
                {
                    "offset_days": 0,
                    "channels": ["email", "sms", "whatsapp"],
                    "strategy": "all",
                    "template": "vencimento",
                }
            ],
            "max_messages_per_customer_per_day": 2,
        }
    )
    receivables = [
        SimulatedReceivable(
            candidate("a", date(2026, 3, 3)), frozenset({"email", "sms", "whatsapp"})
        )
    ]

    result = simulate(policy, receivables, date(2026, 3, 3), date(2026, 3, 3), NATIONAL)

    assert result.counts() == {date(2026, 3, 3): {"email": 1, "sms": 1}}
    assert result.capped == [(date(2026, 3, 3), "c1", "whatsapp")]
    assert result.summary()["capped_messages"] == 1


def test_a_weekend_step_is_planned_on_monday() -> None:
    policy = parse_policy(REGUA)
    saturday_due = SimulatedReceivable(candidate("s", date(2026, 3, 7)), frozenset({"email"}))

    result = simulate(policy, [saturday_due], date(2026, 3, 2), date(2026, 3, 13), NATIONAL)

    assert [(m.day, m.step_ids) for m in result.messages] == [
        (date(2026, 3, 4), ("D-3",)),
        (date(2026, 3, 9), ("D+1",)),
    ]
    assert [(day, step) for day, _, step, _ in result.actions] == [(date(2026, 3, 12), "D+5")]
