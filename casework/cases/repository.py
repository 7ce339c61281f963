"""Queries on cases and their events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case


def case_by_reference(session: Session, reference: str) -> Case | None:
    """The case with this (normalised) public reference, if any."""
    return session.scalars(select(Case).where(Case.reference == reference)).first()
