"""Pieces of the pull sync that need no ERP: read-ahead, and batches' newest change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cobranca.adapters.erp.pull import Batch
from cobranca.services.sync import prefetched


def batch(number: int, hour: int | None) -> Batch:
    moment = datetime(2026, 12, 1, hour, tzinfo=UTC) if hour is not None else None
    return Batch("s", "receivable.upserted", [{"id": number}], [moment])


def test_read_ahead_keeps_the_order() -> None:
    pages = [batch(n, n) for n in range(1, 8)]

    assert [page.records[0]["id"] for page in prefetched(iter(pages))] == list(range(1, 8))


def test_an_error_of_the_reader_comes_after_the_pages_read_before_it() -> None:
    def pages() -> Iterator[Batch]:
        yield batch(1, 1)
        yield batch(2, 2)
        raise ConnectionError("ERP went away")

    seen = []
    with pytest.raises(ConnectionError, match="ERP went away"):
        for page in prefetched(pages()):
            seen.append(page.records[0]["id"])
    assert seen == [1, 2]


def test_a_batch_knows_its_newest_change() -> None:
    mixed = Batch(
        "s",
        "e",
        [{}, {}, {}],
        [datetime(2026, 12, 1, 9, tzinfo=UTC), None, datetime(2026, 12, 1, 11, tzinfo=UTC)],
    )

    assert mixed.newest == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert batch(1, None).newest is None
