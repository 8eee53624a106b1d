"""`cobranca charges quote`: what a payment costs on a date (multa, juros, desconto, abatimento).

Option syntax
-------------
- ``--amount 100.00`` (or ``1.234,56``); ``--abatimento 10.00`` or ``--abatimento 5%``;
- ``--fine 2%`` or ``--fine 10.00``;
- ``--interest 1%/month``, ``0.033%/day``, ``12%/year`` or ``1.50/day`` (an amount is per
  day), counted in calendar days unless ``--interest-days business``;
- ``--discount 5%@2026-03-01`` or ``--discount 10.00@2026-03-01``, repeatable up to three
  times, all percentages or all amounts: paid by the first date gives the first discount;
- ``--credited-on`` is the bank's processing date when it differs from ``--paid-on`` (a boleto
  paid on a Saturday is credited on Monday); charges are computed as of that date.

Exit status: 0 quoted, 1 an input value is invalid (``reason`` names the option), 2 usage.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from cobranca.cli.output import EXIT_INVALID, emit, verdict
from cobranca.domain.calendar import BusinessCalendar, CalendarError
from cobranca.domain.late_charges import (
    MAX_DISCOUNT_DATES,
    Abatimento,
    Basis,
    DayCount,
    DescontoAteData,
    DescontoPorData,
    Juros,
    LateChargeError,
    LateChargeRules,
    Multa,
    Period,
    quote,
    validate_rules,
)
from cobranca.domain.money import MoneyError, money

# Brazilian notation: dots group thousands, the comma separates decimals ("1.234,56", "0,033").
_BRL_NUMBER = re.compile(r"^(?:R\$\s*)?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),[0-9]+$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

_INTEREST = re.compile(r"^\s*(?P<value>[0-9][0-9.,]*)\s*(?P<percent>%?)\s*/\s*(?P<period>\w+)\s*$")
_PERIODS = {
    "day": Period.DAY,
    "dia": Period.DAY,
    "month": Period.MONTH,
    "mes": Period.MONTH,
    "mês": Period.MONTH,
    "year": Period.YEAR,
    "ano": Period.YEAR,
}

# Domain field names as the operator typed them on the command line.
_OPTION_OF = {
    "principal": "amount",
    "multa": "fine",
    "juros": "interest",
    "desconto": "discount",
    "abatimento": "abatimento",
    "due_date": "due",
    "paid_on": "paid-on",
    "credited_on": "credited-on",
}


class InvalidOptionError(ValueError):
    """An option whose value cannot be used; ``option`` names it as typed."""

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"--{option}: {reason}")
        self.option = option
        self.reason = reason


def _number(text: str, option: str) -> Decimal:
    """A number as typed, at full precision: a percentage keeps all its decimals ("0,033")."""
    stripped = text.strip()
    try:
        # Decimal() would also read full-width digits and "1_000"; options are ASCII.
        if not stripped.isascii() or "_" in stripped:
            raise InvalidOperation
        if "," in stripped:
            if not _BRL_NUMBER.match(stripped):
                raise InvalidOperation
            stripped = stripped.removeprefix("R$").strip().replace(".", "").replace(",", ".")
        return Decimal(stripped)
    except InvalidOperation:
        raise InvalidOptionError(option, f"not a number: {text!r}") from None


def _amount(text: str, option: str) -> Decimal:
    value = _number(text, option)
    if not value.is_finite() or value < 0:
        raise InvalidOptionError(option, f"not an amount: {text!r}")
    try:
        return money(value)
    except MoneyError as error:
        raise InvalidOptionError(option, str(error)) from None


def _value_and_basis(text: str, option: str) -> tuple[Decimal, Basis]:
    stripped = text.strip()
    if stripped.endswith("%"):
        return _number(stripped[:-1], option), Basis.PERCENT
    return _amount(stripped, option), Basis.AMOUNT


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        # fromisoformat alone also reads ISO week dates (2026-W11-2) and 20260310.
        if not _ISO_DATE.match(text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidOptionError(option, f"not a date (YYYY-MM-DD): {text!r}") from None


def _required_date(text: str, option: str) -> date:
    day = _date(text, option)
    if day is None:
        raise InvalidOptionError(option, "is required")
    return day


def _fine(text: str | None) -> Multa | None:
    if text is None:
        return None
    value, basis = _value_and_basis(text, "fine")
    return Multa(value, basis)


def _interest(text: str | None, day_count: DayCount) -> Juros | None:
    if text is None:
        return None
    match = _INTEREST.match(text)
    period = _PERIODS.get(match.group("period").lower()) if match else None
    if match is None or period is None:
        raise InvalidOptionError(
            "interest", f"expected like 1%/month, 0.033%/day or 1.50/day: {text!r}"
        )
    if match.group("percent"):
        return Juros(_number(match.group("value"), "interest"), Basis.PERCENT, period, day_count)
    if period is not Period.DAY:
        raise InvalidOptionError("interest", "an amount of juros is per day (like 1.50/day)")
    return Juros(_amount(match.group("value"), "interest"), Basis.AMOUNT, period, day_count)


def _discount(entries: list[str] | None) -> DescontoPorData | None:
    if not entries:
        return None
    if len(entries) > MAX_DISCOUNT_DATES:
        raise InvalidOptionError("discount", f"at most {MAX_DISCOUNT_DATES} discount dates")

    tiers: list[DescontoAteData] = []
    bases: set[Basis] = set()
    for entry in entries:
        value_text, separator, date_text = entry.partition("@")
        if not separator:
            raise InvalidOptionError("discount", f"expected VALUE@YYYY-MM-DD, got {entry!r}")
        value, basis = _value_and_basis(value_text, "discount")
        bases.add(basis)
        tiers.append(DescontoAteData(_required_date(date_text, "discount"), value))
    if len(bases) > 1:
        raise InvalidOptionError("discount", "all discounts must be percentages or all amounts")

    tiers.sort(key=lambda tier: tier.until)
    return DescontoPorData(tuple(tiers), bases.pop())


def _abatimento(text: str | None) -> Abatimento | None:
    if text is None:
        return None
    value, basis = _value_and_basis(text, "abatimento")
    return Abatimento(value, basis)


def _option_for(field: str) -> str:
    root = re.split(r"[\[.]", field, maxsplit=1)[0]
    return _OPTION_OF.get(root, field)


def _build_and_quote(args: argparse.Namespace) -> dict[str, Any]:
    principal = _amount(args.amount, "amount")
    due = _required_date(args.due, "due")
    paid_on = _required_date(args.paid_on, "paid-on")
    credited_on = _date(args.credited_on, "credited-on")
    holidays = frozenset(_required_date(text, "holiday") for text in args.holiday or ())
    try:
        calendar = BusinessCalendar(holidays, banking=not args.no_banking, subdivision=args.state)
    except CalendarError as error:
        raise InvalidOptionError("state", str(error)) from None

    day_count = DayCount(args.interest_days)
    try:
        rules = LateChargeRules(
            multa=_fine(args.fine),
            juros=_interest(args.interest, day_count),
            desconto=_discount(args.discount),
            abatimento=_abatimento(args.abatimento),
        )
        validate_rules(rules, principal=principal, due_date=due, consumer=False)
        result = quote(
            principal,
            due,
            paid_on,
            rules,
            calendar,
            consumer=args.consumer,
            credited_on=credited_on,
        )
    except LateChargeError as error:
        raise InvalidOptionError(_option_for(error.field), error.reason) from None
    except CalendarError as error:
        # Only a due date at the very end of the calendar has no business day to move to.
        raise InvalidOptionError("due", str(error)) from None

    return {
        "valid": True,
        "principal": result.principal,
        "abatimento": result.abatimento,
        "discount": result.discount,
        "fine": result.fine,
        "interest": result.interest,
        "total": result.total,
        "days_late": result.days_late,
        "interest_days": result.interest_days,
        "due_date": result.due_date,
        "adjusted_due_date": result.adjusted_due_date,
        "settled_on": result.settled_on,
        "notes": list(result.notes),
    }


def _quote(args: argparse.Namespace) -> int:
    try:
        payload = _build_and_quote(args)
    except InvalidOptionError as error:
        emit({"valid": False, "field": error.option, "reason": str(error)})
        return EXIT_INVALID
    return verdict(payload)


def register(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``charges`` command group."""
    charges = groups.add_parser("charges", help="late charges and discounts of a receivable")
    commands = charges.add_subparsers(dest="command", metavar="COMMAND", required=True)

    parser = commands.add_parser(
        "quote",
        help="multa, juros, desconto and total of a payment on a date",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--amount", required=True, help="principal, e.g. 100.00")
    parser.add_argument("--due", required=True, metavar="YYYY-MM-DD", help="due date")
    parser.add_argument("--paid-on", required=True, metavar="YYYY-MM-DD", help="payment date")
    parser.add_argument(
        "--credited-on", metavar="YYYY-MM-DD", help="bank processing date, when later"
    )
    parser.add_argument("--fine", help="multa: 2%% or 10.00")
    parser.add_argument("--interest", help="juros: 1%%/month, 0.033%%/day or 1.50/day")
    parser.add_argument(
        "--interest-days",
        choices=[day_count.value for day_count in DayCount],
        default=DayCount.CALENDAR.value,
        help="count juros in calendar (default) or business days",
    )
    parser.add_argument(
        "--discount",
        action="append",
        metavar="VALUE@YYYY-MM-DD",
        help="desconto by date, e.g. 5%%@2026-03-01 (repeat up to 3 times)",
    )
    parser.add_argument("--abatimento", help="reduction of the principal: 10.00 or 5%%")
    parser.add_argument(
        "--consumer", action="store_true", help="consumer debt: multa capped at 2%%"
    )
    parser.add_argument(
        "--holiday", action="append", metavar="YYYY-MM-DD", help="extra (municipal) holiday"
    )
    parser.add_argument("--state", help="state code whose holidays apply, e.g. SP")
    parser.add_argument(
        "--no-banking",
        action="store_true",
        help="treat Carnival Monday and Tuesday as business days",
    )
    parser.set_defaults(handler=_quote)
