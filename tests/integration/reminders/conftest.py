"""One local hub per module, with only the reminder planner's schedule running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cobranca_local.hub import LocalHub

from tests.support.hub import running_hub


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        # Other areas' schedules have their own tests; here the clock moves a week at a time.
        for schedule in running.scheduler.schedules.values():
            schedule.enabled = schedule.function.endswith("reminder-planner")
        yield running
