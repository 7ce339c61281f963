"""Statistics in the Child Helpline International (CHI) data framework, safe to send on.

Cases opened in whole months are counted by the CHI group of their category against each
dimension CHI asks for: the channel of the case's first report, the child's age band, gender,
region and month. Each is published as its own table (CHI group x dimension, with row and
column totals) after small-cell and complementary suppression, so no count under the
threshold is shown and none can be worked out from the totals. The cube is read from the
monthly case summary (``casework.sla.case_months``), which the SLA refresh keeps as cases
change; the tables are its margins.

Age bands (CHI's age groups for children; adults apart; no age given is "age unknown"):
0-6, 7-9, 10-12, 13-15, 16-17, 18 and over. They are written "10-12 years" because a
spreadsheet reads a bare "10-12" as a date. Gender is not recorded by the hotline yet (parties
come later), so every case is counted under "not recorded": nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.context import Acting
from casework.enums import Channel
from casework.oversight.periods import Month, MonthPeriod, month_period
from casework.oversight.response_times import figures_of_acting
from casework.oversight.suppression import Count, SuppressedTable, shown, suppress
from casework.places.models import Region
from casework.protection.keys import Keyring
from casework.sla.case_months import ADULT, AGE_BANDS, AGE_UNKNOWN, UNKNOWN_CHANNEL, count_months
from casework.sla.counting import Scope
from casework.staff.models import Role
from casework.taxonomy.models import Category

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
        # As the response-time figures count: a supervisor their regions, never a restricted
        # case about a school they are linked to; auditors and administrators everything.
        scope: Scope | None = figures_of_acting(who)
        actor, national = who.principal.actor, who.principal.role is not Role.SUPERVISOR
    else:  # the operator holds the database and the keys already (Operating)
        scope, actor, national = None, who.actor, True
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


def _cube(session: Session, period: MonthPeriod, scope: Scope | None) -> Cube:
    """Cases opened in the period, by every dimension at once, from the monthly case summary
    (a few thousand rows for a national year, whatever the number of cases)."""
    regions = None if scope is None else scope.regions
    hidden = frozenset() if scope is None else scope.hidden_schools
    counted = count_months(
        session,
        first=period.start.date(),
        end=period.end.date(),
        regions=regions,
        hidden_schools=hidden,
    )
    groups: dict[int, str] = dict(session.execute(select(Category.id, Category.chi_group)).all())
    cube: Cube = {}
    for (month, category_id, channel, band, region_id), count in counted.items():
        channel_code = channel if channel in _CHANNELS else UNKNOWN_CHANNEL
        key = (str(groups[category_id]), channel_code, band, region_id, f"{month:%Y-%m}")
        cube[key] = cube.get(key, 0) + count
    return cube


_CHANNELS: Final = frozenset(c.value for c in Channel)


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
        channels.append(UNKNOWN_CHANNEL)
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
