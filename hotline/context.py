"""The one request context every route takes: database, keyring, clock, settings - and, for
staff routes, who is signed in. A route parses, calls one use case through it, and shapes the
answer; the context opens the transaction and hands the use case a ``Unit`` or ``Acting``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Concatenate, ParamSpec, Protocol, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from casework.access.scope import Principal
from casework.clock import Clock
from casework.context import Acting, Unit
from casework.protection.keys import Keyring
from hotline.deps import get_clock, get_db, get_keyring, get_settings
from hotline.runtime.database import Database
from hotline.runtime.group_commit import GroupCommit, group_commit
from hotline.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of a group
R = TypeVar("R")


@dataclass(frozen=True)
class RequestContext:
    """What a request may use: the database, the keyring, the clock and the settings."""

    db: Database
    keyring: Keyring
    clock: Clock
    settings: Settings

    def unit(self, session: Session) -> Unit:
        """A unit of work in ``session``, timed now."""
        return Unit(session, self.keyring, self.clock, self.clock.now())

    async def write(
        self, use_case: Callable[Concatenate[Unit, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``use_case`` in one write transaction (committed before this returns)."""
        return await self.db.run_async(
            lambda s: use_case(self.unit(s), *args, **kwargs), write=True
        )

    async def write_together(
        self,
        name: str,
        use_case: Callable[[Unit, Sequence[I]], Sequence[R]],
        item: I,
        *,
        writers: int = 2,
    ) -> R | None:
        """Run ``use_case`` over ``item`` and the items other requests hand in meanwhile, in
        one write transaction (a group commit: ``hotline.runtime.group_commit``); this item's
        result, or None when the group failed - nothing of it was kept, write it on its own.
        One group per ``name``, database and settings: ``use_case`` is the first caller's;
        up to ``writers`` groups are written at once (PostgreSQL; SQLite writes one)."""
        group: GroupCommit[I, R] = group_commit(
            self.db,
            name,
            lambda s, items: use_case(self.unit(s), items),
            settings=self.settings,
            writers=writers,
        )
        return await group.submit(item)

    async def read(
        self, use_case: Callable[Concatenate[Unit, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``use_case`` in one read-only transaction."""
        return await self.db.run_async(
            lambda s: use_case(self.unit(s), *args, **kwargs), write=False
        )


@dataclass(frozen=True)
class StaffRequest(RequestContext):
    """A request made by a signed-in member of staff."""

    principal: Principal

    def acting(self, session: Session) -> Acting:
        """The member of staff acting in ``session``, timed now."""
        return Acting(session, self.keyring, self.clock, self.clock.now(), self.principal)

    async def act(
        self, use_case: Callable[Concatenate[Acting, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a staff command in one write transaction (committed before this returns)."""
        return await self.db.run_async(
            lambda s: use_case(self.acting(s), *args, **kwargs), write=True
        )

    async def look(
        self, use_case: Callable[Concatenate[Acting, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a staff read that records nothing, in a read-only transaction."""
        return await self.db.run_async(
            lambda s: use_case(self.acting(s), *args, **kwargs), write=False
        )


class Paged(Protocol):
    """A page of rows from a paged read, and where the next one starts (None: no more)."""

    @property
    def rows(self) -> Sequence[Any]: ...
    @property
    def after(self) -> Any: ...


def pages(ctx: StaffRequest, use_case: Callable[..., Paged], **kwargs: Any) -> Iterator[Any]:
    """The rows of a paged staff read, each page read in its own short read-only transaction
    (blocking: iterated by a streamed response on a worker thread)."""
    after = None
    while True:
        page = ctx.db.run(partial(_page, ctx, use_case, after, kwargs), write=False)
        yield from page.rows
        if page.after is None:
            return
        after = page.after


def _page(
    ctx: StaffRequest,
    use_case: Callable[..., Paged],
    after: Any,
    kwargs: dict[str, Any],
    session: Session,
) -> Paged:
    return use_case(ctx.acting(session), after=after, **kwargs)


async def request_context(request: Request) -> RequestContext:
    """The request's context (no one signed in is needed)."""
    return RequestContext(
        get_db(request), get_keyring(request), get_clock(request), get_settings(request)
    )


def as_staff(ctx: RequestContext, principal: Principal) -> StaffRequest:
    """The same context, acting as ``principal``."""
    return StaffRequest(ctx.db, ctx.keyring, ctx.clock, ctx.settings, principal)


Ctx = Annotated[RequestContext, Depends(request_context)]
