"""TRAPS 2: amounts never pass through float, and extra places are rounded by the policy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cobranca.domain.money import allocate, money, percent_of, round_money, to_cents


@pytest.mark.parametrize(
    ("amount", "field"),
    [("588.30", "0000058830"), ("136.42", "0000013642"), ("35.80", "0000003580")],
)
def test_cents_of_amounts_that_float_gets_wrong(amount: str, field: str) -> None:
    # GIVEN amounts whose float product by 100 falls just under the whole centavo
    assert int(float(amount) * 100) == int(field) - 1

    # WHEN they become a 10-digit centavo field THEN no centavo is lost
    assert f"{to_cents(Decimal(amount)):010d}" == field


def test_more_than_two_places_is_rounded_half_up_not_leaked() -> None:
    assert money("123.456") == Decimal("123.46")
    assert money(Decimal("123.455")) == Decimal("123.46")
    assert money(Decimal("123.454")) == Decimal("123.45")
    assert to_cents(Decimal("123.456")) == 12346
    assert str(money("123.456")) == "123.46"


def test_float_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        money(588.30)  # type: ignore[arg-type]


def test_round_money_is_the_single_rounding_step() -> None:
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("10.00000000001")) == Decimal("10.00")
    assert percent_of(Decimal("3000.00"), Decimal("2")) == Decimal("60.00")


def test_allocate_places_extra_centavos_last() -> None:
    assert allocate(Decimal("5.47"), 3) == [Decimal("1.82"), Decimal("1.82"), Decimal("1.83")]
    assert allocate(Decimal("100.00"), 3) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
