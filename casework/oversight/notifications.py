"""A member of staff's notices (break-glass access in their regions, alarms...): one query,
for the staff API and the console alike."""

from __future__ import annotations

from sqlalchemy import select

from casework.context import Acting
from casework.staff.models import StaffNotification


def my_notifications(acting: Acting, *, limit: int = 100) -> list[StaffNotification]:
    """The notices for the person acting, newest first."""
    return list(
        acting.session.scalars(
            select(StaffNotification)
            .where(StaffNotification.user_id == acting.principal.user_id)
            .order_by(StaffNotification.created_at.desc())
            .limit(limit)
        )
    )
