"""First-cut triage at intake: pure, explainable rules giving a priority and its reasons.

The full risk model (authority of the alleged perpetrator, age, injury, repeats...) builds on
this; at intake we already know enough to put a child in danger at the front of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.enums import Danger, Priority

# Categories that are at least P2 whatever else is said: harm that escalates fast or where
# the alleged perpetrator usually holds power over the child.
_P2_CATEGORIES = frozenset(
    {
        "sexual_abuse",
        "online_sexual_exploitation",
        "trafficking",
        "self_harm",
        "corporal_punishment",
        "child_marriage",
    }
)
DEFAULT_PRIORITY = Priority.P3


@dataclass(frozen=True)
class Assessment:
    """A priority and the factors (stable codes) that produced it."""

    priority: Priority
    factors: tuple[str, ...]


def assess_intake(*, danger: Danger, category_code: str) -> Assessment:
    """Priority of a newly received report."""
    factors: list[str] = []
    priority = DEFAULT_PRIORITY
    if category_code in _P2_CATEGORIES:
        factors.append(f"category:{category_code}")
        priority = Priority.P2
    if danger is Danger.YES:
        factors.insert(0, "immediate_danger")
        priority = Priority.P1
    return Assessment(priority=priority, factors=tuple(factors))
