"""Response times against targets for the cases opened in a period, per SLA clock: overall,
broken down and filtered by priority, category, channel, region, school, team, caseworker or
week - from the clock facts the SLA engine keeps (``casework.sla.facts``).

Who counts what: supervisors the cases of their regions and teams, auditors and administrators
all, a caseworker the cases assigned to them. Nothing here carries a child's words.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from casework.access.policy import Action, may_globally
from casework.audit.record import AuditAction, record_event
from casework.context import Acting
from casework.errors import InvalidInput
from casework.oversight.periods import check_moment
from casework.places.models import Region, School
from casework.sla.counting import Counted, Scope, count_clocks
from casework.sla.facts import NONE, SHARE_LABELS, Breakdown
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockFact, ClockKind
from casework.staff.models import Role, StaffUser, Team
from casework.taxonomy.models import Category

MAX_PERIOD = dt.timedelta(days=366)
_INT32 = 2**31  # an id column holds -2**31 to 2**31 - 1
# Coded breakdowns: what a filter names (a code) and the fact holds (an id).
_CODED: dict[Breakdown, tuple[Any, Any, Any]] = {
    Breakdown.CATEGORY: (Category.id, Category.code, Category.name),
    Breakdown.REGION: (Region.id, Region.code, Region.name),
    Breakdown.SCHOOL: (School.id, School.code, School.name),
}

__all__ = ["SHARE_LABELS", "Breakdown", "Group", "ResponseTimes", "response_times"]


@dataclass(frozen=True)
class Group:
    """One group of a breakdown: its key (what a filter names), a label, its figures."""

    key: str
    label: str
    figures: dict[ClockKind, ClockFigures]


@dataclass(frozen=True)
class ResponseTimes:
    """The figures of each clock, overall and per group of the breakdown, with how long the
    ended clocks took against the time they were allowed (``SHARE_LABELS`` order)."""

    opened_from: dt.datetime
    opened_to: dt.datetime
    cases: int
    overall: dict[ClockKind, ClockFigures]
    by: Breakdown | None
    groups: list[Group]
    filters: dict[Breakdown, list[str]] = field(default_factory=dict)
    target_shares: dict[ClockKind, list[int]] = field(default_factory=dict)
    trend: list[Group] = field(default_factory=list)  # by week opened, when asked for


def check_period(opened_from: dt.datetime, opened_to: dt.datetime) -> None:
    """Refuse a period that is empty, reversed, longer than a year or outside the years a
    period may name."""
    check_moment(opened_from, field="from")
    check_moment(opened_to, field="to")
    if opened_to <= opened_from or opened_to - opened_from > MAX_PERIOD:
        raise InvalidInput("period", "Choose a period of one day to one year.")


def figures_of_acting(acting: Acting) -> Scope | None:
    """The clocks the person acting may count (None: all of them)."""
    principal = acting.principal
    if principal.role is Role.CASEWORKER:
        # Their own figures only: no statistics permission needed for one's own work.
        return Scope(assignee=principal.user_id)
    acting.require(Action.STATS_READ)
    if principal.role is Role.SUPERVISOR:
        # As the access policy has it: their regions (all of them for a national team), never
        # a restricted case about a school they are linked to.
        regions = None if principal.national else principal.region_ids
        if regions is None and not principal.school_ids:
            return None
        return Scope(regions=regions, hidden_schools=principal.school_ids)
    return None


def response_times(
    acting: Acting,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    by: Breakdown | None = None,
    filters: Mapping[Breakdown, Sequence[str]] | None = None,
    trend: bool = False,
) -> ResponseTimes:
    """Figures for the cases opened in ``[opened_from, opened_to)`` that the person acting
    may count, matching ``filters`` (codes for category, region and school; ids for team and
    caseworker; values for the rest), split ``by`` one breakdown and, with ``trend``, by week
    too; the look is audited."""
    scope = figures_of_acting(acting)
    check_period(opened_from, opened_to)
    session = acting.session
    wanted = {b: list(v) for b, v in (filters or {}).items() if v}
    found_filters = fact_filters(acting, wanted)

    def counted(by: Breakdown | None) -> Counted:
        return count_clocks(
            session,
            opened_from=opened_from,
            opened_to=opened_to,
            now=acting.now,
            scope=scope,
            by=by,
            filters=found_filters,
        )

    # Split by one breakdown, the groups add up to the whole: counted once, not twice.
    split = counted(by) if by else None
    everything = split.total() if split else counted(None)
    overall = everything.figures().get("all", {})
    groups = split.figures() if split else {}
    weeks = counted(Breakdown.WEEK).figures() if trend else {}
    # Every case runs one acknowledge clock from opening.
    ack = overall.get(ClockKind.ACKNOWLEDGE)
    cases = ack.stopped + ack.running if ack else 0
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
            "trend": trend,
            "filters": {b.value: v for b, v in wanted.items()},
            "cases": cases,
        },
        now=acting.now,
    )
    return ResponseTimes(
        opened_from=opened_from,
        opened_to=opened_to,
        cases=cases,
        overall=overall,
        by=by,
        groups=_labelled(acting, by, groups) if by else [],
        filters=wanted,
        target_shares={
            kind: tally.shares for kind, tally in everything.tallies.get("all", {}).items()
        },
        trend=_labelled(acting, Breakdown.WEEK, weeks),
    )


def fact_filters(
    acting: Acting, filters: Mapping[Breakdown, Sequence[str]]
) -> dict[Breakdown, list[str]]:
    """Filters as the facts hold them (codes become ids; unknown ones match nothing)."""
    return {b: _ids(acting, b, values) for b, values in filters.items() if values}


def _ids(acting: Acting, by: Breakdown, values: Sequence[str]) -> list[str]:
    """Filter values as the facts hold them (codes become ids; unknown ones match nothing)."""
    coded = _CODED.get(by)
    if coded is None:
        if by is Breakdown.CASEWORKER or by is Breakdown.TEAM:
            for value in values:
                _check_id(by, value)
        return list(values)
    id_column, code_column, _name = coded
    found = acting.session.scalars(
        select(id_column).where(code_column.in_([v for v in values if v != NONE]))
    ).all()
    ids = [str(i) for i in found]
    return ids + ([NONE] if NONE in values else []) or ["-1"]


def _check_id(by: Breakdown, value: str) -> None:
    if value != NONE and not _is_id(by, value):
        raise InvalidInput(by.value, f"Not a {by.value} id: choose one from the list.")


def _is_id(by: Breakdown, value: str) -> bool:
    """A caseworker's id, or a team id that fits its column (a longer one would reach SQL)."""
    try:
        number = uuid.UUID(value).int if by is Breakdown.CASEWORKER else int(value)
    except ValueError:
        return False
    return by is Breakdown.CASEWORKER or -_INT32 <= number < _INT32


def _labelled(
    acting: Acting, by: Breakdown, groups: dict[str, dict[ClockKind, ClockFigures]]
) -> list[Group]:
    """Groups with the key a filter takes and a label a person reads, in a stable order."""
    names = _names(acting, by, [k for k in groups if k != NONE])
    found = [Group(names[k][0], names[k][1], v) for k, v in groups.items() if k in names]
    found.sort(key=lambda g: g.key if by in (Breakdown.WEEK, Breakdown.PRIORITY) else g.label)
    if NONE in groups:
        found.append(Group(NONE, _NO_VALUE[by], groups[NONE]))
    return found


_NO_VALUE = {
    Breakdown.REGION: "No region yet",
    Breakdown.SCHOOL: "No school named",
    Breakdown.TEAM: "No team",
    Breakdown.CASEWORKER: "Nobody assigned",
}


def _names(acting: Acting, by: Breakdown, keys: list[str]) -> dict[str, tuple[str, str]]:
    """Fact key -> (filter key, label)."""
    session = acting.session
    coded = _CODED.get(by)
    if coded is not None:
        id_column, code_column, name_column = coded
        rows = session.execute(
            select(id_column, code_column, name_column).where(id_column.in_([int(k) for k in keys]))
        ).all()
        return {str(i): (code, name) for i, code, name in rows}
    if by is Breakdown.TEAM:
        teams = session.execute(
            select(Team.id, Team.name).where(Team.id.in_([int(k) for k in keys]))
        ).all()
        return {str(i): (str(i), name) for i, name in teams}
    if by is Breakdown.CASEWORKER:
        people = session.execute(
            select(StaffUser.id, StaffUser.display_name).where(
                StaffUser.id.in_([uuid.UUID(k) for k in keys])
            )
        ).all()
        return {str(i): (str(i), name) for i, name in people}
    if by is Breakdown.WEEK:
        return {k: (k, f"Week of {dt.date.fromisoformat(k).strftime('%d %b %Y')}") for k in keys}
    return {k: (k, k.upper() if by is Breakdown.CHANNEL and k == "sms" else k) for k in keys}


@dataclass(frozen=True)
class Choices:
    """What the figures may be filtered by, for a form: (code, name) pairs."""

    regions: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    may_export: bool


def figure_choices(acting: Acting) -> Choices:
    """The regions (those the person may count) and categories to filter the figures by."""
    principal = acting.principal
    scope = figures_of_acting(acting)
    regions = select(Region.code, Region.name).order_by(Region.name)
    if scope is not None and principal.role is Role.SUPERVISOR:
        regions = regions.where(Region.id.in_(principal.region_ids))
    elif scope is not None:  # a caseworker: their own cases, wherever they are
        regions = regions.where(
            Region.id.in_(
                select(ClockFact.region_id).where(
                    scope.on_facts(), ClockFact.region_id.is_not(None)
                )
            )
        )
    categories = select(Category.code, Category.name).order_by(Category.sort_order)
    session = acting.session
    return Choices(
        regions=[(c, n) for c, n in session.execute(regions).all()],
        categories=[(c, n) for c, n in session.execute(categories).all()],
        may_export=may_globally(principal.role, Action.STATS_READ),
    )
