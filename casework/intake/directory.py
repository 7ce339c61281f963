"""An in-memory copy of the codes a report may name, so the request path needs no SELECT.

Categories, regions and schools change rarely (an administrator's edit); a report names them
on every request. The directory keeps the codes (and each school's region) in memory, loaded
whole on first use and again every ``max_age``; a code it does not know is looked up on its own
(one small SELECT) before it is refused, so a school added a minute ago is accepted at once and
a flood of made-up codes costs what it cost before. A category made inactive is still taken
for up to ``max_age``: the builder builds it anyway (``casework.intake.builder``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import InvalidInput
from casework.places.models import Region, School
from casework.taxonomy.models import Category

_MAX_AGE_SECONDS = 300.0
_NO_REGION = ""  # a school's region code when it has none


@dataclass
class _Codes:
    categories: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    schools: dict[str, str] = field(default_factory=dict)  # school code -> its region's code
    loaded_at: float = float("-inf")


class CodeDirectory:
    """Which category, region and school codes exist; thread-safe, one per database."""

    def __init__(self, *, max_age: float = _MAX_AGE_SECONDS) -> None:
        self._max_age = max_age
        self._codes = _Codes()
        self._lock = threading.Lock()

    def check(
        self, session: Session, *, category: str, region: str | None, school: str | None
    ) -> None:
        """Raise InvalidInput when a code is unknown or the school is not in the region."""
        codes = self._current(session)
        if category not in codes.categories and not self._found_category(session, category):
            raise InvalidInput("category", "Unknown category.")
        known_region = region is None or region in codes.regions
        if not known_region and not self._found_region(session, str(region)):
            raise InvalidInput("region", "Unknown region.")
        if school is not None:
            school_region = codes.schools.get(school)
            if school_region is None:
                school_region = self._found_school(session, school)
            if school_region is None:
                raise InvalidInput("school", "Unknown school.")
            if region is not None and school_region != region:
                raise InvalidInput("school", "This school is not in the region you chose.")

    def _current(self, session: Session) -> _Codes:
        codes = self._codes
        if time.monotonic() - codes.loaded_at < self._max_age:
            return codes
        with self._lock:
            if time.monotonic() - self._codes.loaded_at >= self._max_age:
                self._codes = _load(session)
            return self._codes

    def _found_category(self, session: Session, code: str) -> bool:
        found = session.scalar(
            select(Category.id).where(Category.code == code, Category.active.is_(True))
        )
        if found is not None:
            with self._lock:
                self._codes.categories.add(code)
        return found is not None

    def _found_region(self, session: Session, code: str) -> bool:
        found = session.scalar(select(Region.id).where(Region.code == code))
        if found is not None:
            with self._lock:
                self._codes.regions.add(code)
        return found is not None

    def _found_school(self, session: Session, code: str) -> str | None:
        row = session.execute(
            select(School.id, Region.code)
            .outerjoin(Region, Region.id == School.region_id)
            .where(School.code == code)
        ).first()
        if row is None:
            return None
        region_code = row[1] or _NO_REGION
        with self._lock:
            self._codes.schools[code] = region_code
        return region_code


def _load(session: Session) -> _Codes:
    """Every code, in three SELECTs."""
    categories = set(session.scalars(select(Category.code).where(Category.active.is_(True))))
    regions = set(session.scalars(select(Region.code)))
    schools = {
        code: region or _NO_REGION
        for code, region in session.execute(
            select(School.code, Region.code).outerjoin(Region, Region.id == School.region_id)
        )
    }
    return _Codes(categories, regions, schools, time.monotonic())
