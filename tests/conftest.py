"""Suite-wide settings: no AWS credentials or endpoints leak in from the developer's shell."""

from __future__ import annotations

import os

import pytest

# A developer's real AWS settings must never reach a test: every AWS call goes to the embedded
# emulator, which the local runtime points AWS_ENDPOINT_URL at.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.pop(_name, None)
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# The longest files start first, so under `pytest -n 2 --dist loadfile` they do not become the
# tail that the other worker waits on.
LONGEST_FIRST = ("tests/e2e/test_main_job.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return 0 if item.nodeid.split("::")[0] in LONGEST_FIRST else 1

    items.sort(key=rank)
