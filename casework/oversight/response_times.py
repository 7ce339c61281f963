"""Response times against targets for the cases opened in a period, per SLA clock, optionally
broken down by priority, category or region - from the SLA engine's own clocks."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from casework.access.policy import Action
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.context import Acting
from casework.errors import InvalidInput
from casework.oversight.statistics import figures_scope
from casework.places.models import Region
from casework.sla.figures import ClockFigures, clock_figures
from casework.sla.models import ClockKind
from casework.sla.service import clocks_of_cases
from casework.taxonomy.models import Category

MAX_PERIOD = dt.timedelta(days=366)


class Breakdown(enum.StrEnum):
    """What the figures may be split by."""

    PRIORITY = "priority"
    CATEGORY = "category"
    REGION = "region"


@dataclass(frozen=True)
class ResponseTimes:
    """The figures of each clock, overall and per group of the breakdown."""

    opened_from: dt.datetime
    opened_to: dt.datetime
    cases: int
    overall: dict[ClockKind, ClockFigures]
    by: Breakdown | None
    groups: dict[str, dict[ClockKind, ClockFigures]]


def response_times(
    acting: Acting,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    by: Breakdown | None = None,
) -> ResponseTimes:
    """Figures for the cases opened in ``[opened_from, opened_to)`` that the person acting
    may count (audited; nothing of any child's words)."""
    acting.require(Action.STATS_READ)
    if opened_to <= opened_from or opened_to - opened_from > MAX_PERIOD:
        raise InvalidInput("period", "Choose a period of one day to one year.")
    session = acting.session
    cases = list(
        session.scalars(
            select(Case).where(
                figures_scope(acting),
                Case.opened_at >= opened_from,
                Case.opened_at < opened_to,
            )
        )
    )
    clocks = clocks_of_cases(session, cases)
    group_of = _grouping(acting, by)
    grouped: dict[str, list[Case]] = {}
    for case in cases:
        grouped.setdefault(group_of(case), []).append(case)
    record_event(
        session,
        keyring=acting.keyring,
        action=AuditAction.STATS_READ,
        actor=acting.principal.actor,
        object_type="response_times",
        object_id="-",
        details={
            "from": opened_from.isoformat(),
            "to": opened_to.isoformat(),
            "by": by.value if by else None,
            "cases": len(cases),
        },
        now=acting.now,
    )
    return ResponseTimes(
        opened_from=opened_from,
        opened_to=opened_to,
        cases=len(cases),
        overall=clock_figures((s for c in cases for s in clocks[c.id]), now=acting.now),
        by=by,
        groups={
            name: clock_figures((s for c in members for s in clocks[c.id]), now=acting.now)
            for name, members in sorted(grouped.items())
        }
        if by
        else {},
    )


def _grouping(acting: Acting, by: Breakdown | None) -> Callable[[Case], str]:
    if by is Breakdown.PRIORITY:
        return lambda case: case.priority.value
    if by is Breakdown.CATEGORY:
        codes = dict(acting.session.execute(select(Category.id, Category.code)).all())
        return lambda case: codes[case.category_id]
    if by is Breakdown.REGION:
        regions = dict(acting.session.execute(select(Region.id, Region.code)).all())
        return lambda case: (
            regions.get(case.region_id, "unplaced") if case.region_id else "unplaced"
        )
    return lambda _case: "all"
