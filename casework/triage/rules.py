"""Triage: pure, explainable rules giving a risk score, a priority and the factors behind it.

Every factor has a stable code (shown to the caseworker) and a number of points; the points
add up to the score, and the score gives the priority (P1 >= 100, P2 >= 60, P3 >= 20, else
P4). Some factors also set a floor whatever the score:

- someone in danger now (the child says so, or their words say so) -> P1;
- self-harm or suicidal thoughts; sexual abuse or exploitation, trafficking, child marriage;
  an alleged perpetrator in a position of authority (teacher, school staff, official, carer)
  -> at least P2.

Automatic re-triage only ever raises a priority; lowering it is a caseworker's reasoned
decision (``casework.handling.lifecycle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from casework.enums import Danger, PerpetratorRole, Priority

# Points by category (Child Helpline International taxonomy, school-specific ones included).
CATEGORY_POINTS: Final[dict[str, int]] = {
    "sexual_abuse": 50,
    "online_sexual_exploitation": 50,
    "trafficking": 50,
    "child_marriage": 50,
    "self_harm": 50,
    "corporal_punishment": 30,
    "physical_abuse": 30,
    "domestic_violence": 30,
    "child_labour": 30,
    "radicalisation": 30,
    "neglect": 25,
    "emotional_abuse": 20,
    "bullying": 20,
    "cyberbullying": 20,
    "discrimination": 20,
    "other": 20,  # not knowing what happened is no reason to wait longer
}
SEXUAL: Final = frozenset(
    {"sexual_abuse", "online_sexual_exploitation", "trafficking", "child_marriage"}
)
AUTHORITY: Final = frozenset(
    {
        PerpetratorRole.TEACHER,
        PerpetratorRole.SCHOOL_STAFF,
        PerpetratorRole.OFFICIAL,
        PerpetratorRole.CARER,
    }
)
# Corporal punishment is by definition by someone in authority over the child.
AUTHORITY_CATEGORIES: Final = frozenset({"corporal_punishment"})
POINTS: Final[dict[str, int]] = {
    "immediate_danger": 100,
    "danger_words": 100,
    "self_harm": 40,
    "authority": 30,
    "injury": 25,
    "very_young": 25,  # under 6
    "young": 15,  # 6 to 9
    "ongoing": 15,
    "not_ongoing": -10,  # it has stopped: it can wait a little (never below the floors)
    "repeat_person": 20,  # each earlier report about the same person, up to 2
    "repeat_school": 5,  # each earlier report about the same school, up to 4
}
THRESHOLDS: Final = ((100, Priority.P1), (60, Priority.P2), (20, Priority.P3))
_ORDER: Final = list(Priority)


@dataclass(frozen=True)
class TriageFacts:
    """What is known about a case that bears on how urgent it is."""

    danger: Danger
    category: str
    child_age: int | None = None
    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN
    ongoing: Danger = Danger.UNKNOWN  # yes / no / unknown
    injury: Danger = Danger.UNKNOWN
    danger_words: bool = False  # the child's words say someone is in danger now
    self_harm_words: bool = False
    earlier_about_person: int = 0  # earlier reports naming the same person at the school
    earlier_about_school: int = 0  # earlier reports about the same school (recent)


@dataclass(frozen=True)
class Assessment:
    """A score, a priority and the factors (stable codes) that produced them."""

    priority: Priority
    factors: tuple[str, ...]
    score: int = 0


def _at_least(priority: Priority, floor: Priority) -> Priority:
    return min(priority, floor, key=_ORDER.index)


def assess(facts: TriageFacts) -> Assessment:
    """Score, priority and factors of a case."""
    factors: list[str] = []
    score = CATEGORY_POINTS.get(facts.category, CATEGORY_POINTS["other"])
    floor = Priority.P4
    if facts.danger is Danger.YES:
        factors.append("immediate_danger")
        score += POINTS["immediate_danger"]
        floor = Priority.P1
    if facts.danger_words:
        factors.append("danger_words")
        score += POINTS["danger_words"]
        floor = Priority.P1
    if facts.category == "self_harm" or facts.self_harm_words:
        factors.append("self_harm")
        score += POINTS["self_harm"]
        floor = _at_least(floor, Priority.P2)
    if facts.category in SEXUAL:
        factors.append(f"category:{facts.category}")
        floor = _at_least(floor, Priority.P2)
    authority = facts.perpetrator_role in AUTHORITY or facts.category in AUTHORITY_CATEGORIES
    if authority:
        role = facts.perpetrator_role if facts.perpetrator_role in AUTHORITY else "implied"
        factors.append(f"authority:{role}")
        score += POINTS["authority"]
        floor = _at_least(floor, Priority.P2)
    if facts.injury is Danger.YES:
        factors.append("injury")
        score += POINTS["injury"]
    if facts.child_age is not None and facts.child_age < 10:
        young = "very_young" if facts.child_age < 6 else "young"
        factors.append(f"{young}:{facts.child_age}")
        score += POINTS[young]
    if facts.ongoing is Danger.YES:
        factors.append("ongoing")
        score += POINTS["ongoing"]
    elif facts.ongoing is Danger.NO:
        factors.append("not_ongoing")
        score += POINTS["not_ongoing"]
    if facts.earlier_about_person:
        factors.append(f"repeat_person:{facts.earlier_about_person}")
        score += POINTS["repeat_person"] * min(facts.earlier_about_person, 2)
    if facts.earlier_about_school:
        factors.append(f"repeat_school:{facts.earlier_about_school}")
        score += POINTS["repeat_school"] * min(facts.earlier_about_school, 4)
    by_score = next((p for limit, p in THRESHOLDS if score >= limit), Priority.P4)
    return Assessment(priority=_at_least(by_score, floor), factors=tuple(factors), score=score)


def assess_intake(*, danger: Danger, category_code: str) -> Assessment:
    """Priority from what every channel asks: danger now, and the category."""
    return assess(TriageFacts(danger=danger, category=category_code))


def higher(a: Priority, b: Priority) -> Priority:
    """The more urgent of two priorities."""
    return _at_least(a, b)
