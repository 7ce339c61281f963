"""Response-time figures counted: whole weeks from the weekly summary, the days at either end
of the period and the running clocks from the clock facts - one set of counts (``Tally``)
whichever they come from, so the figures mean the same at any size.

The summary's rows each count one breakdown (``dim``) besides region, team, week and priority
(the wide school and caseworker rows apart from their rows split by priority), so it answers
whatever names at most one of category, channel, school and caseworker (split by it, filtered
by it, or a caseworker's own cases: their ``caseworker`` rows), with or without priority
beside it. A period that names two (split by school and filtered by category, say), or filters
by week, is counted from the facts alone: still right, slower at national scale.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select, text, true
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.sla.facts import COLUMNS, NONE, Breakdown, matching, value_of
from casework.sla.figures import ClockFigures, Tally
from casework.sla.models import COUNT_COLUMNS, ClockFact, ClockKind, clock_week
from casework.sla.weekly import (
    ALL,
    BLOCKED,
    BY_PRIORITY,
    DIMS,
    NO_VALUE,
    block_dim,
    pieces,
    split_dim,
    value_text,
)

# Breakdowns the summary splits by within a row's dimension value, and the key columns it
# splits by for every dimension (priority only for the rows of ``BY_PRIORITY``).
_BY_DIM = {
    Breakdown.CATEGORY: "category",
    Breakdown.CHANNEL: "channel",
    Breakdown.SCHOOL: "school",
    Breakdown.CASEWORKER: "caseworker",
}
_BY_KEY = {
    Breakdown.WEEK: clock_week.c.week,
    Breakdown.REGION: clock_week.c.region_id,
    Breakdown.TEAM: clock_week.c.team_id,
    Breakdown.PRIORITY: clock_week.c.priority,
}
_SUMMARY_FILTERS = frozenset({Breakdown.REGION, Breakdown.TEAM})
assert set(_BY_DIM.values()) == set(DIMS)  # noqa: S101 - the summary keeps each of them


@dataclass(frozen=True)
class Scope:
    """Which clocks someone may count: those of some regions, or of one assignee's cases;
    restricted cases about ``hidden_schools`` are left out (a conflict of interest hides them,
    and a count by school would point at one)."""

    regions: frozenset[int] | None = None  # None: every region, and cases with none yet
    assignee: uuid.UUID | None = None
    hidden_schools: frozenset[int] = frozenset()

    def on_facts(self) -> ColumnElement[bool]:
        """The clause on the clock facts."""
        clauses: list[ColumnElement[bool]] = []
        if self.assignee is not None:
            clauses.append(ClockFact.assignee_id == self.assignee)
        if self.regions is not None:
            clauses.append(ClockFact.region_id.in_(self.regions))
        if self.hidden_schools:
            conflicted = select(Case.id).where(
                Case.restricted, Case.school_id.in_(self.hidden_schools)
            )
            clauses.append(ClockFact.case_id.not_in(conflicted))
        return and_(true(), *clauses)

    @property
    def summarised(self) -> bool:
        """Whether the weekly summary can count within it (it knows nothing of restriction)."""
        return not self.hidden_schools


@dataclass
class Counted:
    """The counts per group and clock."""

    tallies: dict[str, dict[ClockKind, Tally]] = field(default_factory=dict)

    def tally(self, group: str, clock: str) -> Tally:
        """The counts of one group and clock (created empty)."""
        clocks = self.tallies.setdefault(group, {})
        kind = ClockKind(clock)
        found = clocks.get(kind)
        if found is None:  # not setdefault: a Tally made for every row costs at thousands
            found = clocks[kind] = Tally()
        return found

    def total(self) -> Counted:
        """The counts of every group together, as group ``"all"`` (every breakdown puts each
        clock in exactly one group, "none" included, so this is the count without one)."""
        total = Counted()
        for clocks in self.tallies.values():
            for kind, tally in clocks.items():
                total.tally("all", kind).merge(tally)
        return total

    def figures(self) -> dict[str, dict[ClockKind, ClockFigures]]:
        """The figures of every group and clock."""
        return {
            group: {kind: tally.figures(kind) for kind, tally in clocks.items()}
            for group, clocks in self.tallies.items()
        }


def _key(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _week_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _whole_weeks(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The Mondays starting and ending the whole weeks (UTC) inside ``[start, end)``."""
    first = start.astimezone(dt.UTC).date()
    first += dt.timedelta(days=-first.weekday() % 7)
    if _week_start(first) < start:
        first += dt.timedelta(weeks=1)
    last = end.astimezone(dt.UTC).date()
    last -= dt.timedelta(days=last.weekday())
    return (first, last) if first < last else None


def count_clocks(
    session: Session,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    now: dt.datetime,
    scope: Scope | None = None,
    by: Breakdown | None = None,
    filters: Mapping[Breakdown, Sequence[str]] | None = None,
) -> Counted:
    """The counts per group (``"all"`` without ``by``; ids, codes or ISO weeks as text,
    ``"none"`` for no value) and clock, for the cases opened in ``[opened_from, opened_to)``
    within ``scope`` and matching ``filters``."""
    filters = {b: list(v) for b, v in (filters or {}).items() if v}
    counted = Counted()
    _planner_settings(session)
    facts = [] if scope is None else [scope.on_facts()]
    facts += [matching(b, values) for b, values in filters.items()]
    _count_running(session, counted, by, now, opened_from, opened_to, facts)
    weeks = _whole_weeks(opened_from, opened_to)
    rows = _summary_rows(by, scope, filters)
    if rows is None or weeks is None or (scope is not None and not scope.summarised):
        _count_ended(session, counted, by, [(opened_from, opened_to)], facts)
        return counted
    first, last = weeks
    _count_weeks(session, counted, by, first, last, scope, filters, rows)
    # The days before the first whole week and after the last, in one statement.
    edges = [(opened_from, _week_start(first)), (_week_start(last), opened_to)]
    _count_ended(session, counted, by, edges, facts)
    return counted


def _group(by: Breakdown | None) -> Any:
    return COLUMNS[by] if by else literal_column("'all'")


def _count_running(
    session: Session,
    counted: Counted,
    by: Breakdown | None,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    conditions: list[ColumnElement[bool]],
) -> None:
    group = _group(by)
    late = func.sum(case((ClockFact.due_at < now, 1), else_=0))
    query = (
        select(group, ClockFact.clock, func.count(), late)
        .where(
            ClockFact.outcome.is_(None),
            ClockFact.opened_at >= start,
            ClockFact.opened_at < end,
            *conditions,
        )
        .group_by(*([group] if by else []), ClockFact.clock)
    )
    for key, clock, n, breached in session.execute(query):
        counted.tally(_key(key), clock).add(None, None, int(n), int(breached or 0))


def _count_ended(
    session: Session,
    counted: Counted,
    by: Breakdown | None,
    periods: Sequence[tuple[dt.datetime, dt.datetime]],
    conditions: list[ColumnElement[bool]],
) -> None:
    opened = [
        and_(ClockFact.opened_at >= start, ClockFact.opened_at < end)
        for start, end in periods
        if start < end
    ]
    if not opened:
        return
    group = _group(by)
    detail = (ClockFact.clock, ClockFact.outcome, ClockFact.minutes, ClockFact.share_bucket)
    query = (
        select(group, *detail, func.count())
        .where(ClockFact.outcome.is_not(None), or_(*opened), *conditions)
        .group_by(*([group] if by else []), *detail)
    )
    for key, clock, outcome, minutes, share, n in session.execute(query):
        counted.tally(_key(key), clock).add_ended(outcome, int(minutes or 0), share, int(n))


@dataclass(frozen=True)
class _Rows:
    """Which rows of the summary count the clocks asked for: those of one breakdown (``dim``),
    with one of ``values`` if given."""

    dim: str
    values: list[str] | None = None
    priorities: list[str] | None = None  # of the rows split by priority


def _summary_rows(
    by: Breakdown | None, scope: Scope | None, filters: Mapping[Breakdown, Sequence[str]]
) -> _Rows | None:
    """The summary's rows that answer this, or None when only the facts can: a row counts one
    breakdown, so at most one may be named by the split, the filters and the scope - and
    priority besides where the rows are split by it."""
    named: dict[str, list[str] | None] = {}
    if by in _BY_DIM:
        named[_BY_DIM[by]] = None
    for b, values in filters.items():
        if b in _SUMMARY_FILTERS or b is Breakdown.PRIORITY:
            continue
        if b not in _BY_DIM:
            return None  # a week filter
        named[_BY_DIM[b]] = [NO_VALUE if v == NONE else value_text(value_of(b, v)) for v in values]
    if scope is not None and scope.assignee is not None:
        if named.get("caseworker") is not None:
            return None  # their own cases filtered by caseworker: the facts know
        named["caseworker"] = [value_text(scope.assignee)]
    if len(named) > 1:
        return None
    ((dim, wanted),) = named.items() if named else ((ALL, None),)
    priorities = filters.get(Breakdown.PRIORITY)
    if (priorities or by is Breakdown.PRIORITY) and dim not in BY_PRIORITY:
        dim = split_dim(dim)  # school and caseworker rows are split by priority apart
    return _Rows(dim, wanted, list(priorities) if priorities else None)


def _ids(values: Sequence[str]) -> list[int]:
    """Region or team filter values as the summary keeps them (0: none)."""
    return [0 if v == NONE else int(v) for v in values]


def _count_weeks(
    session: Session,
    counted: Counted,
    by: Breakdown | None,
    first: dt.date,
    last: dt.date,
    scope: Scope | None,
    filters: Mapping[Breakdown, Sequence[str]],
    rows: _Rows,
) -> None:
    """Count the ended clocks of the whole weeks ``[first, last)`` from the summary's
    ``rows``."""
    week = clock_week.c
    group: Any
    if by is None:
        group = literal_column("'all'")
    elif by in _BY_DIM:
        group = week.value
    else:
        group = _BY_KEY[by]
    conditions = [_weeks_read(rows, by, first, last)]
    if rows.values is not None:
        conditions.append(week.value.in_(rows.values))
    if rows.priorities is not None:
        conditions.append(week.priority.in_(rows.priorities))
    if scope is not None and scope.regions is not None:
        conditions.append(week.region_id.in_(scope.regions))
    if Breakdown.REGION in filters:
        conditions.append(week.region_id.in_(_ids(filters[Breakdown.REGION])))
    if Breakdown.TEAM in filters:
        conditions.append(week.team_id.in_(_ids(filters[Breakdown.TEAM])))
    sums = [func.sum(week[name]) for name in COUNT_COLUMNS]
    grouped = by is not None
    query = (
        select(group, week.clock, *sums)
        .where(and_(*conditions))
        .group_by(*([group] if grouped else []), week.clock)
    )
    zero_is_none = by in (Breakdown.REGION, Breakdown.TEAM)
    for key, clock, *counters in session.execute(query):
        name = NONE if zero_is_none and key == 0 else _key(key)
        counted.tally(name, clock).add_counters(counters)


def _weeks_read(rows: _Rows, by: Breakdown | None, first: dt.date, last: dt.date) -> Any:
    """The summary's rows of the whole weeks ``[first, last)``: a wide breakdown's blocks of
    weeks and the single weeks either side of them, unless split by week."""
    week = clock_week.c
    if rows.dim not in BLOCKED or by is Breakdown.WEEK:
        return and_(week.dim == rows.dim, week.week >= first, week.week < last)
    read = []
    for n, mondays in pieces(first, last).items():
        dim = rows.dim if n == 1 else block_dim(rows.dim, n)
        read.append(and_(week.dim == dim, week.week.in_(mondays)))
    return or_(*read)


def _planner_settings(session: Session) -> None:
    """For the rest of this (short) transaction on PostgreSQL: a plan for the values asked
    (psycopg prepares a statement run five times, and PostgreSQL then keeps a generic plan:
    for the summary, one that cannot tell the few "all" rows from the many school rows and
    scans the whole table - 130 ms instead of 5 at a million cases); no JIT compilation (its
    cost model JIT-compiles these aggregates over a year of facts, which took 3 s of a 7 s
    query at a million cases to save milliseconds); and room to sort and hash in memory."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '32MB'"))


def clock_figures_of(
    session: Session,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    now: dt.datetime,
    scope: Scope | None = None,
    by: Breakdown | None = None,
    filters: Mapping[Breakdown, Sequence[str]] | None = None,
) -> dict[str, dict[ClockKind, ClockFigures]]:
    """Figures per group and clock (see ``count_clocks``)."""
    return count_clocks(
        session,
        opened_from=opened_from,
        opened_to=opened_to,
        now=now,
        scope=scope,
        by=by,
        filters=filters,
    ).figures()
