"""What console pages show about cases: one batch of lookups per page, never one per row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import Channel
from casework.intake.models import Report
from casework.places.models import Region, School
from casework.sla.models import SlaClock
from casework.staff.models import StaffUser
from casework.taxonomy.models import Category
from hotline.console.labels import CLOCK_NAMES

__all__ = ["CLOCK_NAMES", "Due", "Row", "nearest_clocks", "queue_rows", "staff_names"]


@dataclass(frozen=True)
class Due:
    """A case's most pressing running clock."""

    clock: str
    due_at: dt.datetime
    state: str  # running | warning | breached


@dataclass(frozen=True)
class Row:
    """One line of a queue."""

    case: Case
    category: str
    school: str | None
    region: str | None
    channels: list[str]
    assignee: str | None
    due: Due | None


def nearest_clocks(
    session: Session, case_ids: list[uuid.UUID], now: dt.datetime
) -> dict[uuid.UUID, Due]:
    """Per case, its running clock due first (from the clock index)."""
    rows = session.execute(
        select(SlaClock.case_id, SlaClock.clock, SlaClock.due_at, SlaClock.warn_at)
        .where(
            SlaClock.case_id.in_(case_ids),
            SlaClock.stopped_at.is_(None),
            SlaClock.due_at.is_not(None),
        )
        .order_by(SlaClock.due_at)
    ).all()
    found: dict[uuid.UUID, Due] = {}
    for case_id, kind, due_at, warn_at in rows:
        if case_id in found or due_at is None:
            continue
        state = (
            "breached" if now >= due_at else "warning" if warn_at and now >= warn_at else "running"
        )
        found[case_id] = Due(CLOCK_NAMES[kind], due_at, state)
    return found


def names(
    session: Session, model: type[Category] | type[School] | type[Region], ids: set[int]
) -> dict[int, str]:
    """Names of categories, schools or regions by id."""
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def staff_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of members of staff by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
    ).all()
    return dict(rows)


def queue_rows(session: Session, cases: list[Case], now: dt.datetime) -> list[Row]:
    """The queue's lines for these cases, in their order."""
    ids = [c.id for c in cases]
    channels: defaultdict[uuid.UUID, set[Channel]] = defaultdict(set)
    for case_id, channel in session.execute(
        select(Report.case_id, Report.channel).where(Report.case_id.in_(ids))
    ).all():
        channels[case_id].add(channel)
    categories = names(session, Category, {c.category_id for c in cases})
    schools = names(session, School, {c.school_id for c in cases if c.school_id})
    regions = names(session, Region, {c.region_id for c in cases if c.region_id})
    people = staff_names(session, {c.assigned_to_id for c in cases if c.assigned_to_id})
    due = nearest_clocks(session, ids, now)
    return [
        Row(
            case=c,
            category=categories.get(c.category_id, "?"),
            school=schools.get(c.school_id) if c.school_id else None,
            region=regions.get(c.region_id) if c.region_id else None,
            channels=sorted(ch.value for ch in channels[c.id]),
            assignee=people.get(c.assigned_to_id) if c.assigned_to_id else None,
            due=due.get(c.id),
        )
        for c in cases
    ]
