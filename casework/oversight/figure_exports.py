"""What a supervisor takes away: the response-time table as shown, and the per-case clock rows
under it - each export an audit event naming who took what with which filters.

The clock rows of a year of a national hotline are millions: they are read a page at a time
(keyset on the facts' opening time and key), each page in its own short transaction, so an
export holds neither its rows in memory nor a transaction open for minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_

from casework.cases.models import Case
from casework.context import Acting
from casework.oversight.exports import record_export
from casework.oversight.response_times import (
    Breakdown,
    ResponseTimes,
    check_period,
    fact_filters,
    figures_of_acting,
    response_times,
)
from casework.places.models import Region, School
from casework.sla.facts import matching, share_label
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockFact, ClockKind
from casework.staff.models import StaffUser, Team
from casework.taxonomy.models import Category

PAGE_ROWS = 2000
FIGURE_HEADER = (
    "group",
    "group name",
    "clock",
    "ended",
    "met",
    "missed",
    "ended otherwise",
    "running",
    "breaches",
    "median minutes",
    "p90 minutes",
    "share within target",
)
CLOCK_ROW_HEADER = (
    "case",
    "clock",
    "priority",
    "category",
    "channel",
    "region",
    "school",
    "team",
    "caseworker",
    "opened at",
    "started at",
    "due at",
    "stopped at",
    "outcome",
    "minutes",
    "target minutes",
    "share of allowed time",
)


def _params(
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    by: Breakdown | None,
    filters: Mapping[Breakdown, Sequence[str]],
) -> dict[str, str | None]:
    params: dict[str, str | None] = {
        "opened_from": opened_from.date().isoformat(),
        "opened_to": opened_to.date().isoformat(),
        "by": by.value if by else None,
    }
    params |= {b.value: ",".join(values) for b, values in filters.items() if values}
    return params


def _figure_row(key: str, label: str, f: ClockFigures) -> tuple[Any, ...]:
    return (
        key,
        label,
        f.clock.value,
        f.stopped,
        f.met,
        f.missed,
        f.ended_otherwise,
        f.running,
        f.breaches,
        f.median_minutes,
        f.p90_minutes,
        None if f.within_target is None else round(f.within_target, 4),
    )


def figure_table(found: ResponseTimes) -> list[tuple[Any, ...]]:
    """The response-time figures as rows: overall first, then each group, clocks in order."""
    overall = found.overall
    rows = [_figure_row("all", "All cases", overall[k]) for k in ClockKind if k in overall]
    for group in found.groups:
        rows += [
            _figure_row(group.key, group.label, group.figures[k])
            for k in ClockKind
            if k in group.figures
        ]
    return rows


def export_response_times(
    acting: Acting,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    by: Breakdown | None,
    filters: Mapping[Breakdown, Sequence[str]],
    fmt: str,
) -> list[tuple[Any, ...]]:
    """The response-time table for export (audited as an export)."""
    record_export(
        acting, what="response_times", params=_params(opened_from, opened_to, by, filters), fmt=fmt
    )
    found = response_times(
        acting, opened_from=opened_from, opened_to=opened_to, by=by, filters=filters
    )
    return figure_table(found)


def begin_clock_rows(
    acting: Acting,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    filters: Mapping[Breakdown, Sequence[str]],
    fmt: str,
) -> None:
    """Check and record an export of the clock rows (before the first page is read, so that
    a period or filter the pages would refuse is refused before anything is sent)."""
    check_period(opened_from, opened_to)
    fact_filters(acting, filters)
    record_export(
        acting, what="clock_rows", params=_params(opened_from, opened_to, None, filters), fmt=fmt
    )


@dataclass(frozen=True)
class Page:
    """Some clock rows, and where the next page starts (None: this was the last)."""

    rows: list[tuple[Any, ...]]
    after: tuple[Any, ...] | None


def clock_rows_page(
    acting: Acting,
    *,
    opened_from: dt.datetime,
    opened_to: dt.datetime,
    filters: Mapping[Breakdown, Sequence[str]],
    after: tuple[Any, ...] | None = None,
    limit: int | None = None,
) -> Page:
    """One page of per-case clock rows the person acting may count, in opening order."""
    scope = figures_of_acting(acting)
    check_period(opened_from, opened_to)
    limit = limit or PAGE_ROWS
    key = (ClockFact.opened_at, ClockFact.case_id, ClockFact.clock, ClockFact.start_seq)
    conditions = [ClockFact.opened_at >= opened_from, ClockFact.opened_at < opened_to]
    if scope is not None:
        conditions.append(scope.on_facts())
    for by, values in fact_filters(acting, filters).items():
        conditions.append(matching(by, values))
    if after is not None:
        conditions.append(tuple_(*key) > tuple_(*after))
    query = (
        select(
            *key,
            Case.reference,
            ClockFact.priority,
            Category.code,
            ClockFact.channel,
            Region.code,
            School.code,
            Team.name,
            StaffUser.display_name,
            ClockFact.started_at,
            ClockFact.due_at,
            ClockFact.stopped_at,
            ClockFact.outcome,
            ClockFact.minutes,
            ClockFact.target_minutes,
            ClockFact.share_bucket,
        )
        .join(Case, Case.id == ClockFact.case_id)
        .outerjoin(Category, Category.id == ClockFact.category_id)
        .outerjoin(Region, Region.id == ClockFact.region_id)
        .outerjoin(School, School.id == ClockFact.school_id)
        .outerjoin(Team, Team.id == ClockFact.team_id)
        .outerjoin(StaffUser, StaffUser.id == ClockFact.assignee_id)
        .where(*conditions)
        .order_by(*key)
        .limit(limit)
    )
    found = acting.session.execute(query).all()
    rows = [
        (
            r.reference,
            r.clock,
            r.priority,
            r[6],
            r.channel,
            r[8],
            r[9],
            r[10],
            r[11],
            r.opened_at,
            r.started_at,
            r.due_at,
            r.stopped_at,
            r.outcome or "running",
            r.minutes,
            r.target_minutes,
            share_label(r.share_bucket),
        )
        for r in found
    ]
    after_key = tuple(found[-1][:4]) if len(found) == limit else None
    return Page(rows, after_key)
