"""How far case building is behind: the intake inbox's depth and the age of its oldest row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from casework.intake.builder import MAX_ATTEMPTS
from casework.intake.models import IntakeItem
from casework.staff.models import Role, StaffNotification, StaffUser

BACKLOG_NOTICE = "intake_backlog"


@dataclass(frozen=True)
class Backlog:
    """Reports received whose case is not built yet."""

    waiting: int
    urgent: int
    stuck: int  # failed MAX_ATTEMPTS times: an operator must look
    oldest_received_at: dt.datetime | None

    def oldest_age(self, now: dt.datetime) -> dt.timedelta:
        """How long the oldest waiting report has waited (zero when none waits)."""
        if self.oldest_received_at is None:
            return dt.timedelta(0)
        return max(dt.timedelta(0), now - self.oldest_received_at)


def intake_backlog(session: Session) -> Backlog:
    """The backlog, in one SELECT over the partial index of unbuilt rows."""
    row = session.execute(
        select(
            func.count(),
            func.count().filter(IntakeItem.urgent.is_(True)),
            func.count().filter(IntakeItem.attempts >= MAX_ATTEMPTS),
            func.min(IntakeItem.received_at),
        ).where(IntakeItem.case_id.is_(None))
    ).one()
    # min() keeps the column's type, so the time comes back aware on both databases.
    return Backlog(int(row[0]), int(row[1]), int(row[2]), row[3])


def supervisors_to_alarm(
    session: Session, *, now: dt.datetime, quiet: dt.timedelta
) -> list[StaffUser]:
    """Active supervisors, unless they were told about the backlog within ``quiet``."""
    told = exists().where(
        and_(
            StaffNotification.kind == BACKLOG_NOTICE,
            StaffNotification.created_at >= now - quiet,
        )
    )
    return list(
        session.scalars(
            select(StaffUser).where(
                StaffUser.role == Role.SUPERVISOR, StaffUser.active.is_(True), ~told
            )
        )
    )
