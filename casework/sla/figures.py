"""Response-time figures from SLA clocks, with the SLA engine's one definition of "met".

A clock that stopped when what it waits for happened in time is met; one that ran past its due
time is missed (a breach, however it then stopped); one ended in time by something else - the
case closed before the partner answered - is neither met nor missed, and counts as *not*
within target, so closing cases never inflates compliance. A clock still running counts only
towards "running" and, once past due, "breaches".

Durations are wall-clock minutes from start to stop, rounded up to the reporting buckets
(``casework.sla.resolution.MINUTE_BOUNDS``: 1, 2, 3 ... 60 minutes, then hours, then days), so
figures over a million clocks come from counts per bucket - kept per week by the weekly
summary - and the median and 90th percentile are nearest-rank over those buckets.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from casework.sla.clocks import ClockState, Outcome
from casework.sla.models import ClockKind
from casework.sla.resolution import BUCKET_OF, MINUTE_BOUNDS, SHARE_LABELS

_MINUTE_MICROS = 60_000_000


def reported_minutes(duration: dt.timedelta) -> int:
    """The reporting bucket a duration falls in: the least bound it does not exceed (exact
    integer maths; beyond the last bound, the last)."""
    micros = max(duration, dt.timedelta(0)) // dt.timedelta(microseconds=1)
    for bound in MINUTE_BOUNDS:
        if micros <= bound * _MINUTE_MICROS:
            return bound
    return MINUTE_BOUNDS[-1]


@dataclass(frozen=True)
class ClockFigures:
    """How one kind of clock came out over a set of cases."""

    clock: ClockKind
    stopped: int  # clocks that ended: the ones timed below
    met: int
    missed: int
    ended_otherwise: int  # stopped in time by something else: not within target
    running: int
    breaches: int  # missed, plus running clocks already past due
    median_minutes: float | None
    p90_minutes: float | None

    @property
    def within_target(self) -> float | None:
        """The share of ended clocks that were met (None when none ended)."""
        return self.met / self.stopped if self.stopped else None


def counted_percentile(
    counts: Sequence[int], share: float, values: Sequence[int] = MINUTE_BOUNDS
) -> int | None:
    """The nearest-rank percentile of ``values`` (ascending) each seen ``counts`` times
    (``share`` 0.5 is the median as the lower middle value; None for no values)."""
    return _percentile(list(accumulate(counts)), share, values)


def _percentile(cumulative: list[int], share: float, values: Sequence[int]) -> int | None:
    """``counted_percentile`` from the running totals of the counts (C loops: a split by
    thousands of schools takes two of these per school and clock)."""
    total = cumulative[-1] if cumulative else 0
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    return values[bisect_left(cumulative, rank)]


@dataclass
class Tally:
    """Counts of one kind of clock over many cases, from which its figures follow."""

    met: int = 0
    missed: int = 0
    ended_otherwise: int = 0
    running: int = 0
    running_breached: int = 0
    # Ended clocks per reporting bucket of minutes (``MINUTE_BOUNDS`` order): a list, so
    # adding thousands of tallies together is a C loop, not a Python one.
    buckets: list[int] = field(default_factory=lambda: [0] * len(MINUTE_BOUNDS))
    # Ended clocks per share of their allowed time (``SHARE_LABELS`` order).
    shares: list[int] = field(default_factory=lambda: [0] * len(SHARE_LABELS))

    def add_counters(self, counters: Sequence[int | None]) -> None:
        """Add a row of the weekly summary's counters (``COUNT_COLUMNS`` order; None for
        none)."""
        met, missed, other = counters[:3]
        self.met += int(met or 0)
        self.missed += int(missed or 0)
        self.ended_otherwise += int(other or 0)
        at = 3 + len(MINUTE_BOUNDS)
        self.buckets = [had + (n or 0) for had, n in zip(self.buckets, counters[3:at], strict=True)]
        self.shares = [had + (n or 0) for had, n in zip(self.shares, counters[at:], strict=True)]

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.met += other.met
        self.missed += other.missed
        self.ended_otherwise += other.ended_otherwise
        self.running += other.running
        self.running_breached += other.running_breached
        self.buckets = list(map(operator.add, self.buckets, other.buckets))
        self.shares = list(map(operator.add, self.shares, other.shares))

    def add(self, outcome: str | None, minutes: int | None, n: int, breached: int) -> None:
        """Count ``n`` clocks that came out the same (``breached``: those of them that run
        and are past due)."""
        if outcome is None:
            self.running += n
            self.running_breached += breached
            return
        if outcome == Outcome.MET:
            self.met += n
        elif outcome == Outcome.MISSED:
            self.missed += n
        else:
            self.ended_otherwise += n
        # An ended clock always has its bucket (``reported_minutes``).
        self.buckets[BUCKET_OF[minutes or MINUTE_BOUNDS[0]]] += n

    def figures(self, clock: ClockKind) -> ClockFigures:
        """The figures these counts give."""
        cumulative = list(accumulate(self.buckets))
        return ClockFigures(
            clock=clock,
            stopped=self.met + self.missed + self.ended_otherwise,
            met=self.met,
            missed=self.missed,
            ended_otherwise=self.ended_otherwise,
            running=self.running,
            breaches=self.missed + self.running_breached,
            median_minutes=_percentile(cumulative, 0.5, MINUTE_BOUNDS),
            p90_minutes=_percentile(cumulative, 0.9, MINUTE_BOUNDS),
        )


def state_minutes(state: ClockState) -> int | None:
    """A stopped clock's duration at reporting resolution (None while it runs)."""
    if state.stopped_at is None:
        return None
    return reported_minutes(state.stopped_at - state.started_at)


def clock_figures(
    states: Iterable[ClockState], *, now: dt.datetime
) -> dict[ClockKind, ClockFigures]:
    """Figures per kind of clock, for every kind that appears in ``states``."""
    tallies: dict[ClockKind, Tally] = {}
    for state in states:
        outcome = state.outcome()
        tallies.setdefault(state.clock, Tally()).add(
            outcome.value if outcome else None,
            state_minutes(state),
            1,
            1 if outcome is None and state.breached(now) else 0,
        )
    return {kind: tally.figures(kind) for kind, tally in tallies.items()}
