"""Periods of figures and of the audit trail: whole days and whole calendar months (UTC), within
the years any of them may name (2000 to 2100), parsed from ``YYYY-MM``, checked (not in the
future, at most a year) and turned into the half-open interval the queries count over."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from casework.errors import InvalidInput

MAX_MONTHS: Final = 12
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_EARLIEST_YEAR: Final = 2000
# The days a period may name: nothing was reported before, and the calendar's own ends (year
# 1 and 9999) overflow when a day is added or taken away.
FIRST_DAY: Final = dt.date(_EARLIEST_YEAR, 1, 1)
LAST_DAY: Final = dt.date(2100, 12, 31)
_FIRST_MOMENT: Final = dt.datetime.combine(FIRST_DAY, dt.time(), tzinfo=dt.UTC)
_END_MOMENT: Final = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
_DAYS = f"Choose a day from {FIRST_DAY.year} to {LAST_DAY.year}."


def check_day(day: dt.date, *, field: str) -> dt.date:
    """``day`` when a period may name it (InvalidInput naming ``field`` otherwise)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(field, _DAYS)
    return day


def check_moment(moment: dt.datetime, *, field: str) -> dt.datetime:
    """``moment`` when a period may start or end there: from the first day's start to the end
    of the last day (InvalidInput naming ``field`` otherwise)."""
    utc = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    if not _FIRST_MOMENT <= utc <= _END_MOMENT:
        raise InvalidInput(field, _DAYS)
    return moment


def day_start(day: dt.date, *, field: str) -> dt.datetime:
    """The first instant of ``day`` (UTC), checked."""
    return dt.datetime.combine(check_day(day, field=field), dt.time(), tzinfo=dt.UTC)


def day_end(day: dt.date, *, field: str) -> dt.datetime:
    """The first instant after ``day`` (UTC), checked."""
    following = check_day(day, field=field) + dt.timedelta(days=1)
    return dt.datetime.combine(following, dt.time(), tzinfo=dt.UTC)


def day_period(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Whole UTC days from ``first`` to ``last`` included, as ``[start, end)``; a day outside
    the years a period may name is refused (``from``, ``to``)."""
    return day_start(first, field="from"), day_end(last, field="to")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month (UTC)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, field: str) -> Month:
        """``YYYY-MM`` as a month (InvalidInput naming ``field`` otherwise)."""
        found = _MONTH.fullmatch(text.strip())
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < _EARLIEST_YEAR:
            raise InvalidInput(field, "Give a month as YYYY-MM, for example 2026-03.")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The month ``moment`` falls in (UTC)."""
        utc = moment.astimezone(dt.UTC)
        return cls(utc.year, utc.month)

    @property
    def start(self) -> dt.datetime:
        """Its first instant (UTC)."""
        return dt.datetime(self.year, self.month, 1, tzinfo=dt.UTC)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class MonthPeriod:
    """Whole months from ``first`` to ``last``, both included."""

    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        """Every month of the period, in order."""
        found, month = [], self.first
        while month <= self.last:
            found.append(month)
            month = month.next()
        return found

    @property
    def start(self) -> dt.datetime:
        """The first instant counted."""
        return self.first.start

    @property
    def end(self) -> dt.datetime:
        """The first instant no longer counted."""
        return self.last.next().start


def month_period(
    first: str | Month, last: str | Month, *, now: dt.datetime, ended_only: bool
) -> MonthPeriod:
    """The months ``first`` to ``last`` (``YYYY-MM``), refused (InvalidInput) when badly
    written, reversed, longer than a year, in the future, or - with ``ended_only``, for what
    is published - not yet ended."""
    start = first if isinstance(first, Month) else Month.parse(first, field="from")
    end = last if isinstance(last, Month) else Month.parse(last, field="to")
    if end < start:
        raise InvalidInput("to", "The last month comes before the first.")
    current = Month.of(now)
    if end > current or (ended_only and end == current):
        message = "That month has not ended yet." if ended_only else "That month is to come."
        raise InvalidInput("to", message)
    period = MonthPeriod(start, end)
    if len(period.months) > MAX_MONTHS:
        raise InvalidInput("period", f"Choose at most {MAX_MONTHS} months.")
    return period


def last_ended_month(now: dt.datetime) -> Month:
    """The latest month that has ended."""
    return Month.of(now).previous()
