"""Display names of members of staff, looked up in one batch per page."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.staff.models import StaffUser


def staff_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of members of staff by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
    ).all()
    return dict(rows)
