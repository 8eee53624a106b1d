"""A real Tryton for the ERP tests: seeded once (cached across runs), served on 127.0.0.1.

Tests that only read share one server per session (per xdist worker); tests that write
(payments) take :func:`writable_tryton`, a server on their module's own copy of the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cobranca_local.tryton.cache import seeded_database, working_copy
from cobranca_local.tryton.seed import SeedSpec
from cobranca_local.tryton.server import TrytonServer

DEMO = SeedSpec()


@pytest.fixture(scope="session")
def seeded_tryton() -> Path:
    """The demo company's database (built on first use, then cached under the temp dir)."""
    return seeded_database(DEMO)


@pytest.fixture(scope="session")
def shared_tryton(
    seeded_tryton: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrytonServer]:
    """A server for tests that only read."""
    folder = working_copy(seeded_tryton, tmp_path_factory.mktemp("tryton-shared"))
    with TrytonServer(folder) as server:
        yield server


@pytest.fixture(scope="module")
def writable_tryton(
    seeded_tryton: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrytonServer]:
    """A server on this module's own copy: writes stay within the module."""
    folder = working_copy(seeded_tryton, tmp_path_factory.mktemp("tryton-writable"))
    with TrytonServer(folder) as server:
        yield server
