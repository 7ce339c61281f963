"""Queries on cases and their events."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from casework.cases.models import Case


def case_by_reference(session: Session, reference: str) -> Case | None:
    """The case with this (normalised) public reference, if any."""
    return session.scalars(select(Case).where(Case.reference == reference)).first()


def reference_taken(session: Session, reference: str) -> bool:
    """True when a case already uses this reference."""
    return bool(session.scalar(select(exists().where(Case.reference == reference))))
