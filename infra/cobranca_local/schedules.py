"""EventBridge schedules on a local clock that can be moved forward (time travel).

A schedule runs on demand (``run``) or when the clock passes its next firing time
(``advance``). Each firing sets the hub's clock to that instant before invoking the handler, so a
daily planner "run at 08:00" sees 08:00 even when a test jumps a whole week at once.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cobranca.platform import clock

from cobranca_local.lambdas import FunctionError, Functions
from cobranca_local.template import ACCOUNT_ID, REGION

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def _croniter_expression(aws: str) -> str:
    """Translate AWS's six-field cron into croniter's five fields.

    AWS numbers days of the week 1-7 from Sunday and has a year field and ``?``; croniter
    numbers them 0-6 from Sunday and has neither.
    """
    fields = aws.split()
    if len(fields) != 6:
        raise ValueError(f"AWS cron needs 6 fields, got {len(fields)}: {aws!r}")
    minutes, hours, day, month, weekday, _year = fields
    weekday = re.sub(r"\d+", lambda match: str((int(match.group(0)) - 1) % 7), weekday)
    return " ".join(part.replace("?", "*") for part in (minutes, hours, day, month, weekday))


@dataclass
class Schedule:
    """One Schedule/ScheduleV2 event of a function."""

    name: str
    function: str
    expression: str
    timezone: ZoneInfo
    payload: Any
    enabled: bool = True
    last_fired: datetime | None = None
    fired: list[datetime] = field(default_factory=list)

    def next_after(self, moment: datetime, origin: datetime) -> datetime:
        """The first firing strictly after ``moment`` (aware, UTC)."""
        rate = _RATE.match(self.expression)
        if rate:
            step = int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")]
            elapsed = (moment - origin).total_seconds()
            periods = int(elapsed // step) + 1
            return origin + timedelta(seconds=periods * step)
        cron = _CRON.match(self.expression)
        if not cron:
            raise ValueError(f"unsupported schedule expression {self.expression!r}")
        from croniter import croniter

        local = moment.astimezone(self.timezone)
        following: datetime = croniter(_croniter_expression(cron.group(1)), local).get_next(
            datetime
        )
        return following.astimezone(UTC)


class Scheduler:
    """The template's schedules and the local clock that drives them."""

    def __init__(self, functions: Functions) -> None:
        self.functions = functions
        self.schedules = self._read()
        self.origin = clock.now()
        self._last_check = self.origin
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[tuple[str, str]] = []

    def _read(self) -> dict[str, Schedule]:
        template = self.functions.template
        schedules = {}
        for function in self.functions.by_name.values():
            for event in function.events:
                if event.type not in {"Schedule", "ScheduleV2"}:
                    continue
                properties = template.resolve(event.properties)
                expression = properties.get("Schedule") or properties.get("ScheduleExpression")
                timezone = properties.get("ScheduleExpressionTimezone") or "UTC"
                raw_input = properties.get("Input")
                state = properties.get("State", "ENABLED")
                schedules[event.name] = Schedule(
                    name=event.name,
                    function=function.name,
                    expression=str(expression),
                    timezone=ZoneInfo(str(timezone)),
                    payload=json.loads(raw_input) if isinstance(raw_input, str) else raw_input,
                    enabled=bool(properties.get("Enabled", True)) and state != "DISABLED",
                )
        return schedules

    def event_for(self, schedule: Schedule, moment: datetime) -> dict[str, Any]:
        """What EventBridge delivers: the Input when the template sets one, else the event."""
        if schedule.payload is not None:
            return (
                dict(schedule.payload) if isinstance(schedule.payload, dict) else schedule.payload
            )
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{schedule.name}"],
            "detail": {},
        }

    def run(self, name: str) -> Any:
        """Fire one schedule now, at the current local clock time."""
        if name not in self.schedules:
            known = ", ".join(sorted(self.schedules))
            raise KeyError(f"no schedule {name!r}; the template has: {known}")
        schedule = self.schedules[name]
        moment = clock.now()
        with self._lock:
            schedule.last_fired = moment
            schedule.fired.append(moment)
            return self.functions.invoke(
                schedule.function, self.event_for(schedule, moment), source=f"schedule:{name}"
            )

    def advance(self, delta: timedelta) -> list[tuple[str, datetime]]:
        """Move the clock forward by ``delta``, firing every schedule due on the way, in order."""
        with self._lock:
            start = clock.now()
            fired = self._fire_between(start, start + delta)
            self._last_check = start + delta
            return fired

    def _fire_between(self, start: datetime, target: datetime) -> list[tuple[str, datetime]]:
        fired: list[tuple[str, datetime]] = []
        cursor = start
        while True:
            upcoming = [
                (schedule.next_after(cursor, self.origin), schedule)
                for schedule in self.schedules.values()
                if schedule.enabled
            ]
            due = [(moment, schedule) for moment, schedule in upcoming if moment <= target]
            if not due:
                break
            moment, schedule = min(due, key=lambda pair: (pair[0], pair[1].name))
            self._set_clock(moment)
            cursor = moment
            schedule.last_fired = moment
            schedule.fired.append(moment)
            try:
                self.functions.invoke(
                    schedule.function,
                    self.event_for(schedule, moment),
                    source=f"schedule:{schedule.name}",
                )
            except FunctionError as error:
                # A failed scheduled run is recorded and the next firing tries again, as on
                # AWS; the clock keeps moving.
                self.errors.append((schedule.name, str(error)))
            fired.append((schedule.name, moment))
        self._set_clock(target)
        return fired

    def travel_to(self, moment: datetime) -> list[tuple[str, datetime]]:
        """Advance the clock to an absolute instant (never backwards)."""
        delta = moment - clock.now()
        if delta.total_seconds() < 0:
            raise ValueError("the local clock only moves forward")
        return self.advance(delta)

    def jump_to(self, moment: datetime) -> None:
        """Set the clock to ``moment`` without firing what lies between (a fresh start)."""
        with self._lock:
            self._set_clock(moment)
            self._last_check = moment

    @staticmethod
    def _set_clock(moment: datetime) -> None:
        clock.set_offset(moment - datetime.now(UTC))

    def start(self, tick_seconds: float = 5.0) -> None:
        """Fire schedules as real time passes (serving mode)."""

        def loop() -> None:
            while not self._stop.wait(tick_seconds):
                with self._lock:
                    now = clock.now()
                    self._fire_between(self._last_check, now)
                    self._last_check = now

        self._thread = threading.Thread(target=loop, daemon=True, name="scheduler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
