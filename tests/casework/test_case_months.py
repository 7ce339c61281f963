"""The monthly case summary kept case by case equals the cases counted directly, as cases
change category, region, age and school. (A conflict of interest taken away is counted against
real cases, restricted in the case table: ``tests/hotline/test_response_times.py``.)"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.sla import case_months
from casework.sla.case_months import age_band_of, count_months, month_of
from casework.sla.models import CaseStat, case_month
from hotline.runtime.database import Database

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
CHANNELS = ("web", "app", "sms", "voice")


def _case(rng: random.Random) -> SimpleNamespace:
    return SimpleNamespace(
        id=uuid.uuid4(),
        opened_at=NOW - dt.timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 1440)),
        category_id=rng.randint(1, 4),
        child_age=rng.choice([None, 5, 8, 11, 14, 16, 17, 19]),
        region_id=rng.choice([None, 1, 2, 3]),
        school_id=rng.choice([None, 10, 11, 12]),
    )


def _changed(rng: random.Random, c: SimpleNamespace) -> SimpleNamespace:
    """The case after triage: a new category, region, age learnt or school."""
    field = rng.choice(["category_id", "region_id", "child_age", "school_id"])
    new = _case(rng)
    return SimpleNamespace(**{**vars(c), field: getattr(new, field)})


def _expected(
    cases: dict[uuid.UUID, SimpleNamespace],
    channels: dict[uuid.UUID, str],
    *,
    first: dt.date,
    end: dt.date,
    regions: frozenset[int] | None,
) -> dict[Any, int]:
    counted: Counter[Any] = Counter()
    for c in cases.values():
        month = month_of(c.opened_at)
        if not first <= month < end:
            continue
        if regions is not None and c.region_id not in regions:
            continue
        key = (month, c.category_id, channels[c.id], age_band_of(c.child_age), c.region_id)
        counted[key] += 1
    return dict(counted)


def _summary(s: Session) -> dict[tuple[Any, ...], int]:
    rows = s.execute(select(case_month)).all()
    return {tuple(r[:-1]): r[-1] for r in rows if r[-1]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_case_by_case_it_counts_what_the_cases_say(db: Database, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    cases = {c.id: c for c in (_case(rng) for _ in range(150))}
    channels = {i: rng.choice(CHANNELS) for i in cases}

    def run(s: Session) -> None:
        batch = list(cases.values())
        for at in range(0, len(batch), 40):  # as the refresh does, in batches
            case_months.record(s, batch[at : at + 40], channels)
        for _ in range(4):  # cases change and are refreshed again, some unchanged
            picked = rng.sample(sorted(cases), 50)
            for i in picked[:35]:
                cases[i] = _changed(rng, cases[i])
            case_months.record(s, [cases[i] for i in picked], channels)
        # Refreshed again with nothing new: nothing moves.
        kept = _summary(s)
        case_months.record(s, list(cases.values()), channels)
        assert _summary(s) == kept
        assert case_months.differs_from_rebuild(s) == 0
        case_months.rebuild(s)
        assert _summary(s) == kept
        assert s.scalar(select(func.count()).select_from(CaseStat)) == len(cases)
        for regions in (None, frozenset({1, 2}), frozenset({2})):
            first, end = dt.date(2026, 6, 1), dt.date(2026, 12, 1)
            found = count_months(s, first=first, end=end, regions=regions)
            expected = _expected(cases, channels, first=first, end=end, regions=regions)
            assert found == expected, regions
            assert found  # something was counted

    db.run(run, write=True)


def test_the_age_bands_are_chis() -> None:
    assert age_band_of(None) == "age unknown"
    assert age_band_of(0) == age_band_of(6) == "0-6 years"
    assert age_band_of(7) == age_band_of(9) == "7-9 years"
    assert age_band_of(10) == age_band_of(12) == "10-12 years"
    assert age_band_of(15) == "13-15 years"
    assert age_band_of(16) == age_band_of(17) == "16-17 years"
    assert age_band_of(18) == age_band_of(40) == "18 years and over"
