"""Statistics in the Child Helpline International (CHI) data framework, safe to send on.

Cases opened in whole months are counted by the CHI group of their category against each
dimension CHI asks for: the channel of the case's first report, the child's age band, gender,
region and month. Each is published as its own table (CHI group x dimension, with row and
column totals) after small-cell and complementary suppression, so no count under the
threshold is shown and none can be worked out from the totals. The counting is one GROUP BY
over the whole cube; the tables are its margins.

Age bands (CHI's age groups for children; adults apart; no age given is "age unknown"):
0-6, 7-9, 10-12, 13-15, 16-17, 18 and over. They are written "10-12 years" because a
spreadsheet reads a bare "10-12" as a date. Gender is not recorded by the hotline yet (parties
come later), so every case is counted under "not recorded": nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, literal, select, true
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.context import Acting
from casework.enums import Channel
from casework.intake.models import Report
from casework.oversight.periods import Month, MonthPeriod, month_period
from casework.oversight.statistics import figures_scope
from casework.oversight.suppression import Count, SuppressedTable, shown, suppress
from casework.places.models import Region
from casework.protection.keys import Keyring
from casework.staff.models import Role
from casework.taxonomy.models import Category

AGE_BANDS: Final = (
    ("0-6 years", 6),
    ("7-9 years", 9),
    ("10-12 years", 12),
    ("13-15 years", 15),
    ("16-17 years", 17),
)
ADULT: Final = "18 years and over"
AGE_UNKNOWN: Final = "age unknown"
GENDER_NOT_RECORDED: Final = "not recorded"
GENDER_NOTE: Final = (
    "The hotline does not record gender yet: every case is counted as 'not recorded'."
)
UNPLACED: Final = "unplaced"
UNPLACED_NAME: Final = "Region not known"
DIMENSIONS: Final = ("channel", "age_band", "gender", "region", "month")
CSV_HEADER: Final = ("table", "chi_group", "value", "count")
ALL: Final = "all"


class Operator(Protocol):
    """The operator at the command line (``casework.administration.operator.Operating``)."""

    @property
    def session(self) -> Session: ...
    @property
    def keyring(self) -> Keyring: ...
    @property
    def now(self) -> dt.datetime: ...
    @property
    def actor(self) -> Actor: ...


@dataclass(frozen=True)
class ChiTable:
    """CHI groups (rows) against one dimension (columns), suppressed."""

    by: str
    rows: list[str]
    columns: list[str]
    counts: SuppressedTable

    def shown(self, value: Count) -> int | str:
        """A count as published: the number, or "<threshold" for any hidden count."""
        return shown(value, self.counts.threshold)


@dataclass(frozen=True)
class ChiStatistics:
    """The published tables for the cases opened from ``first`` to ``last``."""

    first: Month
    last: Month
    threshold: int
    national: bool  # False: only the regions the person may count
    cases: Count  # None: too few to show; HIDDEN: hidden with a small one
    tables: list[ChiTable]

    def as_data(self) -> dict[str, object]:
        """The statistics as JSON-ready data (hidden counts as "<threshold")."""
        return {
            "from": str(self.first),
            "to": str(self.last),
            "threshold": self.threshold,
            "scope": "national" if self.national else "own_regions",
            "cases": _shown(self.cases, self.threshold),
            "gender_note": GENDER_NOTE,
            "tables": [
                {
                    "by": t.by,
                    "rows": t.rows,
                    "columns": t.columns,
                    "cells": [[t.shown(c) for c in row] for row in t.counts.cells],
                    "row_totals": [t.shown(c) for c in t.counts.row_totals],
                    "column_totals": [t.shown(c) for c in t.counts.column_totals],
                    "total": t.shown(t.counts.grand_total),
                }
                for t in self.tables
            ],
        }

    def csv_rows(self) -> Iterator[tuple[str, str, str, int | str]]:
        """One row per published count (``CSV_HEADER``), totals as ``all``."""
        for t in self.tables:
            for i, group in enumerate(t.rows):
                for j, column in enumerate(t.columns):
                    yield (t.by, group, column, t.shown(t.counts.cells[i][j]))
                yield (t.by, group, ALL, t.shown(t.counts.row_totals[i]))
            for j, column in enumerate(t.columns):
                yield (t.by, ALL, column, t.shown(t.counts.column_totals[j]))
            yield (t.by, ALL, ALL, t.shown(t.counts.grand_total))


def _shown(value: Count, threshold: int) -> int | str:
    return shown(value, threshold)


def chi_statistics(
    who: Acting | Operator,
    *,
    first: str | Month,
    last: str | Month,
    threshold: int,
    exported_as: str | None = None,
) -> ChiStatistics:
    """The CHI tables for the whole months ``first`` to ``last`` (``YYYY-MM``, at most 12,
    none to come): supervisors count their regions, auditors, administrators and the
    operator all; every look is audited (as an export when ``exported_as`` names a file
    format)."""
    if isinstance(who, Acting):
        who.require(Action.STATS_READ)
        scope, actor = figures_scope(who), who.principal.actor
        national = who.principal.role is not Role.SUPERVISOR
    else:  # the operator holds the database and the keys already (Operating)
        scope, actor, national = true(), who.actor, True
    period = month_period(first, last, now=who.now, ended_only=False)
    session = who.session
    cube = _cube(session, period, scope)
    tables = _tables(session, period, cube, national=national, threshold=threshold)
    total = sum(cube.values())
    record_event(
        session,
        keyring=who.keyring,
        action=AuditAction.STATS_EXPORTED if exported_as else AuditAction.STATS_READ,
        actor=actor,
        object_type="chi_statistics",
        object_id="-",
        details={
            "from": str(period.first),
            "to": str(period.last),
            "cases": total,
            "format": exported_as,
        },
        now=who.now,
    )
    return ChiStatistics(
        first=period.first,
        last=period.last,
        threshold=threshold,
        national=national,
        cases=tables[0].counts.grand_total if tables else None,
        tables=tables,
    )


# (chi_group, channel, age band, region id, month) -> cases
Cube = dict[tuple[str, str, str, int | None, str], int]


def age_band(age: SQLColumnExpression[int | None]) -> ColumnElement[str]:
    """The CHI age band of an age, in SQL."""
    return case(
        (age.is_(None), AGE_UNKNOWN),
        *((age <= upper, name) for name, upper in AGE_BANDS),
        else_=ADULT,
    )


def _month_of(
    moment: SQLColumnExpression[dt.datetime], months: Sequence[Month]
) -> ColumnElement[str]:
    # Comparisons with the months' boundaries, not a date function: the same SQL on SQLite
    # and PostgreSQL, and the index on opened_at still serves the period's filter.
    if len(months) == 1:
        return literal(str(months[0]))
    return case(
        *((moment < m.next().start, str(m)) for m in months[:-1]),
        else_=str(months[-1]),
    )


def _cube(session: Session, period: MonthPeriod, scope: ColumnElement[bool]) -> Cube:
    """Cases opened in the period, counted in one query by every dimension at once."""
    first_channel = (
        select(Report.channel)
        .where(Report.case_id == Case.id)
        .order_by(Report.received_at, Report.id)
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    per_case = (
        select(
            Category.chi_group.label("chi_group"),
            first_channel.label("channel"),
            age_band(Case.child_age).label("age_band"),
            Case.region_id.label("region_id"),
            _month_of(Case.opened_at, period.months).label("month"),
        )
        .join(Category, Category.id == Case.category_id)
        .where(scope, Case.opened_at >= period.start, Case.opened_at < period.end)
        .subquery()
    )
    dims = (
        per_case.c.chi_group,
        per_case.c.channel,
        per_case.c.age_band,
        per_case.c.region_id,
        per_case.c.month,
    )
    cube: Cube = {}
    for group, channel, band, region_id, month, count in session.execute(
        select(*dims, func.count()).group_by(*dims)
    ):
        channel_code = Channel(channel).value if channel is not None else "unknown"
        key = (str(group), channel_code, str(band), region_id, str(month))
        cube[key] = cube.get(key, 0) + int(count)
    return cube


def _tables(
    session: Session, period: MonthPeriod, cube: Cube, *, national: bool, threshold: int
) -> list[ChiTable]:
    groups = list(
        session.scalars(
            select(Category.chi_group)
            .group_by(Category.chi_group)
            .order_by(func.min(Category.sort_order), Category.chi_group)
        )
    )
    regions = {
        r.id: r.name for r in session.scalars(select(Region).order_by(Region.name, Region.code))
    }
    seen_regions = {key[3] for key in cube}
    region_ids: list[int | None] = [rid for rid in regions if national or rid in seen_regions]
    if None in seen_regions:
        region_ids.append(None)
    channels = [c.value for c in Channel]
    if any(key[1] not in channels for key in cube):
        channels.append("unknown")
    # Each dimension's columns: the key a case is counted under, and the heading shown.
    columns: dict[str, list[tuple[object, str]]] = {
        "channel": [(c, c) for c in channels],
        "age_band": [(b, b) for b in [name for name, _ in AGE_BANDS] + [ADULT, AGE_UNKNOWN]],
        "gender": [(GENDER_NOT_RECORDED, GENDER_NOT_RECORDED)],
        "region": [(rid, UNPLACED_NAME if rid is None else regions[rid]) for rid in region_ids],
        "month": [(str(m), str(m)) for m in period.months],
    }
    position = {"channel": 1, "age_band": 2, "region": 3, "month": 4}
    row_of = {group: i for i, group in enumerate(groups)}
    tables = []
    for by in DIMENSIONS:
        index = {key: j for j, (key, _) in enumerate(columns[by])}
        counts = [[0] * len(index) for _ in groups]
        for key, count in cube.items():
            column = index[key[position[by]]] if by in position else 0
            counts[row_of[key[0]]][column] += count
        headings = [heading for _, heading in columns[by]]
        tables.append(ChiTable(by, groups, headings, suppress(counts, threshold=threshold)))
    return tables
