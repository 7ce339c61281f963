"""The queue: my cases, my team's, or (supervisors) the whole region, most urgent first,
filtered and searched; and what each line shows, in one batch of lookups per page, never one
per row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.context import Acting
from casework.enums import CaseStatus, Channel, Priority
from casework.handling.listing import COUNT_CAP, CaseQuery, list_cases
from casework.intake.models import Report
from casework.places.models import Region, School
from casework.places.repository import region_by_code
from casework.sla.models import ClockKind, SlaClock
from casework.staff.names import staff_names
from casework.taxonomy.models import Category
from casework.taxonomy.repository import category_by_code

PAGE = 50


@dataclass(frozen=True)
class Due:
    """A case's most pressing running clock."""

    clock: ClockKind
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
        found[case_id] = Due(kind, due_at, state)
    return found


def _names(
    session: Session, model: type[Category] | type[School] | type[Region], ids: set[int]
) -> dict[int, str]:
    """Names of categories, schools or regions by id."""
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def queue_rows(session: Session, cases: list[Case], now: dt.datetime) -> list[Row]:
    """The queue's lines for these cases, in their order."""
    ids = [c.id for c in cases]
    channels: defaultdict[uuid.UUID, set[Channel]] = defaultdict(set)
    for case_id, channel in session.execute(
        select(Report.case_id, Report.channel).where(Report.case_id.in_(ids))
    ).all():
        channels[case_id].add(channel)
    categories = _names(session, Category, {c.category_id for c in cases})
    schools = _names(session, School, {c.school_id for c in cases if c.school_id})
    regions = _names(session, Region, {c.region_id for c in cases if c.region_id})
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


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is asked to show; empty or None means "any"."""

    view: str = "team"  # mine | team | region
    status: CaseStatus | None = None  # None: every open case
    priority: Priority | None = None
    channel: Channel | None = None
    region: str = ""  # a region's code
    category: str = ""  # a category's code
    search: str = ""
    page: int = 1
    # False when another choice of the form was not one of the list: then nothing is listed.
    choices_ok: bool = True


@dataclass(frozen=True)
class Queue:
    """One page of the queue and the choices of its filters."""

    rows: list[Row]
    total: int  # at most COUNT_CAP
    capped: bool  # more than COUNT_CAP match
    categories: list[tuple[str, str]]  # (code, name), in the taxonomy's order
    regions: list[tuple[str, str]]  # (code, name), by name
    problems: list[str]  # a region or category that is not one of the list
    now: dt.datetime


def queue(acting: Acting, filters: QueueFilters) -> Queue:
    """One page of the queue (listing it is audited like any list)."""
    session = acting.session
    categories = [
        (code, name)
        for code, name in session.execute(
            select(Category.code, Category.name).order_by(Category.sort_order)
        )
    ]
    regions = [
        (code, name)
        for code, name in session.execute(select(Region.code, Region.name).order_by(Region.name))
    ]
    region = region_by_code(session, filters.region) if filters.region else None
    category = category_by_code(session, filters.category) if filters.category else None
    problems: list[str] = []
    if filters.region and region is None:
        problems.append("Choose the region from the list.")
    if filters.category and category is None:
        problems.append("Choose the category from the list.")
    found: list[Case] = []
    total = 0
    if filters.choices_ok and not problems:
        found, total = list_cases(
            acting,
            CaseQuery(
                status=filters.status,
                priority=filters.priority,
                assigned_to_me=filters.view == "mine",
                team_queue=filters.view == "team",
                region_id=region.id if region else None,
                category_id=category.id if category else None,
                channel=filters.channel,
                search=filters.search.strip() or None,
                open_only=filters.status is None,
                limit=PAGE,
                offset=(filters.page - 1) * PAGE,
            ),
        )
    return Queue(
        rows=queue_rows(session, found, acting.now),
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        categories=categories,
        regions=regions,
        problems=problems,
        now=acting.now,
    )
