"""The response-time dashboard's content, shaped from the domain's figures
(``casework.oversight.response_times``): tables in words and minutes, and the charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from casework.oversight.response_times import SHARE_LABELS, Breakdown, Group, ResponseTimes
from casework.sla.facts import week_of
from casework.sla.figures import ClockFigures
from casework.sla.models import ClockKind
from hotline.console.charts import (
    Chart,
    compliance_chart,
    distribution_chart,
    percent,
    trend_chart,
)
from hotline.runtime.labels import CLOCK_NAMES

# The clocks a trend line is drawn for: the ones every case runs.
TREND_CLOCKS = (
    ClockKind.ACKNOWLEDGE,
    ClockKind.TRIAGE,
    ClockKind.FIRST_RESPONSE,
    ClockKind.REFERRAL_DECISION,
)
BREAKDOWN_NAMES = {
    Breakdown.PRIORITY: "Priority",
    Breakdown.CATEGORY: "Category",
    Breakdown.CHANNEL: "Channel",
    Breakdown.REGION: "Region",
    Breakdown.SCHOOL: "School",
    Breakdown.TEAM: "Team",
    Breakdown.CASEWORKER: "Caseworker",
}
# The last share of the allowed time that is still within it (the target's bucket).
TARGET_BUCKET = SHARE_LABELS[3]


def minutes(value: float | None) -> str:
    """Minutes in words a person reads at a glance: 45 min, 3 h 15 min, 2 d 4 h."""
    if value is None:
        return "\N{EN DASH}"
    total = int(value)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@dataclass(frozen=True)
class Row:
    """One line of a figures table."""

    name: str
    f: ClockFigures

    @property
    def cells(self) -> list[str]:
        """The figures in words, in the table's column order."""
        f = self.f
        return [
            str(f.stopped),
            str(f.met),
            str(f.missed),
            str(f.ended_otherwise),
            str(f.running),
            str(f.breaches),
            minutes(f.median_minutes),
            minutes(f.p90_minutes),
            percent(f.within_target),
        ]


COLUMNS = (
    "Ended",
    "Met",
    "Missed",
    "Ended otherwise",
    "Running",
    "Breaches",
    "Median",
    "90th percentile",
    "Within target",
)


def _weeks(opened_from: dt.datetime, opened_to: dt.datetime) -> list[dt.date]:
    """Every week the period touches, so a week with no cases is a gap, not left out."""
    first, last = week_of(opened_from), week_of(opened_to - dt.timedelta(microseconds=1))
    return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _trend(found: ResponseTimes) -> Chart:
    weeks = _weeks(found.opened_from, found.opened_to)
    by_week = {dt.date.fromisoformat(g.key): g.figures for g in found.trend}
    series = {
        CLOCK_NAMES[clock]: [_share(by_week.get(week, {}).get(clock)) for week in weeks]
        for clock in TREND_CLOCKS
    }
    return trend_chart(
        weeks, series, title="Share within target, by week the case was opened", unit="%"
    )


def _share(figures: ClockFigures | None) -> float | None:
    return figures.within_target if figures else None


def dashboard(found: ResponseTimes, clock: ClockKind) -> dict[str, Any]:
    """What the figures page shows."""
    by_name = BREAKDOWN_NAMES.get(found.by, "") if found.by else ""
    groups: list[Group] = [g for g in found.groups if clock in g.figures]
    clock_name = CLOCK_NAMES[clock]
    return {
        "overall": [Row(CLOCK_NAMES[k], found.overall[k]) for k in ClockKind if k in found.overall],
        "groups": [Row(g.label, g.figures[clock]) for g in groups],
        "columns": COLUMNS,
        "clock_name": clock_name,
        "by_name": by_name,
        "trend_chart": _trend(found),
        "compliance_chart": compliance_chart(
            [g.label for g in groups],
            [g.figures[clock].within_target for g in groups],
            title=f"{clock_name}: share within target by {by_name.lower()}",
        )
        if found.by
        else None,
        "distribution_chart": distribution_chart(
            list(SHARE_LABELS),
            found.target_shares.get(clock, [0] * len(SHARE_LABELS)),
            title=f"{clock_name}: time taken against the time allowed",
            target_label=TARGET_BUCKET,
        ),
    }
