"""The clock facts: how every clock of every case came out, kept with the case's dimensions,
and the response-time figures aggregated from them.

``record_facts`` runs inside the SLA refresh (``casework.sla.service.refresh_stale``), the same
pass that rebuilds the clock index from the event log whenever a case's history grows, so the
facts are the engine's own clocks (one definition of "met") and never more than one worker
pass behind. ``clock_figures_of`` is then one GROUP BY over an indexed table: figures for a
year of a national hotline without replaying its events.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from casework.intake.models import Report
from casework.sla.clocks import ClockState, Outcome
from casework.sla.figures import ClockFigures, Tally, state_minutes
from casework.sla.models import ClockFact, ClockKind


class Breakdown(enum.StrEnum):
    """What response-time figures may be split and filtered by."""

    PRIORITY = "priority"
    CATEGORY = "category"
    CHANNEL = "channel"
    REGION = "region"
    SCHOOL = "school"
    TEAM = "team"
    CASEWORKER = "caseworker"
    WEEK = "week"  # the week (from Monday, UTC) the case was opened


COLUMNS: dict[Breakdown, Any] = {
    Breakdown.PRIORITY: ClockFact.priority,
    Breakdown.CATEGORY: ClockFact.category_id,
    Breakdown.CHANNEL: ClockFact.channel,
    Breakdown.REGION: ClockFact.region_id,
    Breakdown.SCHOOL: ClockFact.school_id,
    Breakdown.TEAM: ClockFact.team_id,
    Breakdown.CASEWORKER: ClockFact.assignee_id,
    Breakdown.WEEK: ClockFact.opened_week,
}
NONE = "none"  # the group of clocks with no value (no region yet, nobody assigned...)
# How long a clock took against the time it was allowed, in percent: up to each bound, then
# more than the last.
SHARE_BOUNDS = (25, 50, 75, 100, 150, 200)
SHARE_LABELS = ("up to 25%", "25-50%", "50-75%", "75-100%", "100-150%", "150-200%", "over 200%")


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week ``moment`` falls in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def share_bucket(state: ClockState) -> int | None:
    """Which share of its allowed time a stopped clock took (an index of ``SHARE_LABELS``)."""
    if state.stopped_at is None or state.due_at is None:
        return None
    allowed = state.due_at - state.started_at
    taken = state.stopped_at - state.started_at
    for index, bound in enumerate(SHARE_BOUNDS):
        if taken * 100 <= allowed * bound:
            return index
    return len(SHARE_BOUNDS)


def share_label(bucket: int | None) -> str | None:
    """The words for a share bucket (None while the clock runs)."""
    return None if bucket is None else SHARE_LABELS[bucket]


def _channels(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The channel of each case's first report."""
    found: dict[uuid.UUID, str] = {}
    rows = session.execute(
        select(Report.case_id, Report.channel)
        .where(Report.case_id.in_(case_ids))
        .order_by(Report.case_id, Report.received_at)
    )
    for case_id, channel in rows:
        found.setdefault(case_id, channel.value)
    return found


def record_facts(
    session: Session, cases: Sequence[Any], clocks: Mapping[uuid.UUID, list[ClockState]]
) -> None:
    """Replace the facts of these cases (rows with ``id, opened_at, category_id, region_id,
    school_id, team_id, assigned_to_id``) with how their clocks stand now."""
    case_ids = [c.id for c in cases]
    if not case_ids:
        return
    channels = _channels(session, case_ids)
    session.execute(delete(ClockFact).where(ClockFact.case_id.in_(case_ids)))
    rows = []
    for c in cases:
        for state in clocks.get(c.id, []):
            outcome = state.outcome()
            rows.append(
                {
                    "case_id": c.id,
                    "clock": state.clock.value,
                    "start_seq": state.start_seq,
                    "opened_at": c.opened_at,
                    "opened_week": week_of(c.opened_at),
                    "started_at": state.started_at,
                    "due_at": state.due_at,
                    "stopped_at": state.stopped_at,
                    "outcome": outcome.value if outcome else None,
                    "minutes": state_minutes(state),
                    "target_minutes": state.target_minutes,
                    "share_bucket": share_bucket(state),
                    "priority": state.priority.value,
                    "category_id": c.category_id,
                    "channel": channels.get(c.id, "web"),
                    "region_id": c.region_id,
                    "school_id": c.school_id,
                    "team_id": c.team_id,
                    "assignee_id": c.assigned_to_id,
                }
            )
    if rows:
        session.execute(insert(ClockFact), rows)


def _value(by: Breakdown, text: str) -> Any:
    """A filter value as the column holds it."""
    if by in (Breakdown.CATEGORY, Breakdown.REGION, Breakdown.SCHOOL, Breakdown.TEAM):
        return int(text)
    if by is Breakdown.CASEWORKER:
        return uuid.UUID(text)
    if by is Breakdown.WEEK:
        return dt.date.fromisoformat(text)
    return text


def matching(by: Breakdown, values: Sequence[str]) -> ColumnElement[bool]:
    """Facts whose ``by`` is one of ``values`` (as the facts hold them; 'none': no value)."""
    column = COLUMNS[by]
    wanted = [_value(by, v) for v in values if v != NONE]
    clause: ColumnElement[bool] = column.in_(wanted)
    return or_(clause, column.is_(None)) if NONE in values else clause


def _key(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _conditions(
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    scope: ColumnElement[bool] | None,
    filters: Mapping[Breakdown, Sequence[str]] | None,
) -> list[ColumnElement[bool]]:
    conditions = [ClockFact.opened_at >= opened_from, ClockFact.opened_at < opened_to]
    if scope is not None:
        conditions.append(scope)
    return conditions + [matching(b, values) for b, values in (filters or {}).items()]


def _figures_query(
    by: Breakdown | None, conditions: list[ColumnElement[bool]], now: dt.datetime
) -> Select[Any]:
    """One statement, one pass over the facts, one row per group and clock: how many met,
    missed, ended otherwise, run, and run past due, with the median and 90th percentile
    minutes of the ended ones (nearest rank: the least minutes whose running count of ended
    clocks reaches the share of them, in integers - exactly ``counted_percentile``). Counted
    in the database, so a year of a national hotline sends back a few rows per group, not its
    distribution of minutes."""
    group = COLUMNS[by] if by else literal_column("'all'")
    breached = case((and_(ClockFact.outcome.is_(None), ClockFact.due_at < now), 1), else_=0)
    dist = (
        select(
            group.label("g"),
            ClockFact.clock.label("clock"),
            ClockFact.outcome.label("outcome"),
            func.coalesce(ClockFact.minutes, 0).label("m"),
            func.count().label("n"),
            func.sum(breached).label("late"),
        )
        .where(*conditions)
        .group_by(*([group] if by else []), ClockFact.clock, ClockFact.outcome, ClockFact.minutes)
        .subquery("dist")
    )
    ended = case((dist.c.outcome.is_not(None), dist.c.n), else_=0)
    part = (dist.c.g, dist.c.clock)
    ranked = select(
        dist,
        func.sum(ended).over(partition_by=part, order_by=dist.c.m).label("upto"),
        func.sum(ended).over(partition_by=part).label("total"),
    ).subquery("ranked")
    r = ranked.c

    def count_of(outcome: ColumnElement[bool]) -> Any:
        return func.sum(case((outcome, r.n), else_=0))

    def rank(share_num: int, share_den: int) -> Any:
        reached = and_(r.outcome.is_not(None), r.upto * share_den >= r.total * share_num)
        return func.min(case((reached, r.m)))

    return select(
        r.g,
        r.clock,
        count_of(r.outcome == Outcome.MET.value),
        count_of(r.outcome == Outcome.MISSED.value),
        count_of(r.outcome.not_in([Outcome.MET.value, Outcome.MISSED.value])),
        count_of(r.outcome.is_(None)),
        func.sum(r.late),
        rank(1, 2),
        rank(9, 10),
    ).group_by(r.g, r.clock)


def clock_figures_of(
    session: Session,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    now: dt.datetime,
    scope: ColumnElement[bool] | None = None,
    by: Breakdown | None = None,
    filters: Mapping[Breakdown, Sequence[str]] | None = None,
) -> dict[str, dict[ClockKind, ClockFigures]]:
    """Figures per group (``"all"`` without ``by``; ids, codes or ISO weeks as text, ``"none"``
    for no value) and per clock, for the cases opened in ``[opened_from, opened_to)`` within
    ``scope`` (a clause on ``ClockFact``) and matching ``filters``."""
    query = _figures_query(by, _conditions(opened_from, opened_to, scope, filters), now)
    _without_jit(session)
    found: dict[str, dict[ClockKind, ClockFigures]] = {}
    for key, clock, met, missed, other, running, late, p50, p90 in session.execute(query):
        tally = Tally()
        tally.count(Outcome.MET.value, int(met), 0)
        tally.count(Outcome.MISSED.value, int(missed), 0)
        tally.count(Outcome.STOPPED.value, int(other), 0)
        tally.count(None, int(running), int(late or 0))
        kind = ClockKind(clock)
        found.setdefault(_key(key), {})[kind] = tally.with_percentiles(
            kind, None if p50 is None else int(p50), None if p90 is None else int(p90)
        )
    return found


def _without_jit(session: Session) -> None:
    """For the rest of this (short) transaction on PostgreSQL: no JIT compilation (its cost
    model JIT-compiles these aggregates over a year of facts, which took 3 s of a 7 s query
    at a million cases to save milliseconds), and room to sort and hash in memory (a
    year's groups spilled to disk at the default 4 MB)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '32MB'"))


def target_shares_of(
    session: Session,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    scope: ColumnElement[bool] | None = None,
    filters: Mapping[Breakdown, Sequence[str]] | None = None,
) -> dict[ClockKind, list[int]]:
    """Per clock, how many stopped clocks took each share of their allowed time (counts in
    the order of ``SHARE_LABELS``), for the same cases as ``clock_figures_of``."""
    query = (
        select(ClockFact.clock, ClockFact.share_bucket, func.count())
        .where(
            *_conditions(opened_from, opened_to, scope, filters),
            ClockFact.share_bucket.is_not(None),
        )
        .group_by(ClockFact.clock, ClockFact.share_bucket)
    )
    _without_jit(session)
    found: dict[ClockKind, list[int]] = {}
    for clock, bucket, n in session.execute(query).all():
        if bucket is not None:  # excluded by the query; says so to the type checker
            found.setdefault(ClockKind(clock), [0] * len(SHARE_LABELS))[bucket] += int(n)
    return found
