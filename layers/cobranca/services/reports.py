"""Reports for operators: the KPIs of domain/kpis.py over a tenant's receivables, JSON or CSV.

Receivables are read by due month from GSI3 (every status), so a report costs one Query per
month of the window, never a Scan; the window runs from ``HISTORY_MONTHS`` before the as-of date
to ``FUTURE_MONTHS`` after it.

A report is only built for a tenant that exists (a typo in the tenant would otherwise read as a
clean portfolio) and as of a date between ``EARLIEST_AS_OF`` and ``LATEST_AS_OF``, which keeps
the window and the forecast weeks inside the calendar.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Table, table
from cobranca.domain import kpis
from cobranca.domain.money import money

HISTORY_MONTHS = 24
FUTURE_MONTHS = 12
EARLIEST_AS_OF = date(1900, 1, 1)
LATEST_AS_OF = date(9998, 12, 31)
REPORTS = (
    "summary",
    "aging",
    "delinquency",
    "forecast",
    "conversion",
    "sync_failures",
)


class UnknownReport(LookupError):
    """No report of that name (or, by the subclasses, for that tenant or date)."""


class UnknownTenant(UnknownReport):
    """No tenant of that id: there is nothing to report on."""


class AsOfOutOfRange(UnknownReport):
    """An as-of date whose report window would leave the calendar."""


def check_request(tenant_id: str, as_of: date, store: Table) -> None:
    """Refuse a report for a tenant that does not exist or as of a date out of range."""
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise AsOfOutOfRange(
            f"as_of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}, got {as_of}"
        )
    if store.get(keys.tenant(tenant_id), keys.PROFILE) is None:
        raise UnknownTenant(f"no tenant {tenant_id!r}")


def months(start: date, end: date) -> Iterator[date]:
    """First days of the months from ``start``'s to ``end``'s, inclusive."""
    cursor = start.replace(day=1)
    while cursor <= end:
        yield cursor
        cursor = (cursor + timedelta(days=32)).replace(day=1)


def _shift_months(day: date, count: int) -> date:
    month = day.month - 1 + count
    return date(day.year + month // 12, month % 12 + 1, 1)


def snapshots(tenant_id: str, as_of: date, store: Table | None = None) -> list[kpis.Snapshot]:
    """Every receivable of the tenant due in the report window, as KPI snapshots."""
    store = store or table()
    start = _shift_months(as_of, -HISTORY_MONTHS)
    end = _shift_months(as_of, FUTURE_MONTHS)
    found = []
    for month in months(start, end):
        for item in store.query(
            "gsi3pk = :pk", {":pk": keys.due_month(tenant_id, month)}, index="gsi3"
        ):
            found.append(_snapshot(item))
    return found


def _snapshot(item: dict[str, Any]) -> kpis.Snapshot:
    erp = item["erp"]
    return kpis.Snapshot(
        receivable_id=str(item["receivable_id"]),
        issue_date=date.fromisoformat(str(erp["issue_date"])),
        due_date=date.fromisoformat(str(erp["due_date"])),
        amount=money(item["amount"]),
        balance=money(item["balance"]),
        status=str(item["status"]),
        paid_on=date.fromisoformat(str(item["paid_on"])) if item.get("paid_on") else None,
        customer_id=str(item.get("customer_id", "")),
    )


def _daily_counters(
    tenant_id: str, prefix: str, start: date, end: date, store: Table
) -> list[dict[str, Any]]:
    """Counter items (keys.stats) whose sort key is ``<date>#<prefix>...`` in the range."""
    rows = []
    for item in store.query(
        "pk = :pk AND sk BETWEEN :start AND :end",
        {":pk": keys.stats(tenant_id), ":start": start.isoformat(), ":end": f"{end}~"},
    ):
        day, _, metric = str(item["sk"]).partition("#")
        if metric.startswith(prefix):
            rows.append({"date": day, "metric": metric, **_counts(item)})
    return rows


def _counts(item: dict[str, Any]) -> dict[str, Any]:
    return {
        key: int(value) if isinstance(value, Decimal) and value == value.to_integral() else value
        for key, value in item.items()
        if key not in {"pk", "sk", "type", "expires_at"}
    }


def build(tenant_id: str, report: str, as_of: date, store: Table | None = None) -> dict[str, Any]:
    """One report as a JSON-ready dict (amounts as strings with two places)."""
    if report not in REPORTS:
        raise UnknownReport(f"no report {report!r}; available: {', '.join(REPORTS)}")
    store = store or table()
    check_request(tenant_id, as_of, store)
    return _build(tenant_id, report, as_of, store)


def _build(tenant_id: str, report: str, as_of: date, store: Table) -> dict[str, Any]:
    if report in {"conversion", "sync_failures"}:
        prefix = "reminder" if report == "conversion" else "sync"
        rows = _daily_counters(tenant_id, prefix, as_of - timedelta(days=90), as_of, store)
        return {"tenant": tenant_id, "report": report, "as_of": as_of, "rows": rows}

    items = snapshots(tenant_id, as_of, store)
    body: dict[str, Any] = {"tenant": tenant_id, "report": report, "as_of": as_of}
    if report == "aging":
        result = kpis.aging(items, as_of)
        body["buckets"] = [
            {"bucket": name, "amount": result.amounts[name], "count": result.counts[name]}
            for name, _, _ in kpis.BUCKETS
        ]
        body["total"] = result.total
    elif report == "delinquency":
        body.update(_plain(kpis.delinquency(items, as_of)))
    elif report == "forecast":
        learned = kpis.payment_probabilities(items, as_of)
        body["probabilities"] = learned.by_bucket
        body["history"] = sum(learned.observed.values())
        body["weeks"] = [_plain(week) for week in kpis.weekly_forecast(items, learned, as_of)]
    else:
        delinquency = kpis.delinquency(items, as_of)
        body.update(
            {
                "pending_amount": delinquency.open_amount,
                "pending_count": delinquency.open_count,
                "overdue_amount": delinquency.overdue_amount,
                "delinquency_rate_by_count": delinquency.rate_by_count,
                "delinquency_rate_by_value": delinquency.rate_by_value,
                "average_days_late": delinquency.average_days_late,
                "dso_days": kpis.dso(items, as_of),
                "recovery_rate_90d": kpis.recovery_rate(items, as_of - timedelta(days=90), as_of),
                "paid_count": sum(1 for item in items if item.status == "paid"),
            }
        )
    return body


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(item) for key, item in asdict(value).items()}
    return value


def to_csv(body: dict[str, Any]) -> str:
    """A report's rows as CSV (semicolon-separated, as spreadsheets in pt-BR expect)."""
    rows: list[dict[str, Any]]
    if "buckets" in body:
        rows = body["buckets"]
    elif "weeks" in body:
        rows = body["weeks"]
    elif "rows" in body:
        rows = body["rows"]
    else:
        rows = [
            {"metric": key, "value": value}
            for key, value in body.items()
            if key not in {"tenant", "report"}
        ]
    output = io.StringIO()
    if not rows:
        return ""
    fields = list(dict.fromkeys(field for row in rows for field in row))
    writer = csv.DictWriter(output, fieldnames=fields, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return output.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


BUCKET_LABELS = {
    "a_vencer": "A vencer",
    "1-30": "1–30 dias",
    "31-60": "31–60 dias",
    "61-90": "61–90 dias",
    "90+": "Mais de 90",
}


def _bars(amounts: list[tuple[str, Decimal]], width: int, gap: int) -> list[dict[str, Any]]:
    """Bar geometry for an inline SVG chart 160 px tall (values scaled to the largest)."""
    top = max((amount for _, amount in amounts), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (label, amount) in enumerate(amounts):
        height = int(Decimal(150) * amount / top)
        bars.append(
            {
                "x": 10 + index * (width + gap),
                "y": 175 - height,
                "height": height,
                "label": label,
                "amount": amount,
            }
        )
    return bars


def dashboard(tenant_id: str, as_of: date, store: Table | None = None) -> str:
    """The operator dashboard page: KPI cards, aging and forecast charts, conversion, sync."""
    from cobranca.platform.pages import render

    store = store or table()
    check_request(tenant_id, as_of, store)
    summary = _build(tenant_id, "summary", as_of, store)
    aging = _build(tenant_id, "aging", as_of, store)
    forecast = _build(tenant_id, "forecast", as_of, store)
    conversion = _build(tenant_id, "conversion", as_of, store)
    sync_failures = _build(tenant_id, "sync_failures", as_of, store)
    aging_bars = _bars(
        [(BUCKET_LABELS[row["bucket"]], row["amount"]) for row in aging["buckets"]], 80, 30
    )
    for bar, row in zip(aging_bars, aging["buckets"], strict=True):
        bar["bucket"] = row["bucket"]
    forecast_bars = _bars(
        [(week["week_start"].strftime("%d/%m"), week["expected"]) for week in forecast["weeks"]],
        50,
        18,
    )
    fields = list(dict.fromkeys(key for row in conversion["rows"] for key in row))
    return render(
        "dashboard/dashboard.html",
        tenant=tenant_id,
        as_of=as_of,
        summary=summary,
        aging=aging,
        aging_bars=aging_bars,
        forecast=forecast,
        forecast_bars=forecast_bars,
        conversion=conversion,
        conversion_fields=fields,
        sync_failures=sync_failures,
        labels=BUCKET_LABELS,
    )


def to_json(body: dict[str, Any]) -> str:
    """A report as JSON: amounts and rates as strings (never floats), dates ISO."""
    import json

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"cannot serialise {type(value).__name__}")

    return json.dumps(body, default=default, ensure_ascii=False)
