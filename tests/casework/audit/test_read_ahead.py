"""The read-ahead of verification on PostgreSQL: every batch in order, errors passed on, and
its fetching thread finished before the cursor can be closed, however the reader stops."""

from __future__ import annotations

import threading
from contextlib import closing
from typing import Any

import pytest

from casework.audit import log


class FakeCursor:
    """Hands out ``batches`` batches of 3 rows, then an empty one; or fails at ``fail_at``."""

    def __init__(self, batches: int, *, fail_at: int | None = None) -> None:
        self.batches, self.fail_at, self.fetched = batches, fail_at, 0
        self.threads: set[str] = set()

    def fetchmany(self, _size: int) -> list[Any]:
        self.threads.add(threading.current_thread().name)
        if self.fetched == self.fail_at:
            raise ConnectionError("server closed the connection")
        self.fetched += 1
        return [(self.fetched, i) for i in range(3)] if self.fetched <= self.batches else []


def _fetchers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "audit-verify-fetch"]


def test_every_batch_comes_in_order_from_the_fetching_thread() -> None:
    cursor = FakeCursor(10)

    batches = list(log._read_ahead(cursor))  # type: ignore[arg-type]

    assert [b[0][0] for b in batches] == list(range(1, 11))
    assert cursor.threads == {"audit-verify-fetch"}
    assert not _fetchers()


def test_stopping_early_finishes_the_fetching_thread_first() -> None:
    cursor = FakeCursor(1000)

    with closing(log._read_ahead(cursor)) as batches:  # type: ignore[arg-type]
        assert next(batches)[0][0] == 1

    assert not _fetchers()  # joined by close(): the cursor is the caller's again
    assert cursor.fetched < 10  # it read ahead a little, not to the end


def test_a_failed_fetch_is_raised_to_the_reader() -> None:
    cursor = FakeCursor(10, fail_at=4)

    with pytest.raises(ConnectionError):
        list(log._read_ahead(cursor))  # type: ignore[arg-type]
    assert not _fetchers()
