"""Response-time figures from SLA clocks, with the SLA engine's one definition of "met".

A clock that stopped when what it waits for happened in time is met; one that ran past its due
time is missed (a breach, however it then stopped); one ended in time by something else - the
case closed before the partner answered - is neither met nor missed, and counts as *not*
within target, so closing cases never inflates compliance. Durations are wall-clock minutes
from start to stop; a clock still running counts only towards "running" and, once past due,
"breaches".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from casework.sla.clocks import ClockState, Outcome
from casework.sla.models import ClockKind


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


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile of ``values`` (``share`` 0.5 is the median as the lower
    middle value; None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def clock_figures(
    states: Iterable[ClockState], *, now: dt.datetime
) -> dict[ClockKind, ClockFigures]:
    """Figures per kind of clock, for every kind that appears in ``states``."""
    by_kind: dict[ClockKind, list[ClockState]] = {}
    for state in states:
        by_kind.setdefault(state.clock, []).append(state)
    return {kind: _figures(kind, found, now) for kind, found in by_kind.items()}


def _figures(kind: ClockKind, states: list[ClockState], now: dt.datetime) -> ClockFigures:
    outcomes = [s.outcome() for s in states]
    durations = [
        (s.stopped_at - s.started_at).total_seconds() / 60
        for s in states
        if s.stopped_at is not None
    ]
    running = [s for s in states if s.stopped_at is None]
    missed = outcomes.count(Outcome.MISSED)
    return ClockFigures(
        clock=kind,
        stopped=len(durations),
        met=outcomes.count(Outcome.MET),
        missed=missed,
        ended_otherwise=outcomes.count(Outcome.STOPPED),
        running=len(running),
        breaches=missed + sum(1 for s in running if s.breached(now)),
        median_minutes=percentile(durations, 0.5),
        p90_minutes=percentile(durations, 0.9),
    )
