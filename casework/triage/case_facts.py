"""The triage facts a case holds, and storing a new assessment (the priority only rises)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import Danger
from casework.taxonomy.models import Category
from casework.triage.repeats import earlier_reports
from casework.triage.rules import Assessment, TriageFacts, higher


def facts_of(session: Session, case: Case, *, danger: Danger | None = None) -> TriageFacts:
    """The triage facts a case holds now (words flags kept from earlier assessments)."""
    code = session.scalar(select(Category.code).where(Category.id == case.category_id)) or "other"
    factors = set(case.triage_factors or [])
    person, school = earlier_reports(session, case)
    return TriageFacts(
        danger=danger
        if danger is not None
        else (Danger.YES if "immediate_danger" in factors else Danger.UNKNOWN),
        category=code,
        child_age=case.child_age,
        perpetrator_role=case.perpetrator_role,
        ongoing=case.ongoing,
        injury=case.injury,
        danger_words="danger_words" in factors,
        self_harm_words="self_harm" in factors,
        earlier_about_person=person,
        earlier_about_school=school,
    )


def apply_assessment(case: Case, assessment: Assessment) -> bool:
    """Store an assessment; the priority only rises. True when it rose."""
    case.risk_score = assessment.score
    case.triage_factors = list(assessment.factors)
    raised = higher(case.priority, assessment.priority)
    changed = raised is not case.priority
    case.priority = raised
    return changed
