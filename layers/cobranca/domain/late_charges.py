"""Multa, juros de mora, desconto and abatimento: what paying late (or early) changes.

Terms
-----
- **multa** (late fine): charged once when the payment comes after the due date; a fixed amount
  or a percentage. Consumer debts are capped at 2 % (CDC, Lei 8.078/1990, art. 52 §1).
- **juros de mora** (default interest): simple interest per day late, as a daily amount or a
  percentage per day, month or year taken pro rata die.
- **desconto** (early-payment discount): by date (pay by date 1 get discount 1, up to three
  dates) or per day paid in advance.
- **abatimento**: a reduction of the principal agreed by the creditor; applies whenever paid.

Policies
--------
*Rounding.* Every component is computed from full-precision ``Decimal`` and rounded once, by
:func:`cobranca.domain.money.round_money` (half up), when it becomes an amount. No daily factor
is rounded: 30,000.00 at 1 % a month for one day is 30,000 x 0.01 / 30 = 10.00, not 9.99 or 9.90.
The total is summed from the rounded components, so the parts shown always add up to it:
``total = principal - abatimento - desconto + multa + juros``.

*Base.* The abatimento comes off first; every percentage (multa, juros, desconto) is taken on
``principal - abatimento``, as the Manual de Padrões para Iniciação do Pix writes juros
(Equação 11: ``Vj = (Vo - Va) x ((Ij / 100) / n) x Dα``).

*Due dates.* A due date on a weekend or holiday moves to the next business day of the
:class:`~cobranca.domain.calendar.BusinessCalendar`; paying by that day costs no multa and no
juros (Lei 7.089/1983, art. 1). Paid later, juros count from the **original** due date (STJ,
REsp 1.954.924, 3ª Turma, 2022): due Saturday 2020-11-28, paid Tuesday 2020-12-01 is three
days of juros.

*Payment date and credit date.* ``paid_on`` is the São Paulo date on which the payer paid;
``credited_on`` is the date the bank or PSP processed it, when different. Charges are computed
**as of the credit date** (``credited_on`` or, when absent, ``paid_on``), because that is the
date the receiving bank applies: a boleto due Friday 2020-11-27 and paid on Saturday is
processed on Monday 2020-11-30 and carries three days of juros (the boleto practice a PSP
describes in bacen/pix-api#205). A Pix settles the instant it is paid, so for Pix
``credited_on`` is left out. Discount dates are held against the same date.

*Discount and late charges* never meet: a discount applies only when the credit date is on or
before the adjusted due date (and, by date, on or before its discount date); multa and juros
only after it. :func:`validate_rules` also refuses discount dates later than the due date.

*Discount dates* falling on a non-business day are extended to the next business day, as the
Manual says of every date-limited discount (quoted in bacen/pix-api#412 and #390).

API Pix ``cobv``
----------------
The modalities below are those of the API Pix (bacen/pix-api ``openapi.yaml``, API Pix 2.8.1,
schema ``CobVValor``):

- multa: 1 valor fixo, 2 percentual;
- juros: 1 valor (dias corridos), 2 percentual ao dia (dias corridos), 3 percentual ao mês
  (dias corridos), 4 percentual ao ano (dias corridos), 5 valor (dias úteis), 6 percentual ao
  dia (dias úteis), 7 percentual ao mês (dias úteis), 8 percentual ao ano (dias úteis);
- desconto: 1 valor fixo até a(s) data(s) informada(s), 2 percentual até a data informada,
  3 valor por antecipação dia corrido, 4 valor por antecipação dia útil, 5 percentual por
  antecipação dia corrido, 6 percentual por antecipação dia útil; ``descontoDataFixa`` holds one
  to three ``{data, valorPerc}`` pairs, each date on or before the due date;
- abatimento: 1 valor fixo, 2 percentual (of the original amount).

The Pix ``valor`` is ``original + multa + juros - abatimento - desconto`` (schema
``Pix.componentesValor``; worked example: 100.00, two days late, multa 3 %, juros 1 % a day →
multa 3.00, juros 2.00, valor 105.00). ``validadeAposVencimento`` counts calendar days after the
business-day-adjusted due date, and a last day on a non-business day extends to the next
business day (schema ``CobDataDeVencimento``, examples A to G).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cobranca.domain.calendar import BusinessCalendar
from cobranca.domain.money import ZERO, MoneyError, round_money

HUNDRED = Decimal(100)

CONSUMER_FINE_CAP = Decimal(2)
"""Percent: CDC art. 52 §1 caps the multa of a consumer debt at 2 % of the installment."""

MAX_DISCOUNT_DATES = 3


class LateChargeError(ValueError):
    """A rule or input that cannot be used; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Basis(StrEnum):
    """Whether a rule's value is an amount in reais or a percentage."""

    AMOUNT = "amount"
    PERCENT = "percent"


class Period(StrEnum):
    """The period a juros percentage refers to."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class DayCount(StrEnum):
    """Whether days are counted as calendar days (corridos) or business days (úteis)."""

    CALENDAR = "calendar"
    BUSINESS = "business"


# Days in a period for pro rata die juros. Calendar: 30 for a month (the vector's and the
# market's "1 % a.m. pro rata"), 365 for a year. Business days: 21 a month and 252 a year, the
# convention BCB confirmed for the API Pix in bacen/pix-api#205.
# Maintenance: the stored Manual excerpts confirm n = 30 (month, dias corridos) and 1/21/252
# (dias úteis); n = 365 for "ao ano (dias corridos)" follows the same convention but was not
# found verbatim in the stored copies of the Manual de Padrões para Iniciação do Pix.
PERIOD_DAYS: dict[tuple[DayCount, Period], int] = {
    (DayCount.CALENDAR, Period.DAY): 1,
    (DayCount.CALENDAR, Period.MONTH): 30,
    (DayCount.CALENDAR, Period.YEAR): 365,
    (DayCount.BUSINESS, Period.DAY): 1,
    (DayCount.BUSINESS, Period.MONTH): 21,
    (DayCount.BUSINESS, Period.YEAR): 252,
}


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool | float):
        raise LateChargeError(
            field, f"must be a decimal string or Decimal, not {type(value).__name__}"
        )
    if isinstance(value, str):
        text = value.strip()
        try:
            # Decimal() also reads full-width digits and "1_000"; a rule's number is ASCII.
            if not text.isascii() or "_" in text:
                raise InvalidOperation
            value = Decimal(text)
        except InvalidOperation:
            raise LateChargeError(field, f"not a number: {value!r}") from None
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise LateChargeError(field, f"must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise LateChargeError(field, f"not a finite number: {value}")
    return value


def _rule_value(value: object, basis: Basis, field: str) -> Decimal:
    number = _decimal(value, field)
    if number < 0:
        raise LateChargeError(field, f"cannot be negative: {number}")
    if basis is Basis.AMOUNT:
        return _amount_of(field, number)
    return number


def _amount_of(field: str, value: Decimal) -> Decimal:
    """``value`` rounded by the money policy; past the largest amount, an error naming ``field``."""
    try:
        return round_money(value)
    except MoneyError as error:
        raise LateChargeError(field, str(error)) from None


def _as_date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise LateChargeError(field, "must be a date (YYYY-MM-DD), not a datetime or text")
    return value


@dataclass(frozen=True, slots=True)
class Multa:
    """Late fine: a fixed amount or a percentage of the base, charged once."""

    value: Decimal
    basis: Basis = Basis.PERCENT

    def __post_init__(self) -> None:
        value = _rule_value(self.value, self.basis, "multa")
        if self.basis is Basis.PERCENT and value > HUNDRED:
            raise LateChargeError("multa", f"a percentage above 100 is not a fine: {value}%")
        object.__setattr__(self, "value", value)

    @classmethod
    def percent(cls, value: Decimal | str) -> Multa:
        """A fine of ``value`` percent."""
        return cls(_decimal(value, "multa"), Basis.PERCENT)

    @classmethod
    def amount(cls, value: Decimal | str) -> Multa:
        """A fine of ``value`` reais."""
        return cls(_decimal(value, "multa"), Basis.AMOUNT)

    @classmethod
    def from_pix(cls, modalidade: object, valor_perc: object) -> Multa:
        """From API Pix ``valor.multa``: modalidade 1 valor fixo, 2 percentual."""
        code = _modalidade(modalidade, "valor.multa.modalidade", 2)
        basis = Basis.AMOUNT if code == 1 else Basis.PERCENT
        return cls(_decimal(valor_perc, "valor.multa.valorPerc"), basis)

    @property
    def pix_modalidade(self) -> int:
        """The API Pix modalidade of this fine."""
        return 1 if self.basis is Basis.AMOUNT else 2


_PIX_JUROS: dict[int, tuple[Basis, Period, DayCount]] = {
    1: (Basis.AMOUNT, Period.DAY, DayCount.CALENDAR),
    2: (Basis.PERCENT, Period.DAY, DayCount.CALENDAR),
    3: (Basis.PERCENT, Period.MONTH, DayCount.CALENDAR),
    4: (Basis.PERCENT, Period.YEAR, DayCount.CALENDAR),
    5: (Basis.AMOUNT, Period.DAY, DayCount.BUSINESS),
    6: (Basis.PERCENT, Period.DAY, DayCount.BUSINESS),
    7: (Basis.PERCENT, Period.MONTH, DayCount.BUSINESS),
    8: (Basis.PERCENT, Period.YEAR, DayCount.BUSINESS),
}


@dataclass(frozen=True, slots=True)
class Juros:
    """Juros de mora as simple interest: an amount per day, or a percentage per period pro rata.

    A percentage per month over calendar days accrues ``rate / 30`` per day late, never
    compounded and never rounded before the final amount.
    """

    value: Decimal
    basis: Basis = Basis.PERCENT
    period: Period = Period.MONTH
    day_count: DayCount = DayCount.CALENDAR

    def __post_init__(self) -> None:
        value = _rule_value(self.value, self.basis, "juros")
        if self.basis is Basis.AMOUNT and self.period is not Period.DAY:
            raise LateChargeError("juros", "an amount of juros is always per day")
        object.__setattr__(self, "value", value)

    @classmethod
    def percent_per_month(
        cls, value: Decimal | str, day_count: DayCount = DayCount.CALENDAR
    ) -> Juros:
        """``value`` % a month, pro rata die."""
        return cls(_decimal(value, "juros"), Basis.PERCENT, Period.MONTH, day_count)

    @classmethod
    def percent_per_day(
        cls, value: Decimal | str, day_count: DayCount = DayCount.CALENDAR
    ) -> Juros:
        """``value`` % a day."""
        return cls(_decimal(value, "juros"), Basis.PERCENT, Period.DAY, day_count)

    @classmethod
    def percent_per_year(
        cls, value: Decimal | str, day_count: DayCount = DayCount.CALENDAR
    ) -> Juros:
        """``value`` % a year, pro rata die."""
        return cls(_decimal(value, "juros"), Basis.PERCENT, Period.YEAR, day_count)

    @classmethod
    def amount_per_day(cls, value: Decimal | str, day_count: DayCount = DayCount.CALENDAR) -> Juros:
        """``value`` reais a day."""
        return cls(_decimal(value, "juros"), Basis.AMOUNT, Period.DAY, day_count)

    @classmethod
    def from_pix(cls, modalidade: object, valor_perc: object) -> Juros:
        """From API Pix ``valor.juros`` (modalidades 1 to 8, see the module docstring)."""
        code = _modalidade(modalidade, "valor.juros.modalidade", 8)
        basis, period, day_count = _PIX_JUROS[code]
        return cls(_decimal(valor_perc, "valor.juros.valorPerc"), basis, period, day_count)

    @property
    def pix_modalidade(self) -> int:
        """The API Pix modalidade of this juros."""
        wanted = (self.basis, self.period, self.day_count)
        return next(code for code, shape in _PIX_JUROS.items() if shape == wanted)

    def accrued(self, base: Decimal, days: int) -> Decimal:
        """Juros on ``base`` for ``days`` days, at full precision (the caller rounds once)."""
        if days <= 0:
            return ZERO
        if self.basis is Basis.AMOUNT:
            return self.value * days

        # One division at the end keeps the result exact whenever it can be: 3,000.00 at
        # 1 % a month for 10 days is 3000 * 1 * 10 / 3000 = 10 exactly.
        period_days = PERIOD_DAYS[(self.day_count, self.period)]
        return base * self.value * days / (HUNDRED * period_days)


@dataclass(frozen=True, slots=True)
class DescontoAteData:
    """One date-limited discount: ``value`` when the payment is credited by ``until``."""

    until: date
    value: Decimal


@dataclass(frozen=True, slots=True)
class DescontoPorData:
    """Discount by date: up to three (date, value) tiers; the earliest tier still open applies."""

    tiers: tuple[DescontoAteData, ...]
    basis: Basis = Basis.AMOUNT

    def __post_init__(self) -> None:
        tiers = tuple(self.tiers)
        if not 1 <= len(tiers) <= MAX_DISCOUNT_DATES:
            raise LateChargeError(
                "desconto", f"between 1 and {MAX_DISCOUNT_DATES} discount dates, got {len(tiers)}"
            )

        checked: list[DescontoAteData] = []
        for index, tier in enumerate(tiers, start=1):
            field = f"desconto[{index}]"
            until = _as_date(tier.until, f"{field}.until")
            value = _rule_value(tier.value, self.basis, f"{field}.value")
            if value == 0:
                raise LateChargeError(f"{field}.value", "a discount of zero is no discount")
            if self.basis is Basis.PERCENT and value > HUNDRED:
                raise LateChargeError(f"{field}.value", f"above 100%: {value}%")
            if checked and until <= checked[-1].until:
                raise LateChargeError(f"{field}.until", "discount dates must be in rising order")
            checked.append(DescontoAteData(until, value))
        object.__setattr__(self, "tiers", tuple(checked))

    @property
    def pix_modalidade(self) -> int:
        """API Pix modalidade: 1 valor fixo até data(s), 2 percentual até data."""
        return 1 if self.basis is Basis.AMOUNT else 2


@dataclass(frozen=True, slots=True)
class DescontoAntecipacao:
    """Discount per day paid before the (adjusted) due date: an amount or a percentage a day."""

    value: Decimal
    basis: Basis = Basis.AMOUNT
    day_count: DayCount = DayCount.CALENDAR

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _rule_value(self.value, self.basis, "desconto"))

    @property
    def pix_modalidade(self) -> int:
        """API Pix modalidade 3 to 6 (valor/percentual by dia corrido/útil)."""
        amount = self.basis is Basis.AMOUNT
        calendar_days = self.day_count is DayCount.CALENDAR
        return {(True, True): 3, (True, False): 4, (False, True): 5, (False, False): 6}[
            (amount, calendar_days)
        ]


Desconto = DescontoPorData | DescontoAntecipacao


@dataclass(frozen=True, slots=True)
class Abatimento:
    """A reduction of the principal: fixed, or a percentage of the original amount."""

    value: Decimal
    basis: Basis = Basis.AMOUNT

    def __post_init__(self) -> None:
        value = _rule_value(self.value, self.basis, "abatimento")
        if self.basis is Basis.PERCENT and value > HUNDRED:
            raise LateChargeError("abatimento", f"above 100%: {value}%")
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, slots=True)
class LateChargeRules:
    """The charge rules of a receivable. ``business_fine_cap`` is a percent cap for businesses."""

    multa: Multa | None = None
    juros: Juros | None = None
    desconto: Desconto | None = None
    abatimento: Abatimento | None = None
    business_fine_cap: Decimal | None = None

    def __post_init__(self) -> None:
        if self.business_fine_cap is not None:
            cap = _rule_value(self.business_fine_cap, Basis.PERCENT, "business_fine_cap")
            object.__setattr__(self, "business_fine_cap", cap)


@dataclass(frozen=True, slots=True)
class Quote:
    """What a payment on a given date must be, component by component (each to the centavo)."""

    principal: Decimal
    abatimento: Decimal
    discount: Decimal
    fine: Decimal
    interest: Decimal
    total: Decimal
    days_late: int
    interest_days: int
    due_date: date
    adjusted_due_date: date
    paid_on: date
    settled_on: date
    notes: tuple[str, ...] = ()

    @property
    def on_time(self) -> bool:
        """True when no multa or juros can apply (credited by the adjusted due date)."""
        return self.settled_on <= self.adjusted_due_date


def _abatimento_amount(principal: Decimal, abatimento: Abatimento | None) -> Decimal:
    if abatimento is None:
        return ZERO
    if abatimento.basis is Basis.AMOUNT:
        amount = abatimento.value
    else:
        amount = _amount_of("abatimento", principal * abatimento.value / HUNDRED)
    if amount > principal:
        raise LateChargeError("abatimento", f"{amount} exceeds the principal {principal}")
    return amount


def _fine_cap(rules: LateChargeRules, consumer: bool) -> tuple[Decimal | None, str]:
    if consumer:
        return CONSUMER_FINE_CAP, "consumer debt (CDC art. 52 §1)"
    return rules.business_fine_cap, "business fine cap"


def _fine(
    multa: Multa | None, base: Decimal, rules: LateChargeRules, consumer: bool
) -> tuple[Decimal, str | None]:
    if multa is None:
        return ZERO, None
    raw = multa.value if multa.basis is Basis.AMOUNT else base * multa.value / HUNDRED

    cap, why = _fine_cap(rules, consumer)
    if cap is not None and raw > base * cap / HUNDRED:
        capped = _amount_of("multa", base * cap / HUNDRED)
        return capped, f"multa capped at {cap}% ({capped}) for a {why}"
    return _amount_of("multa", raw), None


def _discount(
    desconto: Desconto | None,
    base: Decimal,
    settled_on: date,
    adjusted_due: date,
    calendar: BusinessCalendar,
) -> Decimal:
    if desconto is None or base == 0:
        return ZERO

    if isinstance(desconto, DescontoPorData):
        for tier in desconto.tiers:
            if settled_on <= calendar.shift_due_date(tier.until):
                if desconto.basis is Basis.AMOUNT:
                    return tier.value
                return _amount_of("desconto", base * tier.value / HUNDRED)
        return ZERO

    if desconto.day_count is DayCount.CALENDAR:
        days_early = (adjusted_due - settled_on).days
    else:
        days_early = calendar.business_days_between(settled_on, adjusted_due)
    if days_early <= 0:
        return ZERO
    if desconto.basis is Basis.AMOUNT:
        return _amount_of("desconto", desconto.value * days_early)
    return _amount_of("desconto", base * desconto.value * days_early / HUNDRED)


def validate_rules(
    rules: LateChargeRules,
    *,
    principal: Decimal,
    due_date: date,
    consumer: bool,
) -> None:
    """Reject rules that cannot be offered for this receivable, naming the field.

    Use it when a charge is created or its rules change; :func:`quote` itself clamps a fine
    above the cap (and says so) rather than failing on rules already accepted.
    """
    principal = _principal(principal)
    due_date = _as_date(due_date, "due_date")
    base = principal - _abatimento_amount(principal, rules.abatimento)

    cap, why = _fine_cap(rules, consumer)
    if rules.multa is not None and cap is not None:
        multa = rules.multa
        if multa.basis is Basis.PERCENT and multa.value > cap:
            raise LateChargeError("multa", f"{multa.value}% exceeds the {cap}% cap for a {why}")
        if multa.basis is Basis.AMOUNT and multa.value > base * cap / HUNDRED:
            raise LateChargeError(
                "multa", f"{multa.value} exceeds {cap}% of {base} allowed for a {why}"
            )

    if isinstance(rules.desconto, DescontoPorData):
        for index, tier in enumerate(rules.desconto.tiers, start=1):
            if tier.until > due_date:
                raise LateChargeError(
                    f"desconto[{index}].until",
                    f"{tier.until} is after the due date {due_date}",
                )
            if rules.desconto.basis is Basis.AMOUNT and tier.value >= base:
                raise LateChargeError(
                    f"desconto[{index}].value", f"{tier.value} would leave nothing to pay on {base}"
                )


def _principal(principal: object) -> Decimal:
    amount = _amount_of("principal", _decimal(principal, "principal"))
    if amount <= 0:
        raise LateChargeError("principal", f"must be positive, got {amount}")
    return amount


def quote(
    principal: Decimal,
    due_date: date,
    paid_on: date,
    rules: LateChargeRules,
    calendar: BusinessCalendar,
    *,
    consumer: bool,
    credited_on: date | None = None,
) -> Quote:
    """What a payment of a receivable costs when paid on ``paid_on`` (credited on ``credited_on``).

    Charges are computed as of the credit date (``credited_on``, else ``paid_on``): see the
    module's policies. ``consumer`` applies the CDC 2 % multa cap.
    """
    principal = _principal(principal)
    due_date = _as_date(due_date, "due_date")
    paid_on = _as_date(paid_on, "paid_on")
    settled_on = paid_on if credited_on is None else _as_date(credited_on, "credited_on")
    if settled_on < paid_on:
        raise LateChargeError("credited_on", f"{settled_on} is before the payment {paid_on}")

    adjusted_due = calendar.shift_due_date(due_date)
    abatimento = _abatimento_amount(principal, rules.abatimento)
    base = principal - abatimento
    notes: list[str] = []
    if adjusted_due != due_date:
        notes.append(f"due date {due_date} is not a business day; moved to {adjusted_due}")

    fine = interest = discount = ZERO
    days_late = interest_days = 0
    if settled_on > adjusted_due:
        days_late = (settled_on - due_date).days
        interest_days = days_late
        if rules.juros is not None and rules.juros.day_count is DayCount.BUSINESS:
            interest_days = calendar.business_days_between(due_date, settled_on)
        fine, capped = _fine(rules.multa, base, rules, consumer)
        if capped:
            notes.append(capped)
        if rules.juros is not None:
            interest = _amount_of("juros", rules.juros.accrued(base, interest_days))
    else:
        discount = _discount(rules.desconto, base, settled_on, adjusted_due, calendar)
        if discount > base:
            notes.append(f"discount {discount} limited to the amount due {base}")
            discount = base

    return Quote(
        principal=principal,
        abatimento=abatimento,
        discount=discount,
        fine=fine,
        interest=interest,
        total=_amount_of("total", base - discount + fine + interest),
        days_late=days_late,
        interest_days=interest_days,
        due_date=due_date,
        adjusted_due_date=adjusted_due,
        paid_on=paid_on,
        settled_on=settled_on,
        notes=tuple(notes),
    )


def _modalidade(raw: object, field: str, highest: int) -> int:
    # The API's own example sends modalidade as a string ("2") although the schema says
    # integer; both are read.
    if isinstance(raw, bool):
        raise LateChargeError(field, "must be an integer")
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise LateChargeError(field, f"must be an integer, got {raw!r}")
    if not 1 <= raw <= highest:
        raise LateChargeError(field, f"{raw} is not a modalidade (1 to {highest})")
    return raw


def _pix_number(value: Decimal, field: str) -> str:
    if value != value.quantize(Decimal("0.01")):
        raise LateChargeError(field, f"the API Pix carries two decimal places; {value} has more")
    return f"{value:.2f}"


def _field(mapping: object, key: str, path: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise LateChargeError(path, "must be a JSON object")
    if key not in mapping:
        raise LateChargeError(f"{path}.{key}", "is required")
    return mapping[key]


def _desconto_from_pix(raw: Mapping[str, Any]) -> Desconto:
    code = _modalidade(_field(raw, "modalidade", "valor.desconto"), "valor.desconto.modalidade", 6)
    if code in (1, 2):
        entries = _field(raw, "descontoDataFixa", "valor.desconto")
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise LateChargeError("valor.desconto.descontoDataFixa", "must be a list")
        tiers = []
        for index, entry in enumerate(entries):
            path = f"valor.desconto.descontoDataFixa[{index}]"
            text = _field(entry, "data", path)
            try:
                until = date.fromisoformat(str(text))
            except ValueError:
                raise LateChargeError(f"{path}.data", f"not a date: {text!r}") from None
            value = _decimal(_field(entry, "valorPerc", path), f"{path}.valorPerc")
            tiers.append(DescontoAteData(until, value))
        basis = Basis.AMOUNT if code == 1 else Basis.PERCENT
        return DescontoPorData(tuple(tiers), basis)

    value = _decimal(_field(raw, "valorPerc", "valor.desconto"), "valor.desconto.valorPerc")
    basis = Basis.AMOUNT if code in (3, 4) else Basis.PERCENT
    day_count = DayCount.CALENDAR if code in (3, 5) else DayCount.BUSINESS
    return DescontoAntecipacao(value, basis, day_count)


@dataclass(frozen=True, slots=True)
class PixCobvValor:
    """The ``valor`` object of an API Pix ``cobv``: the original amount and its rules."""

    original: Decimal
    rules: LateChargeRules

    @classmethod
    def from_api(cls, valor: Mapping[str, Any]) -> PixCobvValor:
        """Read the API's ``valor`` object; errors name the JSON path of the bad field."""
        try:
            original = _principal(_field(valor, "original", "valor"))
        except LateChargeError as error:
            raise LateChargeError("valor.original", error.reason) from None
        multa = juros = abatimento = None
        if "multa" in valor:
            raw = valor["multa"]
            multa = Multa.from_pix(
                _field(raw, "modalidade", "valor.multa"), _field(raw, "valorPerc", "valor.multa")
            )
        if "juros" in valor:
            raw = valor["juros"]
            juros = Juros.from_pix(
                _field(raw, "modalidade", "valor.juros"), _field(raw, "valorPerc", "valor.juros")
            )
        if "abatimento" in valor:
            raw = valor["abatimento"]
            code = _modalidade(
                _field(raw, "modalidade", "valor.abatimento"), "valor.abatimento.modalidade", 2
            )
            amount = _decimal(_field(raw, "valorPerc", "valor.abatimento"), "valor.abatimento")
            abatimento = Abatimento(amount, Basis.AMOUNT if code == 1 else Basis.PERCENT)
        desconto = _desconto_from_pix(valor["desconto"]) if "desconto" in valor else None
        return cls(original, LateChargeRules(multa, juros, desconto, abatimento))

    def to_api(self) -> dict[str, Any]:
        """The ``valor`` object for a ``PUT /cobv/{txid}`` request."""
        rules = self.rules
        body: dict[str, Any] = {"original": f"{self.original:.2f}"}
        if rules.multa is not None:
            body["multa"] = {
                "modalidade": rules.multa.pix_modalidade,
                "valorPerc": _pix_number(rules.multa.value, "valor.multa.valorPerc"),
            }
        if rules.juros is not None:
            body["juros"] = {
                "modalidade": rules.juros.pix_modalidade,
                "valorPerc": _pix_number(rules.juros.value, "valor.juros.valorPerc"),
            }
        if rules.abatimento is not None:
            body["abatimento"] = {
                "modalidade": 1 if rules.abatimento.basis is Basis.AMOUNT else 2,
                "valorPerc": _pix_number(rules.abatimento.value, "valor.abatimento.valorPerc"),
            }
        if isinstance(rules.desconto, DescontoPorData):
            body["desconto"] = {
                "modalidade": rules.desconto.pix_modalidade,
                "descontoDataFixa": [
                    {
                        "data": tier.until.isoformat(),
                        "valorPerc": _pix_number(tier.value, "valor.desconto.valorPerc"),
                    }
                    for tier in rules.desconto.tiers
                ],
            }
        elif isinstance(rules.desconto, DescontoAntecipacao):
            body["desconto"] = {
                "modalidade": rules.desconto.pix_modalidade,
                "valorPerc": _pix_number(rules.desconto.value, "valor.desconto.valorPerc"),
            }
        return body


@dataclass(frozen=True, slots=True)
class PixCobvQuote:
    """The value of a ``cobv`` on a payment date, with its ``componentesValor``."""

    quote: Quote

    @property
    def valor(self) -> Decimal:
        """The Pix ``valor``: original + multa + juros - abatimento - desconto."""
        return self.quote.total

    def componentes_valor(self) -> dict[str, dict[str, str]]:
        """``componentesValor`` as the API Pix returns it; zero components are left out."""
        parts = {
            "original": self.quote.principal,
            "multa": self.quote.fine,
            "juros": self.quote.interest,
            "abatimento": self.quote.abatimento,
            "desconto": self.quote.discount,
        }
        return {
            name: {"valor": f"{amount:.2f}"}
            for name, amount in parts.items()
            if name == "original" or amount != 0
        }


def pix_cobv_value(
    valor: PixCobvValor,
    due_date: date,
    paid_on: date,
    calendar: BusinessCalendar,
    *,
    consumer: bool = False,
) -> PixCobvQuote:
    """The ``cobv`` value a PSP computes for a Pix paid on ``paid_on`` (it settles that day)."""
    result = quote(valor.original, due_date, paid_on, valor.rules, calendar, consumer=consumer)
    return PixCobvQuote(result)


def pix_cobv_payable_until(
    due_date: date, validade_apos_vencimento: int, calendar: BusinessCalendar
) -> date:
    """The last day a ``cobv`` can be paid.

    ``validadeAposVencimento`` calendar days after the business-day-adjusted due date; when that
    day is not a business day it extends to the next one. Due Friday 2020-12-25 (holiday) with
    4 days: adjusted to 2020-12-28, plus 4 is 2021-01-01 (holiday), so payable until 2021-01-04.
    """
    due_date = _as_date(due_date, "dataDeVencimento")
    if isinstance(validade_apos_vencimento, bool) or not isinstance(validade_apos_vencimento, int):
        raise LateChargeError("validadeAposVencimento", "must be a whole number of days")
    if validade_apos_vencimento < 0:
        raise LateChargeError("validadeAposVencimento", "cannot be negative")

    adjusted = calendar.shift_due_date(due_date)
    last = adjusted + timedelta(days=validade_apos_vencimento)
    return calendar.shift_due_date(last)


def pix_cobv_is_payable(
    due_date: date,
    validade_apos_vencimento: int,
    paid_on: date,
    calendar: BusinessCalendar,
) -> bool:
    """True when a ``cobv`` still accepts a payment made on ``paid_on``."""
    paid_on = _as_date(paid_on, "paid_on")
    return paid_on <= pix_cobv_payable_until(due_date, validade_apos_vencimento, calendar)
