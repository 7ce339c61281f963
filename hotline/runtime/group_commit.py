"""Group commit: many requests' small writes in one transaction.

Each request hands its item to the group and awaits its own result. While a group is being
written, the items that arrive meanwhile wait and are written together next, in one
transaction: one commit - one fsync on SQLite, one BEGIN/COMMIT and no pool checkout per
request on PostgreSQL - for all of them. An idle service writes an item at once (a group of
one); a busy one writes bigger groups. This is what lets the inbox take a burst of reports
at the speed of one INSERT each (issue 16).

If the group's transaction fails, nothing of it was kept: every item is answered ``None``
and its request writes it again on its own, so one bad item never loses the others.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from hotline.runtime.database import Database

I = TypeVar("I")  # noqa: E741 - an item, as in Generic[I, R]
R = TypeVar("R")

log = logging.getLogger("hotline.group_commit")

Write = Callable[[Session, Sequence[I]], Sequence[R]]


class GroupCommit(Generic[I, R]):
    """Writes items in groups, one transaction a group, on one database and event loop."""

    def __init__(self, db: Database, write: Write[I, R], *, max_group: int, writers: int) -> None:
        self._db = db
        self._write = write
        self._max_group = max_group
        # SQLite takes one writer at a time anyway; PostgreSQL gains from a second group in
        # flight while the first waits for its commit.
        self._writers = 1 if db.is_sqlite else writers
        self._waiting: list[tuple[I, asyncio.Future[R | None]]] = []
        self._running = 0
        # The loop keeps only weak references to tasks: these keep the writers alive.
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: I) -> R | None:
        """Write ``item`` with whatever else is waiting; its result, or None when its group
        failed (nothing of it was kept: write it again on its own)."""
        future: asyncio.Future[R | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._running < self._writers:
            self._running += 1
            task = asyncio.get_running_loop().create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: len(group)]
                await self._commit(group)
        finally:
            self._running -= 1

    async def _commit(self, group: list[tuple[I, asyncio.Future[R | None]]]) -> None:
        items = [item for item, _ in group]
        results: Sequence[R | None]
        try:
            results = await self._db.run_async(lambda s: self._write(s, items), write=True)
        except Exception as exc:  # noqa: BLE001 - the group is lost as a whole; each retries alone
            log.warning(
                "a group commit failed (%s); its %d items are written one by one",
                type(exc).__name__,
                len(group),
            )
            results = [None] * len(group)
        for (_, future), result in zip(group, results, strict=True):
            if not future.done():  # the request may have gone (client disconnected)
                future.set_result(result)


_GROUPS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[int, int, str], tuple[object, GroupCommit]]  # type: ignore[type-arg]
] = weakref.WeakKeyDictionary()


def group_commit(
    db: Database,
    name: str,
    write: Write[I, R],
    *,
    settings: object,
    max_group: int = 64,
    writers: int = 2,
) -> GroupCommit[I, R]:
    """The group named ``name`` for this database and these settings (what ``write`` was
    made with) on the running event loop - tests run many apps and loops in one process."""
    groups = _GROUPS.setdefault(asyncio.get_running_loop(), {})
    key = (id(db), id(settings), name)
    found = groups.get(key)
    if found is None or found[0] is not settings or found[1]._db is not db:
        found = groups[key] = (
            settings,
            GroupCommit(db, write, max_group=max_group, writers=writers),
        )
    return found[1]
