"""The weekly summary of the clock facts: what the response-time figures read for whole weeks.

A year of a national hotline is millions of clock facts; its figures must come back in a
fraction of a second. ``sla_clock_week`` keeps, per week opened, clock, region, team and
(``BY_PRIORITY``) priority and per value of each breakdown, how many ended clocks were met,
missed or ended otherwise and how many fell in each reporting bucket of minutes and of share of
the allowed time (NULL for none). It is kept in the same transaction as the facts
(``casework.sla.facts.record_facts``): the facts a refresh replaces are taken away and the new
ones added, so the summary always equals the facts - and ``rebuild`` recomputes it from them,
which the tests compare against.

The wide breakdowns (school, caseworker: thousands of values) are kept in blocks of 4 and 16
weeks too, as dims of their own ("school/4w", "school/16w"), blocks counted from a Monday
(``EPOCH``): a year of school figures reads a few blocks and a few weeks (``pieces``) - at a
million cases 20,000 rows instead of 137,000. They are also kept split by priority
("school/p", "school/p/4w"...), for a priority filter or split beside them. And rows are kept
split by a second breakdown (``SECOND``: school, caseworker and channel rows by category,
school and caseworker rows by channel), a dim per value ("school/c3", "school/hsms",
"school/c3/16w") and by priority, for that breakdown's filter or split beside them.

Running clocks are not summarised (whether one is past due depends on the moment of asking):
the figures read them from the facts, which hold few of them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Uuid,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from casework.sla.models import (
    COUNT_COLUMNS,
    MINUTE_COLUMNS,
    OUTCOME_COLUMNS,
    WEEK_KEY,
    ClockFact,
    clock_week,
)
from casework.sla.resolution import BUCKET_OF, MINUTE_BOUNDS, SHARE_LABELS
from casework.sql import adding_upsert

# What each breakdown kept in the summary counts a fact under (None: no value).
DIMS: dict[str, str] = {
    "category": "category_id",
    "channel": "channel",
    "school": "school_id",
    "caseworker": "assignee_id",
}
ALL = "all"
NO_VALUE = "none"
# The rows split by priority too (a key column, like region and team), so a priority filter or
# split goes with them: not the wide breakdowns, whose rows would triple for it.
BY_PRIORITY = frozenset({ALL, "category", "channel"})
UNSPLIT = ""  # the priority of a row not split by it
# Kept in blocks of weeks besides single weeks: whose rows are many (a value per school or
# person), so a long period reads a few blocks instead of every week. They are kept split by
# priority as well, as dims of their own ("school/p"), for a priority filter or split beside
# them: every plain figure by school reads the unsplit rows, a third as many.
WIDE = ("school", "caseworker")
SPANS = (16, 4)  # weeks, the longest first; every span divides the next longer one
EPOCH = dt.date(1970, 1, 5)  # a Monday: blocks of weeks are counted from it
_MINUTES_AT = len(OUTCOME_COLUMNS)
_SHARES_AT = _MINUTES_AT + len(MINUTE_COLUMNS)
_OUTCOME_AT = {"met": 0, "missed": 1}  # anything else ended: "ended otherwise"
# What a fact needs to be counted.
FACT_COLUMNS = (
    "opened_week",
    "clock",
    "outcome",
    "minutes",
    "share_bucket",
    "region_id",
    "team_id",
    "priority",
    *DIMS.values(),
)

Key = tuple[dt.date, str, str, str, int, int, str]


def value_text(value: Any) -> str:
    """A breakdown's value as the summary keeps it ("none": no value)."""
    return NO_VALUE if value is None else str(value)


def split_dim(dim: str) -> str:
    """The summary's name for a wide breakdown's rows split by priority."""
    return f"{dim}/p"


# Kept split by a second breakdown as well, one dim per value of it ("school/c3": the school
# rows of the cases of category 3; "school/hsms": of those that came by SMS), for that
# breakdown's filter beside them or a split by it within one of them (bullying by school, a
# school's cases by category, a caseworker's own bullying cases, SMS by school): the pairs
# the console offers that only the facts could answer otherwise - a year of them in 0.6 s at a
# million cases. Per second breakdown: its letter, the fact's column, the dims split by it.
SECOND: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "category": ("c", "category_id", ("school", "caseworker", "channel")),
    "channel": ("h", "channel", ("school", "caseworker")),
}


def second_dim(dim: str, second: str, value: Any) -> str:
    """The summary's name for a breakdown's rows of the cases with one value of another."""
    return f"{dim}/{SECOND[second][0]}{value}"


def in_blocks(dim: str) -> bool:
    """Whether the summary keeps this dim's rows (a dim of single weeks) in blocks too."""
    return dim.partition("/")[0] in WIDE


def block_dim(dim: str, weeks: int) -> str:
    """The summary's name for a wide breakdown's rows in blocks of ``weeks`` weeks."""
    return f"{dim}/{weeks}w"


def block_start(week: dt.date, weeks: int) -> dt.date:
    """The first Monday of the block of ``weeks`` weeks that ``week`` falls in."""
    return week - dt.timedelta(days=(week - EPOCH).days % (7 * weeks))


def pieces(first: dt.date, last: dt.date) -> dict[int, list[dt.date]]:
    """The whole weeks from Monday ``first`` to Monday ``last`` as the fewest blocks and single
    weeks (their first Mondays, per span in weeks; 1 for single weeks): the longest block
    that starts at a week and ends by ``last`` at every step."""
    found: dict[int, list[dt.date]] = {}
    week = first
    while week < last:
        span = next(
            (
                n
                for n in SPANS
                if block_start(week, n) == week and week + dt.timedelta(weeks=n) <= last
            ),
            1,
        )
        found.setdefault(span, []).append(week)
        week += dt.timedelta(weeks=span)
    return found


def _keys(fact: Mapping[str, Any]) -> Iterator[Key]:
    week, clock = fact["opened_week"], fact["clock"]
    place = (fact["region_id"] or 0, fact["team_id"] or 0)
    yield (week, clock, ALL, "", *place, fact["priority"])
    for dim, column in DIMS.items():
        value = value_text(fact[column])
        named = _named(dim, fact["priority"])
        for second, (_letter, column_of_second, dims) in SECOND.items():
            if dim in dims:
                named.append((second_dim(dim, second, fact[column_of_second]), fact["priority"]))
        for name, priority in named:
            yield (week, clock, name, value, *place, priority)
            if in_blocks(name):
                for n in SPANS:
                    yield (block_start(week, n), clock, block_dim(name, n), value, *place, priority)


def _named(dim: str, priority: Any, unsplit: Any = UNSPLIT) -> list[tuple[str, Any]]:
    """The dims a breakdown is kept under, with the priority of each one's rows (``unsplit``
    for rows not split by it: ``UNSPLIT``, or its literal in SQL)."""
    if dim in BY_PRIORITY:
        return [(dim, priority)]
    return [(dim, unsplit), (split_dim(dim), priority)]


def _add(totals: dict[Key, list[int]], facts: Iterable[Mapping[str, Any]], sign: int) -> None:
    for fact in facts:
        if fact["outcome"] is None:
            continue  # running: read from the facts when asked
        counters = [_OUTCOME_AT.get(fact["outcome"], 2), _MINUTES_AT + BUCKET_OF[fact["minutes"]]]
        if fact["share_bucket"] is not None:
            counters.append(_SHARES_AT + fact["share_bucket"])
        for key in _keys(fact):
            row = totals.setdefault(key, [0] * len(COUNT_COLUMNS))
            for at in counters:
                row[at] += sign


def ended_facts(session: Session, case_ids: list[uuid.UUID]) -> list[Mapping[str, Any]]:
    """The ended facts of these cases as the summary counts them (before they are replaced)."""
    columns = [ClockFact.__table__.c[name] for name in FACT_COLUMNS]
    rows = session.execute(
        select(*columns).where(ClockFact.case_id.in_(case_ids), ClockFact.outcome.is_not(None))
    )
    return [dict(row._mapping) for row in rows]


def apply(
    session: Session, *, removed: Iterable[Mapping[str, Any]], added: Iterable[Mapping[str, Any]]
) -> None:
    """Take ``removed`` facts out of the summary and put ``added`` ones in (one upsert of the
    net change, keys in order so two workers never wait on each other in a circle)."""
    totals: dict[Key, list[int]] = {}
    _add(totals, removed, -1)
    _add(totals, added, 1)
    changes = [
        {
            **dict(zip(WEEK_KEY, key, strict=True)),
            **{name: n or None for name, n in zip(COUNT_COLUMNS, row, strict=True)},
        }
        for key, row in sorted(totals.items())
        if any(row)
    ]
    if changes:
        session.execute(adding_upsert(session, clock_week, WEEK_KEY, COUNT_COLUMNS), changes)


def counted_when(outcome: Any, minutes: Any, share: Any) -> list[ColumnElement[bool]]:
    """When an ended clock counts in each of ``COUNT_COLUMNS``, from its outcome, its minutes
    at reporting resolution and its share bucket (columns or expressions)."""
    return [
        outcome == "met",
        outcome == "missed",
        outcome.not_in(["met", "missed"]),
        *(minutes == bound for bound in MINUTE_BOUNDS),
        *(share == index for index in range(len(SHARE_LABELS))),
    ]


def rebuild(session: Session) -> None:
    """Recompute the whole summary from the facts (after a bulk load, or to check it): one
    INSERT ... SELECT per breakdown, so a million cases take seconds, not a replay."""
    session.execute(delete(clock_week))
    fact = ClockFact.__table__.c
    ended = fact.outcome.is_not(None)

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.nullif(func.sum(case((condition, 1), else_=0)), 0)  # NULL for none

    counters = [count_if(c) for c in counted_when(fact.outcome, fact.minutes, fact.share_bucket)]
    place = (func.coalesce(fact.region_id, 0), func.coalesce(fact.team_id, 0))
    values: dict[str, Any] = {ALL: literal("")} | {
        dim: func.coalesce(as_text(session, fact[column]), NO_VALUE) for dim, column in DIMS.items()
    }
    for dim, value in values.items():
        kept: list[tuple[str, Any, Any]] = [  # each dim's name, in SQL, and its rows' priority
            (name, literal(name), priority)
            for name, priority in _named(dim, fact.priority, literal(UNSPLIT))
        ]
        for second, (_letter, column_of_second, dims) in SECOND.items():
            if dim in dims:  # "school/c" || category_id
                name = second_dim(dim, second, "")
                split = literal(name).op("||")(cast(fact[column_of_second], String))
                kept.append((name, split, fact.priority))
        for name, named, priority in kept:
            weeks = [(named, fact.opened_week)]
            if in_blocks(name):
                weeks += [
                    (named.op("||")(f"/{n}w"), block_start_sql(session, fact.opened_week, n))
                    for n in SPANS
                ]
            for dim_of_row, week in weeks:
                keys = (week, fact.clock, dim_of_row, value, *place, priority)
                query = select(*keys, *counters).where(ended).group_by(*keys)
                session.execute(insert(clock_week).from_select([*WEEK_KEY, *COUNT_COLUMNS], query))


def block_start_sql(session: Session, week: Any, weeks: int) -> Any:
    """``block_start`` in SQL, for a date column holding Mondays."""
    days = 7 * weeks
    if session.get_bind().dialect.name == "postgresql":
        # date - date is a number of days; date - integer a date.
        return week - ((week - EPOCH) % days)
    # SQLite keeps a date as its ISO text.
    offset = cast(func.julianday(week) - func.julianday(EPOCH.isoformat()), Integer) % days
    return func.date(week, literal("-").op("||")(offset).op("||")(" days"))


def as_text(session: Session, column: Any) -> Any:
    """A column as the text ``value_text`` makes of its value (a UUID with its hyphens, as Python
    writes it; SQLite keeps UUIDs as 32 hex digits)."""
    if isinstance(column.type, Uuid) and session.get_bind().dialect.name != "postgresql":
        parts = [func.substr(column, start, length) for start, length in _UUID_PARTS]
        dashed: Any = parts[0]
        for part in parts[1:]:
            dashed = dashed.op("||")("-").op("||")(part)
        return func.lower(dashed)
    return cast(column, String)


_UUID_PARTS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
