"""Regions and schools added in bulk, once: the demo seed's places (and the tests')."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from casework.places.models import Region, School
from casework.places.repository import all_regions


def add_places(
    session: Session,
    *,
    regions: Sequence[tuple[str, str]],
    schools: Sequence[tuple[str, str, str]],
) -> bool:
    """Add ``regions`` (code, name) and ``schools`` (code, name, region code) unless there
    are regions already; True if added."""
    if all_regions(session):
        return False
    added = {code: Region(code=code, name=name) for code, name in regions}
    session.add_all(added.values())
    session.flush()
    session.add_all(
        School(code=code, name=name, region_id=added[region].id) for code, name, region in schools
    )
    session.flush()
    return True
