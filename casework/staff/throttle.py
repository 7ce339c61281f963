"""Sign-in throttling per account name and per client address: slower, then locked out.

Counted per account *name*, whether or not such an account exists, so the answers (and their
timing) never tell which names exist; and per client address, so one address cannot try many
names. Within a window of failures: the first few answer at once, then each waits longer
(doubling, capped); past a limit the name (or address) is locked for a while. A success clears
the name's count. Keys are HMACs of the name or address under an installation key, so neither
is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.staff.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    """When sign-in slows down and locks."""

    window: dt.timedelta = dt.timedelta(minutes=15)
    free_failures: int = 3
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 8.0
    account_lock_after: int = 10
    address_lock_after: int = 50
    lock_for: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Count:
    """Failures counted for one key."""

    failures: int
    first_failure_at: dt.datetime | None
    locked_until: dt.datetime | None


def delay_after(failures: int, policy: ThrottlePolicy) -> float:
    """Seconds to wait before answering the ``failures``-th failure in a row."""
    extra = failures - policy.free_failures
    if extra <= 0:
        return 0.0
    return float(min(policy.base_delay_seconds * 2 ** (extra - 1), policy.max_delay_seconds))


def after_failure(
    count: Count, *, now: dt.datetime, lock_after: int, policy: ThrottlePolicy
) -> Count:
    """The count after one more failure (a new window once the old one has passed)."""
    fresh = count.first_failure_at is None or now - count.first_failure_at > policy.window
    failures = 1 if fresh else count.failures + 1
    first = now if fresh else count.first_failure_at
    locked = now + policy.lock_for if failures >= lock_after else count.locked_until
    return Count(failures, first, locked)


def throttle_key(secret: bytes, kind: str, value: str) -> str:
    """The stored key of an account name (``kind="account"``) or a client address."""
    return hmac.new(secret, f"{kind}:{value.casefold()}".encode(), hashlib.sha256).hexdigest()


def lock_count(session: Session, key: str) -> Count:
    """The count for ``key``, its row created or locked until the transaction ends."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(LoginThrottle).values(
        key=key, failures=0, first_failure_at=None, locked_until=None
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"key": stmt.excluded.key}
    ).returning(LoginThrottle.failures, LoginThrottle.first_failure_at, LoginThrottle.locked_until)
    row = session.execute(stmt).one()
    return Count(int(row.failures), row.first_failure_at, row.locked_until)


def store_count(session: Session, key: str, count: Count) -> None:
    """Save a count (a cleared one is zero failures and no lock)."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(
            failures=count.failures,
            first_failure_at=count.first_failure_at,
            locked_until=count.locked_until,
        )
    )


def purge_stale(session: Session, *, now: dt.datetime, policy: ThrottlePolicy) -> int:
    """Forget counts whose window and lock are over."""
    result = session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.first_failure_at.is_(None),
                LoginThrottle.first_failure_at < now - policy.window,
            ),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
