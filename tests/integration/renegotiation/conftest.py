"""A local hub per test module (each test uses its own tenant): one hub for the whole package
would let the emulator's table grow until every index query slows down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h
from tests.support.hub import running_hub


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        h.prepare(running)
        yield running


@pytest.fixture(scope="module")
def outbox(hub: LocalHub) -> h.Outbox:
    return h.Outbox(hub)
