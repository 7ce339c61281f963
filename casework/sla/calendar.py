"""Working time: a region's business hours and holidays, and pauses, as intervals in UTC.

Pure functions over aware datetimes. A clock runs in the *running* intervals: the calendar's
open windows (or all the time, for ``AROUND_THE_CLOCK``) minus the pauses. ``elapsed``
measures running time between two instants; ``reach`` finds the instant at which a given
amount of running time has passed (None while an open-ended pause holds it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

UTC: Final = dt.UTC
# How far ahead a clock may look for working time (a calendar closed for a year is a mistake
# in its configuration, not a reason to loop for ever).
HORIZON: Final = dt.timedelta(days=400)

Interval = tuple[dt.datetime, dt.datetime | None]  # a pause; None: not resumed yet


@dataclass(frozen=True)
class BusinessCalendar:
    """Open hours per weekday (Monday = 0) in a time zone, and days closed."""

    timezone: str = "UTC"
    hours: dict[int, tuple[dt.time, dt.time]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()

    def windows(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Open windows (UTC) that end after ``start``, in order, clipped to start there."""
        if not self.hours:  # no hours at all: treated as always open
            yield start, start + HORIZON
            return
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date() - dt.timedelta(days=1)  # a window may span midnight
        last = (start + HORIZON).astimezone(zone).date()
        while day <= last:
            opening = self.hours.get(day.weekday())
            if opening is not None and day not in self.holidays:
                begin = dt.datetime.combine(day, opening[0], zone).astimezone(UTC)
                close_day = day if opening[1] > opening[0] else day + dt.timedelta(days=1)
                end = dt.datetime.combine(close_day, opening[1], zone).astimezone(UTC)
                if end > start:
                    yield max(begin, start), end
            day += dt.timedelta(days=1)


AROUND_THE_CLOCK: Final = BusinessCalendar()


def parse_hours(raw: dict[str, object]) -> dict[int, tuple[dt.time, dt.time]]:
    """``{"0": ["08:00", "18:00"], ...}`` as stored, to weekday -> (open, close)."""
    hours: dict[int, tuple[dt.time, dt.time]] = {}
    for weekday, span in raw.items():
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise ValueError(f"hours for weekday {weekday} must be [open, close]")
        day = int(weekday)
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
        opening, closing = (dt.time.fromisoformat(str(t)) for t in span)
        if opening.tzinfo is not None or closing.tzinfo is not None:
            raise ValueError("hours are wall-clock times in the region's time zone: no offsets")
        if opening == closing:
            raise ValueError(f"hours for weekday {weekday} open and close at the same time")
        hours[day] = (opening, closing)
    for day, (opening, closing) in hours.items():
        following = hours.get((day + 1) % 7)
        if closing < opening and following is not None and following[0] < closing:
            raise ValueError(f"hours of weekday {day} run into the next day's opening hours")
    return hours


def _running(
    calendar: BusinessCalendar, start: dt.datetime, pauses: Sequence[Interval]
) -> Iterator[tuple[dt.datetime, dt.datetime | None]]:
    """Running intervals from ``start``: the open windows minus the pauses. The last one is
    (t, None) when an open-ended pause stops the clock from t on."""
    ordered = sorted(pauses, key=lambda p: p[0])
    for begin, end in calendar.windows(start):
        cursor = begin
        for p_start, p_end in ordered:
            if p_end is not None and p_end <= cursor:
                continue
            if p_start >= end:
                break
            if p_start > cursor:
                yield cursor, p_start
            if p_end is None:
                yield max(cursor, p_start), None
                return
            cursor = max(cursor, p_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def elapsed(
    calendar: BusinessCalendar,
    start: dt.datetime,
    until: dt.datetime,
    pauses: Sequence[Interval] = (),
) -> dt.timedelta:
    """Running time between ``start`` and ``until``."""
    total = dt.timedelta(0)
    for begin, end in _running(calendar, start, pauses):
        if begin >= until or end is None:
            break
        total += min(end, until) - begin
    return total


def reach(
    calendar: BusinessCalendar,
    start: dt.datetime,
    amount: dt.timedelta,
    pauses: Sequence[Interval] = (),
) -> dt.datetime | None:
    """The instant when ``amount`` of running time has passed since ``start``."""
    left = amount
    for begin, end in _running(calendar, start, pauses):
        if end is None:
            return None
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return None
