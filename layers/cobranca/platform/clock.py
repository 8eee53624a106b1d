"""The one place the hub reads the time.

Domain code never reads the clock; services ask here. The local runtime installs an offset to
move time forward (reminder schedules, expiring links) without touching the system clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("America/Sao_Paulo")

_offset = timedelta(0)


def now() -> datetime:
    """The current instant, aware, in UTC (shifted by the local runtime's offset)."""
    return datetime.now(UTC) + _offset


def local_now() -> datetime:
    """The current instant in America/Sao_Paulo."""
    return now().astimezone(BUSINESS_TZ)


def today() -> date:
    """Today's business date in America/Sao_Paulo."""
    return local_now().date()


def set_offset(offset: timedelta) -> None:
    """Shift the hub's clock (local runtime only)."""
    global _offset  # noqa: PLW0603 - one process-wide clock is the point
    _offset = offset


def get_offset() -> timedelta:
    """The current shift applied to the real clock."""
    return _offset
