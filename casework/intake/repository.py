"""Queries intake needs, shaped to cost one round trip per report."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Executable, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.intake.models import IntakeItem
from casework.places.models import Region, School
from casework.taxonomy.models import Category


@dataclass(frozen=True)
class IntakeLookup:
    """Ids of what a submission names (None when not found) and whether a reference is free."""

    category_id: int | None
    region_id: int | None
    school_id: int | None
    school_region_id: int | None
    reference: str
    reference_taken: bool


@functools.cache
def _lookup_query(accepted: bool) -> Executable:
    """Built once per shape: building it cost more than running it."""
    category_filter = [Category.code == bindparam("category")]
    if not accepted:
        category_filter.append(Category.active.is_(True))
    category = select(Category.id).where(*category_filter).scalar_subquery()
    region = select(Region.id).where(Region.code == bindparam("region")).scalar_subquery()
    school = select(School.id).where(School.code == bindparam("school")).scalar_subquery()
    school_region = (
        select(School.region_id).where(School.code == bindparam("school")).scalar_subquery()
    )
    reference = bindparam("reference", type_=Case.reference.type)
    taken = or_(
        exists().where(Case.reference == reference),
        exists().where(IntakeItem.reference == reference),
    )
    return select(
        category.label("category_id"),
        region.label("region_id"),
        school.label("school_id"),
        school_region.label("school_region_id"),
        taken.label("reference_taken"),
    )


def lookup_for_intake(
    session: Session,
    *,
    category_code: str,
    region_code: str | None,
    school_code: str | None,
    reference: str,
    accepted: bool = False,
) -> IntakeLookup:
    """Resolve codes to ids and check a candidate reference, in a single SELECT.

    A reference is taken when a case has it or a report received but not yet built reserved
    it. ``accepted``: the report was taken in already, so a category made inactive since counts.
    """
    row = session.execute(
        _lookup_query(accepted),
        {
            "category": category_code,
            "region": region_code or "",
            "school": school_code or "",
            "reference": reference,
        },
    ).one()
    return IntakeLookup(
        category_id=row.category_id,
        region_id=row.region_id if region_code else None,
        school_id=row.school_id if school_code else None,
        school_region_id=row.school_region_id if school_code else None,
        reference=reference,
        reference_taken=bool(row.reference_taken),
    )
