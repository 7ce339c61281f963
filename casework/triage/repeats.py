"""The repeat factors of triage: how often a person or a school has come up before."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Final

from sqlalchemy import Executable, bindparam, distinct, func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.linking.models import PersonMention

SCHOOL_WINDOW: Final = dt.timedelta(days=180)
REPEAT_CAP: Final = 10  # earlier reports about a school counted at most (triage weighs 4)


@functools.cache
def _school_count() -> Executable:
    """Other recent cases about a school, up to the cap (built once: building it cost more
    than running it)."""
    recent = (
        select(Case.id)
        .where(
            Case.school_id == bindparam("school_id"),
            Case.id != bindparam("case_id", type_=Case.id.type),
            Case.opened_at >= bindparam("since", type_=Case.opened_at.type),
            Case.opened_at <= bindparam("until", type_=Case.opened_at.type),
        )
        .limit(REPEAT_CAP)
        .subquery()
    )
    return select(func.count()).select_from(recent)


def earlier_reports(session: Session, case: Case, *, with_person: bool = True) -> tuple[int, int]:
    """How many other cases name a person this case names at its school, and how many other
    recent cases are about its school (the repeat factors of triage). The school's count
    stops at ``REPEAT_CAP``: triage weighs no more than that, and a busy school must not make
    every report count its whole history. ``with_person=False`` for a case that names
    nobody yet."""
    if case.school_id is None:
        return 0, 0
    person = 0
    if with_person:
        mine = select(PersonMention.name_index).where(PersonMention.case_id == case.id)
        person = (
            session.scalar(
                select(func.count(distinct(PersonMention.case_id))).where(
                    PersonMention.school_id == case.school_id,
                    PersonMention.name_index.in_(mine),
                    PersonMention.case_id != case.id,
                )
            )
            or 0
        )
    school = session.scalar(
        _school_count(),
        {
            "school_id": case.school_id,
            "case_id": case.id,
            "since": case.opened_at - SCHOOL_WINDOW,
            "until": case.opened_at,
        },
    )
    return int(person), int(school or 0)
