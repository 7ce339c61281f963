"""Shifts, on-call turns and languages for routing tests."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.places.models import Region
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift


def region_id(session: Session, code: str) -> int:
    """A demo region's id."""
    return session.scalars(select(Region.id).where(Region.code == code)).one()


def on_shift(
    session: Session,
    user_id: uuid.UUID,
    region: str | None,
    now: dt.datetime,
    *,
    languages: tuple[str, ...] = ("en",),
    on_call: bool = False,
) -> None:
    """Someone on shift (or on call) in a region (None: on the national desk) from an hour ago
    for eight hours."""
    model = OnCallShift if on_call else StaffShift
    session.add(
        model(
            user_id=user_id,
            region_id=region_id(session, region) if region is not None else None,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=7),
        )
    )
    existing = set(
        session.scalars(select(StaffLanguage.language).where(StaffLanguage.user_id == user_id))
    )
    session.add_all(
        StaffLanguage(user_id=user_id, language=lang) for lang in languages if lang not in existing
    )
    session.flush()
