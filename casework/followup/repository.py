"""Queries on follow-up attempt counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.followup.models import FollowUpThrottle


def lock_counter(session: Session, reference: str) -> tuple[int, dt.datetime | None]:
    """Create the counter row for ``reference`` or lock the existing one; return its values.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the row always exists afterwards
    and is locked until the transaction ends, even if another transaction deleted it while
    this one waited (a plain SELECT ... FOR UPDATE would then find nothing).
    """
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(FollowUpThrottle).values(
        reference=reference, failures=0, last_failure_at=None
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["reference"], set_={"reference": stmt.excluded.reference}
    ).returning(FollowUpThrottle.failures, FollowUpThrottle.last_failure_at)
    row = session.execute(stmt).one()
    return int(row.failures), row.last_failure_at


def set_counter(
    session: Session, reference: str, *, failures: int, last_failure_at: dt.datetime | None
) -> None:
    """Store a new streak for ``reference`` (0 and None clear it)."""
    session.execute(
        update(FollowUpThrottle)
        .where(FollowUpThrottle.reference == reference)
        .values(failures=failures, last_failure_at=last_failure_at)
    )
