"""Pure rules: intake triage and the follow-up throttle, as tables."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.enums import Danger, Priority
from casework.followup import policy
from casework.triage.rules import assess_intake

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("danger", "category", "priority", "factors"),
    [
        (Danger.YES, "bullying", Priority.P1, ("immediate_danger",)),
        (Danger.YES, "sexual_abuse", Priority.P1, ("immediate_danger", "category:sexual_abuse")),
        (Danger.NO, "sexual_abuse", Priority.P2, ("category:sexual_abuse",)),
        (Danger.UNKNOWN, "self_harm", Priority.P2, ("self_harm",)),
        (Danger.NO, "corporal_punishment", Priority.P2, ("authority:implied",)),
        (
            Danger.NO,
            "online_sexual_exploitation",
            Priority.P2,
            ("category:online_sexual_exploitation",),
        ),
        (Danger.NO, "trafficking", Priority.P2, ("category:trafficking",)),
        (Danger.NO, "child_marriage", Priority.P2, ("category:child_marriage",)),
        (Danger.NO, "bullying", Priority.P3, ()),
        (Danger.UNKNOWN, "cyberbullying", Priority.P3, ()),
        (Danger.NO, "other", Priority.P3, ()),
    ],
)
def test_intake_triage(
    danger: Danger, category: str, priority: Priority, factors: tuple[str, ...]
) -> None:
    assessment = assess_intake(danger=danger, category_code=category)

    assert assessment.priority is priority
    assert assessment.factors == factors


@pytest.mark.parametrize(
    ("failures", "since_last", "wait"),
    [
        (0, None, dt.timedelta(0)),
        (1, 0 * S, dt.timedelta(0)),
        (2, 0 * S, dt.timedelta(0)),
        (3, 0 * S, 5 * S),
        (3, 4 * S, 1 * S),
        (3, 5 * S, dt.timedelta(0)),
        (4, 0 * S, 10 * S),
        (5, 0 * S, 20 * S),
        (8, 0 * S, 160 * S),
        (9, 0 * S, 300 * S),  # 320 s capped at 5 minutes
        (10, 0 * S, 3600 * S),  # locked
        (10, 3599 * S, 1 * S),
        (10, 3600 * S, dt.timedelta(0)),  # forgotten
        (25, 1800 * S, 1800 * S),
    ],
)
def test_wait_required(failures: int, since_last: dt.timedelta | None, wait: dt.timedelta) -> None:
    last = None if since_last is None else T0 - since_last

    assert policy.wait_required(failures, last, T0) == wait


def test_streak_is_forgotten_after_an_hour() -> None:
    assert policy.effective_failures(7, T0 - dt.timedelta(minutes=59), T0) == 7
    assert policy.effective_failures(7, T0 - dt.timedelta(hours=1), T0) == 0
    assert policy.effective_failures(7, None, T0) == 0
