"""The case lists staff see: filtered in the query to what each person may see, most urgent
first, every list or search an audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, ScalarSelect, exists, func, or_, select

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.cases.reference import normalise_reference
from casework.context import Acting
from casework.enums import CaseStatus, Channel, Priority
from casework.handling.reads import CaseSummary, summarise
from casework.intake.models import Report
from casework.places.models import Region, School
from casework.sla.models import SlaClock
from casework.taxonomy.models import Category

MAX_PAGE = 100
COUNT_CAP = 10_000


@dataclass(frozen=True)
class CaseQuery:
    """Filters of a case list."""

    status: CaseStatus | None = None
    priority: Priority | None = None
    reference: str | None = None
    assigned_to_me: bool = False
    team_queue: bool = False  # in the queue of one of the caller's teams
    region_id: int | None = None
    category_id: int | None = None
    open_only: bool = False  # the queue: everything not closed
    channel: Channel | None = None  # cases with a report that came this way
    # Free text: a reference, or part of a school's or a category's name or code.
    search: str | None = None
    limit: int = 50
    offset: int = 0


def nearest_due() -> ScalarSelect[dt.datetime | None]:
    """When the case's most pressing running SLA clock is due (from the clock index)."""
    return (
        select(func.min(SlaClock.due_at))
        .where(SlaClock.case_id == Case.id, SlaClock.stopped_at.is_(None))
        .correlate(Case)
        .scalar_subquery()
    )


def _matching(text: str) -> ColumnElement[bool]:
    """Cases whose reference is ``text``, or whose school or category name or code holds it."""
    reference = normalise_reference(text)
    term = text.strip().lower()
    schools = select(School.id).where(
        or_(
            func.lower(School.name).contains(term, autoescape=True),
            func.lower(School.code).contains(term, autoescape=True),
        )
    )
    categories = select(Category.id).where(
        or_(
            func.lower(Category.name).contains(term, autoescape=True),
            func.lower(Category.code).contains(term, autoescape=True),
        )
    )
    found: list[ColumnElement[bool]] = [
        Case.school_id.in_(schools),
        Case.category_id.in_(categories),
    ]
    if reference is not None:
        found.append(Case.reference == reference)
    return or_(*found)


def list_cases(acting: Acting, query: CaseQuery) -> tuple[list[Case], int]:
    """One page of the cases ``principal`` may see, most urgent first, and how many in all
    (at most ``COUNT_CAP + 1``: more than the cap is shown as "10,000+")."""
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    where = [case_filter(principal, Action.CASE_READ, now=now)]
    if query.status is not None:
        where.append(Case.status == query.status)
    if query.priority is not None:
        where.append(Case.priority == query.priority)
    if query.reference:
        where.append(Case.reference == query.reference)
    if query.assigned_to_me:
        where.append(Case.assigned_to_id == principal.user_id)
    if query.team_queue:
        where.append(Case.team_id.in_(principal.team_ids))
    if query.region_id is not None:
        where.append(Case.region_id == query.region_id)
    if query.category_id is not None:
        where.append(Case.category_id == query.category_id)
    if query.channel is not None:
        where.append(exists().where(Report.case_id == Case.id, Report.channel == query.channel))
    if query.search:
        where.append(_matching(query.search))
    if query.open_only:
        # IN rather than != so the (region, status, priority, opened) index is used per status.
        where.append(Case.status.in_([st for st in CaseStatus if st is not CaseStatus.CLOSED]))
    # Counted up to a cap: an exact count of a region's whole history would cost more than
    # the page itself ("10,000+" is all a person needs to know).
    matching = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matching)) or 0
    cases = list(
        session.scalars(
            select(Case)
            .where(*where)
            .order_by(Case.priority, nearest_due().nulls_last(), Case.opened_at, Case.id)
            .limit(min(max(query.limit, 1), MAX_PAGE))
            .offset(max(query.offset, 0))
        )
    )
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.CASE_LISTED,
        actor=principal.actor,
        object_type="case_list",
        object_id="-",
        details={
            "filters": {
                "status": query.status,
                "priority": query.priority,
                "reference": query.reference,
                "mine": query.assigned_to_me,
                "team": query.team_queue,
                "region": query.region_id,
                "category": query.category_id,
                "open": query.open_only,
                "channel": query.channel,
                # Whether a search was made, never its words (they may name a school).
                "search": bool(query.search),
            },
            "returned": [str(c.id) for c in cases],
            "total": total,
        },
        now=now,
    )
    return cases, int(total)


@dataclass(frozen=True)
class CaseFilters:
    """A case list asked for by codes and words, as a person types them."""

    status: CaseStatus | None = None
    priority: Priority | None = None
    reference: str | None = None
    mine: bool = False
    region: str | None = None
    category: str | None = None
    open_only: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class CasePage:
    """One page of a case list and how many there are (up to the cap)."""

    total: int
    total_capped: bool
    cases: list[CaseSummary]


def find_cases(acting: Acting, filters: CaseFilters) -> CasePage:
    """The cases the person acting may see that match ``filters``, most urgent first (the
    list is audited). Something that cannot exist - not a reference, an unknown region or
    category - matches nothing."""
    session = acting.session
    wanted = normalise_reference(filters.reference) if filters.reference else None
    region_id = (
        session.scalar(select(Region.id).where(Region.code == filters.region))
        if filters.region
        else None
    )
    category_id = (
        session.scalar(select(Category.id).where(Category.code == filters.category))
        if filters.category
        else None
    )
    if (
        (filters.reference and wanted is None)
        or (filters.region and region_id is None)
        or (filters.category and category_id is None)
    ):
        return CasePage(0, False, [])
    query = CaseQuery(
        status=filters.status,
        priority=filters.priority,
        reference=wanted,
        assigned_to_me=filters.mine,
        region_id=region_id,
        category_id=category_id,
        open_only=filters.open_only,
        limit=filters.limit,
        offset=filters.offset,
    )
    found, total = list_cases(acting, query)
    return CasePage(
        min(total, COUNT_CAP), total > COUNT_CAP, [summarise(session, c) for c in found]
    )
