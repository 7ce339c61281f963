"""The repeat factors of triage: how often a person or a school has come up before."""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.linking.models import PersonMention

SCHOOL_WINDOW: Final = dt.timedelta(days=180)
REPEAT_CAP: Final = 10  # earlier reports about a school counted at most (triage weighs 4)


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
    recent = (
        select(Case.id)
        .where(
            Case.school_id == case.school_id,
            Case.id != case.id,
            Case.opened_at >= case.opened_at - SCHOOL_WINDOW,
            Case.opened_at <= case.opened_at,
        )
        .limit(REPEAT_CAP)
        .subquery()
    )
    school = session.scalar(select(func.count()).select_from(recent))
    return int(person), int(school or 0)
