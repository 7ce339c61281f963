"""Queries on categories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.taxonomy.models import Category


def active_category_by_code(session: Session, code: str) -> Category | None:
    """The active category with this code, if any."""
    return session.scalars(
        select(Category).where(Category.code == code, Category.active.is_(True))
    ).first()


def active_categories(session: Session) -> Sequence[Category]:
    """All active categories in display order."""
    return session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    ).all()


def category_by_code(session: Session, code: str) -> Category | None:
    """The category with this code, if any (active or not)."""
    return session.scalars(select(Category).where(Category.code == code)).first()
