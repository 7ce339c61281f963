"""Calendar quarters (UTC): the one grid the public transparency report is published on.

The report is suppressed per period, so two published periods that overlap could be subtracted
(January to February minus January gives February, small counts and all). Publishing only
fixed quarters that never overlap leaves nothing to subtract: a quarter is asked for as
``YYYY-Qn``, or - the old form - as ``from``/``to`` months that are exactly one quarter; any
other range is refused, and so is a quarter that has not ended.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from casework.errors import InvalidInput
from casework.oversight.periods import Month

_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_EARLIEST_YEAR: Final = 2000
_LATEST_YEAR: Final = 2100
CHOICES: Final = 12  # quarters offered to choose from (any ended one may be asked for)
ONLY_QUARTERS: Final = (
    "The report is published for whole calendar quarters only (January to March, April to "
    "June, July to September, October to December). Choose a quarter, for example 2026-Q3."
)


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter (UTC): ``quarter`` 1 is January to March."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Quarter:
        """``YYYY-Qn`` as a quarter (InvalidInput naming ``field`` otherwise)."""
        found = _QUARTER.fullmatch(text.strip())
        if found is None or not _EARLIEST_YEAR <= int(found[1]) <= _LATEST_YEAR:
            raise InvalidInput(field, "Give a quarter as YYYY-Qn, for example 2026-Q3.")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, month: Month) -> Quarter:
        """The quarter ``month`` falls in."""
        return cls(month.year, (month.month - 1) // 3 + 1)

    @property
    def first(self) -> Month:
        """Its first month."""
        return Month(self.year, 3 * self.quarter - 2)

    @property
    def last(self) -> Month:
        """Its last month."""
        return Month(self.year, 3 * self.quarter)

    @property
    def start(self) -> dt.datetime:
        """Its first instant (UTC)."""
        return self.first.start

    @property
    def end(self) -> dt.datetime:
        """The first instant after it."""
        return self.last.next().start

    def previous(self) -> Quarter:
        """The quarter before."""
        if self.quarter == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.quarter - 1)

    def name(self) -> str:
        """In words: "July to September 2026"."""
        first = dt.date(self.year, self.first.month, 1).strftime("%B")
        last = dt.date(self.year, self.last.month, 1).strftime("%B")
        return f"{first} to {last} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.quarter}"


def last_ended_quarter(now: dt.datetime) -> Quarter:
    """The latest quarter that has ended."""
    return Quarter.of(Month.of(now)).previous()


def ended_quarters(now: dt.datetime, count: int = CHOICES) -> list[Quarter]:
    """The latest ``count`` quarters that have ended, newest first."""
    found = [last_ended_quarter(now)]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


def published_quarter(
    period: str | Quarter | None,
    first: str | None = None,
    last: str | None = None,
    *,
    now: dt.datetime,
) -> Quarter:
    """The quarter asked for: ``period`` (``YYYY-Qn``), else ``first``/``last`` months
    (``YYYY-MM``) that are exactly one quarter, else the last quarter that ended. InvalidInput
    for anything else - a range off the grid, a quarter to come or not yet ended."""
    if isinstance(period, Quarter):
        quarter = period
    elif period:
        quarter = Quarter.parse(period)
    elif first or last:
        start = Month.parse(first or last or "", field="from")
        end = Month.parse(last or first or "", field="to")
        quarter = Quarter.of(start)
        if (start, end) != (quarter.first, quarter.last):
            raise InvalidInput("period", ONLY_QUARTERS)
    else:
        return last_ended_quarter(now)
    if quarter.end > now:
        raise InvalidInput("period", "That quarter has not ended yet.")
    return quarter
