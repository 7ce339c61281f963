"""Figures from the clock facts, counted by the database, equal the same figures counted in
Python (``Tally``, nearest-rank percentiles) over the same facts."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from casework.sla.facts import NONE, Breakdown, clock_figures_of, week_of
from casework.sla.figures import ClockFigures, Tally
from casework.sla.models import ClockFact, ClockKind
from hotline.runtime.database import Database

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
OUTCOMES = ("met", "met", "met", "missed", "stopped", None)


def _facts(rng: random.Random, n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(n):
        opened = NOW - dt.timedelta(days=rng.randint(1, 20))
        outcome = rng.choice(OUTCOMES)
        target = rng.choice((60, 480, 1440))
        minutes = None if outcome is None else rng.choice((1, 2, 5, 5, 30, 60, 65, 900, 2880))
        rows.append(
            {
                "case_id": uuid.UUID(int=i + 1),
                "clock": rng.choice((ClockKind.ACKNOWLEDGE, ClockKind.TRIAGE)).value,
                "start_seq": 1,
                "opened_at": opened,
                "opened_week": week_of(opened),
                "started_at": opened,
                "due_at": opened + dt.timedelta(minutes=target),
                "stopped_at": None if outcome is None else opened + dt.timedelta(minutes=1),
                "outcome": outcome,
                "minutes": minutes,
                "target_minutes": target,
                "share_bucket": None,
                "priority": rng.choice(("P1", "P2", "P3")),
                "category_id": 1,
                "channel": "web",
                "region_id": rng.choice((1, 2, 3, None)),
                "school_id": None,
                "team_id": None,
                "assignee_id": None,
            }
        )
    return rows


def _expected(
    rows: list[dict[str, object]], by: Breakdown | None
) -> dict[str, dict[ClockKind, ClockFigures]]:
    tallies: dict[str, dict[ClockKind, Tally]] = {}
    for r in rows:
        value = r["region_id"] if by is Breakdown.REGION else r["priority"] if by else "all"
        late = r["outcome"] is None and r["due_at"] < NOW  # type: ignore[operator]
        tally = tallies.setdefault(NONE if value is None else str(value), {}).setdefault(
            ClockKind(str(r["clock"])), Tally()
        )
        tally.add(r["outcome"], r["minutes"], 1, int(late))  # type: ignore[arg-type]
    return {
        key: {kind: t.figures(kind) for kind, t in per_clock.items()}
        for key, per_clock in tallies.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("by", [None, Breakdown.REGION, Breakdown.PRIORITY])
def test_database_counts_as_python_does(db: Database, seed: int, by: Breakdown | None) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    rows = _facts(rng, rng.randint(1, 300))

    def run(s: Session) -> dict[str, dict[ClockKind, ClockFigures]]:
        s.execute(insert(ClockFact), rows)
        return clock_figures_of(
            s, opened_from=NOW - dt.timedelta(days=30), opened_to=NOW, now=NOW, by=by
        )

    assert db.run(run, write=True) == _expected(rows, by)
