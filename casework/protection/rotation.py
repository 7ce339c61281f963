"""Master key rotation: re-wrap data keys under the provider's current key, in batches.

Only the small wrapped data keys change; no protected field is re-encrypted. Batches are
short transactions that skip rows another rotator holds (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), so the service keeps running and two rotators share the work. Re-running after
an interruption simply continues: a batch only touches keys not yet on the current version.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from casework.ports import WrappedKey
from casework.protection.keys import Keyring, wrap_context
from casework.protection.models import DataKey


def stale_count(session: Session, *, current_key_id: str) -> int:
    """How many live data keys are wrapped by an older master key."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.key_id != current_key_id, DataKey.wrapped.is_not(None))
        )
        or 0
    )


def keys_using(session: Session, key_id: str) -> int:
    """How many live data keys are wrapped by the master key ``key_id``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.key_id == key_id, DataKey.wrapped.is_not(None))
        )
        or 0
    )


def rewrap_batch(session: Session, *, keyring: Keyring, batch: int, now: dt.datetime) -> int:
    """Re-wrap up to ``batch`` stale data keys; returns how many were re-wrapped."""
    current = keyring.provider.current_key_id()
    rows = session.scalars(
        select(DataKey)
        .where(DataKey.key_id != current, DataKey.wrapped.is_not(None))
        .order_by(DataKey.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        if row.wrapped is None:  # filtered out above; kept for the type checker
            continue
        context = wrap_context(row.id, row.purpose, row.case_id)
        secret = keyring.provider.unwrap(WrappedKey(row.key_id, row.wrapped), context=context)
        wrapped = keyring.provider.wrap(secret, context=context)
        row.key_id, row.wrapped, row.rewrapped_at = wrapped.key_id, wrapped.ciphertext, now
    session.flush()
    return len(rows)


def transactions_older_than(session: Session, moment: dt.datetime) -> int:
    """How many other transactions began before ``moment`` and are still open (PostgreSQL).

    A request that wrapped a new data key just before a rotation began can still be open when
    the last batch runs; the rotation is complete only once all of them have ended. SQLite
    needs no such wait: every re-wrap batch takes the single write lock, so it runs after any
    open writer has committed.
    """
    if session.get_bind().dialect.name != "postgresql":
        return 0
    return int(
        session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start < :moment"
            ),
            {"moment": moment},
        )
        or 0
    )


def database_now(session: Session) -> dt.datetime:
    """The database server's current time (UTC on SQLite, where it is this machine's)."""
    if session.get_bind().dialect.name != "postgresql":
        return dt.datetime.now(dt.UTC)
    moment = session.scalar(text("SELECT statement_timestamp()"))
    if not isinstance(moment, dt.datetime):
        raise TypeError("the database did not return a timestamp")
    return moment
