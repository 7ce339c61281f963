"""Queries on regions and schools."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.places.models import Region, School


def region_by_code(session: Session, code: str) -> Region | None:
    """The region with this code, if any."""
    return session.scalars(select(Region).where(Region.code == code)).first()


def school_by_code(session: Session, code: str) -> School | None:
    """The school with this code, if any."""
    return session.scalars(select(School).where(School.code == code)).first()


def all_regions(session: Session) -> Sequence[Region]:
    """Every region, by name."""
    return session.scalars(select(Region).order_by(Region.name)).all()


def all_schools(session: Session) -> Sequence[School]:
    """Every school, by name."""
    return session.scalars(select(School).order_by(School.name)).all()
