"""Response-time figures against hand-computed values, with the engine's definition of met."""

from __future__ import annotations

import datetime as dt

from casework.enums import Priority
from casework.sla.clocks import ClockState
from casework.sla.figures import clock_figures, counted_percentile
from casework.sla.models import ClockKind
from casework.sla.resolution import MINUTE_BOUNDS

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=10)


def _clock(
    minutes: int | None,
    *,
    target: int = 60,
    met_by_stop: bool = True,
    kind: ClockKind = ClockKind.TRIAGE,
) -> ClockState:
    """A clock started at T0 with a ``target``-minute target, stopped after ``minutes``
    (None: still running)."""
    return ClockState(
        clock=kind,
        start_seq=1,
        started_at=T0,
        stopped_at=T0 + dt.timedelta(minutes=minutes) if minutes is not None else None,
        due_at=T0 + dt.timedelta(minutes=target),
        warn_at=None,
        target_minutes=target,
        priority=Priority.P2,
        paused=False,
        met_by_stop=met_by_stop,
    )


def test_figures_for_one_kind_of_clock() -> None:
    states = [
        _clock(10),  # met
        _clock(30),  # met
        _clock(50),  # met
        _clock(90),  # missed
        _clock(20, met_by_stop=False),  # ended by the case closing: not within target
        _clock(None),  # running, past due by NOW
        _clock(None, target=24 * 60),  # running, in time
    ]
    figures = clock_figures(states, now=NOW)[ClockKind.TRIAGE]
    assert (figures.stopped, figures.met, figures.missed, figures.ended_otherwise) == (5, 3, 1, 1)
    assert (figures.running, figures.breaches) == (2, 2)
    assert figures.within_target == 3 / 5
    # Durations 10, 20, 30, 50, 90: the median is 30, the 90th percentile 90 (nearest rank).
    assert (figures.median_minutes, figures.p90_minutes) == (30, 90)


def test_each_kind_is_counted_apart_and_an_empty_set_has_no_share() -> None:
    figures = clock_figures(
        [_clock(5), _clock(None, kind=ClockKind.CLOSURE_REVIEW, target=10_000)], now=NOW
    )
    assert set(figures) == {ClockKind.TRIAGE, ClockKind.CLOSURE_REVIEW}
    review = figures[ClockKind.CLOSURE_REVIEW]
    assert (review.stopped, review.running, review.within_target, review.median_minutes) == (
        0,
        1,
        None,
        None,
    )


def test_percentiles_by_nearest_rank() -> None:
    assert counted_percentile([], 0.5) is None
    assert counted_percentile([0, 0], 0.5) is None
    assert counted_percentile([1], 0.9, [7]) == 7
    assert counted_percentile([1, 1, 1, 1], 0.5, [1, 2, 3, 4]) == 2
    assert counted_percentile([1] * 10, 0.9, range(1, 11)) == 9
    assert counted_percentile([9, 1], 0.9, [5, 60]) == 5  # counts, not values
    # The reporting buckets by default: 3 clocks within a minute, 1 within 2 hours.
    buckets = [3] + [0] * 18 + [1] + [0] * (len(MINUTE_BOUNDS) - 20)
    assert counted_percentile(buckets, 0.5) == 1
    assert counted_percentile(buckets, 0.9) == MINUTE_BOUNDS[19] == 120
