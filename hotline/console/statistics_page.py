"""The CHI statistics page's content, shaped from the domain's published tables
(``casework.oversight.chi_statistics``): every count exactly as the use case suppressed it,
headings in words, and links to the public transparency report for the latest ended calendar
quarter among the same months (the only periods it is published for)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from casework.errors import InvalidInput
from casework.oversight.chi_statistics import GENDER_NOT_RECORDED, ChiStatistics, ChiTable
from casework.oversight.periods import Month, last_ended_month
from casework.oversight.quarters import Quarter, last_ended_quarter
from casework.oversight.suppression import Count
from hotline.runtime.labels import humanise, label

DEFAULT_MONTHS: Final = 3
# What each table counts the CHI groups against: its heading and its caption's words.
DIMENSION_NAMES: Final = {
    "channel": ("By channel", "the channel of the case's first report"),
    "age_band": ("By age band", "the child's age band"),
    "gender": ("By gender", "gender (not recorded: see above)"),
    "region": ("By region", "region"),
    "month": ("By month opened", "the month the case was opened"),
}


def chosen_months(first: str | None, last: str | None, *, now: dt.datetime) -> tuple[str, str]:
    """The months asked for as ``YYYY-MM`` (checked by the use case); by default the last
    three that have ended, and one month alone when only one end is given."""
    if not first and not last:
        end = last_ended_month(now)
        start = end
        for _ in range(DEFAULT_MONTHS - 1):
            start = start.previous()
        return str(start), str(end)
    return (first or last or "").strip(), (last or first or "").strip()


def month_name(month: Month | str) -> str:
    """``2026-11`` as "November 2026" (anything else as it came)."""
    try:
        parsed = month if isinstance(month, Month) else Month.parse(month, field="month")
    except InvalidInput:
        return str(month)
    return dt.date(parsed.year, parsed.month, 1).strftime("%B %Y")


def _period(stats: ChiStatistics) -> str:
    if stats.first == stats.last:
        return month_name(stats.first)
    return f"{month_name(stats.first)} to {month_name(stats.last)}"


@dataclass(frozen=True)
class ShownRow:
    """One CHI group's line of a table, as published."""

    name: str
    cells: list[str]
    total: str


@dataclass(frozen=True)
class ShownTable:
    """One CHI table as the page shows it."""

    id: str
    heading: str
    caption: str
    columns: list[str]
    rows: list[ShownRow]
    column_totals: list[str]
    total: str


def _column(by: str, value: str) -> str:
    if by == "channel":
        return label(value, "channel")
    if by == "month":
        return month_name(value)
    if by == "gender" and value == GENDER_NOT_RECORDED:
        return "Not recorded"
    return value


def _shown(table: ChiTable, value: Count) -> str:
    return str(table.shown(value))


def _table(table: ChiTable, period: str) -> ShownTable:
    heading, against = DIMENSION_NAMES.get(table.by, (humanise(table.by), humanise(table.by)))
    counts = table.counts
    return ShownTable(
        id=f"chi-{table.by.replace('_', '-')}",
        heading=heading,
        caption=f"Cases opened {period}: CHI group against {against}",
        columns=[_column(table.by, c) for c in table.columns],
        rows=[
            ShownRow(
                humanise(group),
                [_shown(table, c) for c in counts.cells[i]],
                _shown(table, counts.row_totals[i]),
            )
            for i, group in enumerate(table.rows)
        ],
        column_totals=[_shown(table, c) for c in counts.column_totals],
        total=_shown(table, counts.grand_total),
    )


@dataclass(frozen=True)
class PublicLink:
    """The public transparency report for one area over one quarter."""

    area: str
    period: str  # the quarter in words
    url: str


def public_quarter(stats: ChiStatistics, *, now: dt.datetime) -> Quarter | None:
    """The latest quarter that has ended and shares a month with the page's months (the
    public report is published for nothing else), if any."""
    quarter = min(Quarter.of(stats.last), last_ended_quarter(now))
    return quarter if quarter.last >= stats.first else None


def public_links(
    stats: ChiStatistics, regions: Sequence[tuple[str, str]], *, now: dt.datetime
) -> list[PublicLink]:
    """The nation's report and each region's the person may count, for ``public_quarter``."""
    quarter = public_quarter(stats, now=now)
    if quarter is None:
        return []
    period = {"period": str(quarter)}
    links = [PublicLink("The whole country", quarter.name(), "/transparency?" + urlencode(period))]
    links += [
        PublicLink(name, quarter.name(), "/transparency?" + urlencode({"region": code, **period}))
        for code, name in regions
    ]
    return links


def statistics_view(
    stats: ChiStatistics, regions: Sequence[tuple[str, str]], *, now: dt.datetime
) -> dict[str, Any]:
    """What the statistics page shows for the tables the use case published."""
    period = _period(stats)
    months = {"from": str(stats.first), "to": str(stats.last)}
    return {
        "stats": stats,
        "period": period,
        "cases": str(stats.tables[0].shown(stats.cases)) if stats.tables else "0",
        "tables": [_table(t, period) for t in stats.tables],
        "regions": [name for _, name in regions],
        "public_links": public_links(stats, regions, now=now),
        "last_ended": month_name(last_ended_quarter(now).last),
        "csv_url": "/console/figures/statistics.csv?" + urlencode(months),
        "xlsx_url": "/console/figures/statistics.xlsx?" + urlencode(months),
    }
