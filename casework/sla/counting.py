"""Response-time figures counted: whole weeks from the weekly summary, the days at either end
of the period and the running clocks from the clock facts - one set of counts (``Tally``)
whichever they come from, so the figures mean the same at any size. The summary's rows and
the facts are added up in one statement, a row per group and clock coming back.

The summary's rows each count one breakdown (``dim``) besides region, team, week and priority
(the wide school and caseworker rows apart from their rows split by priority), so it answers
whatever names at most one of category, channel, school and caseworker (split by it, filtered
by it, or a caseworker's own cases: their ``caseworker`` rows), with or without priority
beside it - or two of them where one is kept split by the other (category beside school,
caseworker or channel; channel beside school or caseworker), priority besides. A period that
names more (by school, filtered by category and channel), or filters by week, is counted from
the facts alone: still right, slower at national scale.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import Channel
from casework.sla.facts import COLUMNS, NONE, Breakdown, matching, value_of
from casework.sla.figures import ClockFigures, Tally
from casework.sla.models import COUNT_COLUMNS, ClockFact, ClockKind, clock_week
from casework.sla.resolution import MINUTE_BOUNDS
from casework.sla.weekly import (
    ALL,
    BY_PRIORITY,
    DIMS,
    NO_VALUE,
    SECOND,
    SPANS,
    as_text,
    block_dim,
    counted_when,
    in_blocks,
    pieces,
    second_dim,
    split_dim,
    value_text,
)
from casework.taxonomy.models import Category

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
    summarised = weeks is not None and (scope is None or scope.summarised)
    rows = _summary_rows(session, by, scope, filters) if summarised else None
    if rows is None or weeks is None:
        parts = [_ended_facts(session, by, [(opened_from, opened_to)], facts)]
    else:
        first, last = weeks
        # The whole weeks from the summary, the days before the first and after the last
        # from the facts.
        edges = [(opened_from, _week_start(first)), (_week_start(last), opened_to)]
        parts = [
            _summary_weeks(by, first, last, scope, filters, rows),
            _ended_facts(session, by, edges, facts),
        ]
    _count_ended(session, counted, [part for part in parts if part is not None])
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


def _count_ended(session: Session, counted: Counted, parts: Sequence[Select[Any]]) -> None:
    """Add up the ended clocks' counters of every part (group, clock, then ``COUNT_COLUMNS``)
    in SQL: one row per group and clock comes back, so a split by two thousand schools is a
    few thousand rows to tally, not tens of thousands."""
    if not parts:
        return
    rows = union_all(*parts).subquery()
    sums = [func.sum(rows.c[name]) for name in COUNT_COLUMNS]
    query = select(rows.c.grp, rows.c.clock, *sums).group_by(rows.c.grp, rows.c.clock)
    for key, clock, *counters in session.execute(query):
        counted.tally(_key(key), clock).add_counters(counters)


def _ended_facts(
    session: Session,
    by: Breakdown | None,
    periods: Sequence[tuple[dt.datetime, dt.datetime]],
    conditions: list[ColumnElement[bool]],
) -> Select[Any] | None:
    """The ended clocks of the cases opened in ``periods`` as the summary's counters: the
    facts grouped by how they came out, each group's count put in its outcome's, bucket's
    and share's counters (None when every period is empty)."""
    opened = [
        and_(ClockFact.opened_at >= start, ClockFact.opened_at < end)
        for start, end in periods
        if start < end
    ]
    if not opened:
        return None
    # Grouped by the column as it is (hashing integers, not text made of them), the counts
    # put in the summary's shape from the groups.
    raw = [COLUMNS[by].label("grp")] if by else []
    detail = (ClockFact.clock, ClockFact.outcome, ClockFact.share_bucket, ClockFact.minutes)
    n = cast(func.count(), Integer).label("n")  # the summary's type: PostgreSQL sums it to int
    grouped = (
        select(*raw, *detail, n)
        .where(ClockFact.outcome.is_not(None), or_(*opened), *conditions)
        .group_by(*raw, *detail)
        .subquery()
    )
    c = grouped.c
    group: Any = literal_column("'all'") if by is None else c.grp
    if by in _BY_DIM:  # as the summary's rows name the value
        group = func.coalesce(as_text(session, c.grp), NONE)
    # An ended clock always has its bucket (``reported_minutes``); the first if not.
    outcome, bucket, share = c.outcome, func.coalesce(c.minutes, MINUTE_BOUNDS[0]), c.share_bucket

    counters = [case((when, c.n)) for when in counted_when(outcome, bucket, share)]
    return select(
        group.label("grp"),
        c.clock,
        *(counter.label(name) for counter, name in zip(counters, COUNT_COLUMNS, strict=True)),
    )


@dataclass(frozen=True)
class _Rows:
    """Which rows of the summary count the clocks asked for: those of one breakdown (``dim``),
    with one of ``values`` if given."""

    dim: str
    values: list[str] | None = None
    priorities: list[str] | None = None  # of the rows split by priority
    # Of the rows split by a second breakdown (``weekly.SECOND``): which, and the dim of each
    # of its values read, with the value.
    second: str | None = None
    seconds: dict[str, str] | None = None

    def dims(self) -> list[str]:
        """The dims read (for whole weeks; blocks are named after them)."""
        return [self.dim] if self.seconds is None else list(self.seconds)


def _summary_rows(
    session: Session,
    by: Breakdown | None,
    scope: Scope | None,
    filters: Mapping[Breakdown, Sequence[str]],
) -> _Rows | None:
    """The summary's rows that answer this, or None when only the facts can: a row counts one
    breakdown, so at most one may be named by the split, the filters and the scope - or two
    where one's rows are kept split by the other (``weekly.SECOND``) - and priority besides
    where the rows are split by it."""
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
    priorities = filters.get(Breakdown.PRIORITY)
    by_priority = bool(priorities) or by is Breakdown.PRIORITY
    if len(named) == 2:  # one split by the other (by priority too)
        split = _split_by_second(session, named)
        return split and replace(split, priorities=list(priorities) if priorities else None)
    if len(named) > 1:
        return None
    ((dim, wanted),) = named.items() if named else ((ALL, None),)
    if by_priority and dim not in BY_PRIORITY:
        dim = split_dim(dim)  # school and caseworker rows are split by priority apart
    return _Rows(dim, wanted, list(priorities) if priorities else None)


def _split_by_second(session: Session, named: dict[str, list[str] | None]) -> _Rows | None:
    """The rows of one of two named breakdowns split by the other, if the summary keeps them."""
    for second, (_letter, _column, dims) in SECOND.items():
        if second not in named:
            continue
        ((dim, wanted),) = [(d, values) for d, values in named.items() if d != second]
        if dim not in dims:
            continue
        values = named[second]
        if values is None:  # split by it: every value
            values = _every_value(session, second)
        if not values:
            return None  # no category yet: nothing to read the rows of
        return _Rows(
            dim, wanted, second=second, seconds={second_dim(dim, second, v): v for v in values}
        )
    return None


def _every_value(session: Session, dim: str) -> list[str]:
    """Every value a second breakdown may have, as the summary names them."""
    if dim == "category":
        return [str(i) for i in session.scalars(select(Category.id))]
    return [channel.value for channel in Channel]


def _ids(values: Sequence[str]) -> list[int]:
    """Region or team filter values as the summary keeps them (0: none)."""
    return [0 if v == NONE else int(v) for v in values]


def _summary_weeks(
    by: Breakdown | None,
    first: dt.date,
    last: dt.date,
    scope: Scope | None,
    filters: Mapping[Breakdown, Sequence[str]],
    rows: _Rows,
) -> Select[Any]:
    """The summary's ``rows`` of the whole weeks ``[first, last)``: group (as the facts'
    part of the same statement names it), clock and the counters."""
    week = clock_week.c
    group: Any
    if by is None:
        group = literal_column("'all'")
    elif rows.seconds is not None and _BY_DIM.get(by) == rows.second:
        group = case(  # the value of the second breakdown whose rows (or blocks) these are
            *(
                (week.dim.in_([dim, *(block_dim(dim, n) for n in SPANS)]), literal(value))
                for dim, value in rows.seconds.items()
            ),
            else_=literal(NONE),
        )
    elif by in _BY_DIM:
        group = week.value  # already text, "none" for no value
    elif by in (Breakdown.REGION, Breakdown.TEAM):
        group = func.nullif(_BY_KEY[by], 0)  # 0: none, as the facts' NULL
    else:
        group = _BY_KEY[by]  # a week or a priority, as the facts hold it
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
    return select(group.label("grp"), week.clock, *(week[name] for name in COUNT_COLUMNS)).where(
        and_(*conditions)
    )


def _weeks_read(rows: _Rows, by: Breakdown | None, first: dt.date, last: dt.date) -> Any:
    """The summary's rows of the whole weeks ``[first, last)``: a wide breakdown's blocks of
    weeks and the single weeks either side of them, unless split by week."""
    week = clock_week.c
    dims = rows.dims()
    if not in_blocks(dims[0]) or by is Breakdown.WEEK:
        return and_(week.dim.in_(dims), week.week >= first, week.week < last)
    read = []
    for n, mondays in pieces(first, last).items():
        named = dims if n == 1 else [block_dim(dim, n) for dim in dims]
        read.append(and_(week.dim.in_(named), week.week.in_(mondays)))
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
