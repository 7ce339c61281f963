"""Triage as a table: every factor alone, and the combinations that change the priority."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casework.enums import Danger, PerpetratorRole, Priority
from casework.triage.rules import TriageFacts, assess
from casework.triage.words import (
    DANGER_WORDS,
    SELF_HARM_WORDS,
    mentions_danger,
    mentions_self_harm,
)

Y, N, U = Danger.YES, Danger.NO, Danger.UNKNOWN
R = PerpetratorRole


def facts(category: str = "bullying", **kw: object) -> TriageFacts:
    return TriageFacts(danger=kw.pop("danger", U), category=category, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "priority", "factors", "score"),
    [
        # each factor on its own (a bullying report scores 20: P3)
        (facts(), Priority.P3, (), 20),
        (facts(danger=Y), Priority.P1, ("immediate_danger",), 120),
        (facts(danger_words=True), Priority.P1, ("danger_words",), 120),
        (facts(self_harm_words=True), Priority.P2, ("self_harm",), 60),
        (facts("self_harm"), Priority.P2, ("self_harm",), 90),
        (facts("sexual_abuse"), Priority.P2, ("category:sexual_abuse",), 50),
        (
            facts("online_sexual_exploitation"),
            Priority.P2,
            ("category:online_sexual_exploitation",),
            50,
        ),
        (facts("trafficking"), Priority.P2, ("category:trafficking",), 50),
        (facts("child_marriage"), Priority.P2, ("category:child_marriage",), 50),
        (facts(perpetrator_role=R.TEACHER), Priority.P2, ("authority:teacher",), 50),
        (facts(perpetrator_role=R.SCHOOL_STAFF), Priority.P2, ("authority:school_staff",), 50),
        (facts(perpetrator_role=R.OFFICIAL), Priority.P2, ("authority:official",), 50),
        (facts(perpetrator_role=R.CARER), Priority.P2, ("authority:carer",), 50),
        (facts("corporal_punishment"), Priority.P2, ("authority:implied",), 60),
        (facts(perpetrator_role=R.PEER), Priority.P3, (), 20),
        (facts(perpetrator_role=R.ONLINE_STRANGER), Priority.P3, (), 20),
        (facts(injury=Y), Priority.P3, ("injury",), 45),
        (facts(child_age=7), Priority.P3, ("young:7",), 35),
        (facts(child_age=5), Priority.P3, ("very_young:5",), 45),
        (facts(child_age=10), Priority.P3, (), 20),
        (facts(ongoing=Y), Priority.P3, ("ongoing",), 35),
        (facts(ongoing=N), Priority.P4, ("not_ongoing",), 10),
        (facts(earlier_about_person=1), Priority.P3, ("repeat_person:1",), 40),
        (facts(earlier_about_school=1), Priority.P3, ("repeat_school:1",), 25),
        (facts("other"), Priority.P3, (), 20),
        (facts("unknown-category"), Priority.P3, (), 20),
        # combinations that cross a threshold
        (facts(injury=Y, ongoing=Y), Priority.P2, ("injury", "ongoing"), 60),
        (facts(child_age=5, injury=Y), Priority.P2, ("injury", "very_young:5"), 70),
        (facts("physical_abuse", injury=Y, child_age=8), Priority.P2, ("injury", "young:8"), 70),
        (facts(earlier_about_person=2, ongoing=Y), Priority.P2, ("ongoing", "repeat_person:2"), 75),
        (facts(earlier_about_person=5), Priority.P2, ("repeat_person:5",), 60),  # capped at 2
        (facts(earlier_about_school=9), Priority.P3, ("repeat_school:9",), 40),  # capped at 4
        (
            facts("physical_abuse", injury=Y, ongoing=Y, child_age=4, perpetrator_role=R.CARER),
            Priority.P1,
            ("authority:carer", "injury", "very_young:4", "ongoing"),
            125,
        ),
        (
            facts(perpetrator_role=R.TEACHER, injury=Y, ongoing=Y, earlier_about_person=1),
            Priority.P1,
            ("authority:teacher", "injury", "ongoing", "repeat_person:1"),
            110,
        ),
        # floors hold whatever the score
        (
            facts("sexual_abuse", ongoing=N),
            Priority.P2,
            ("category:sexual_abuse", "not_ongoing"),
            40,
        ),
        (
            facts(perpetrator_role=R.TEACHER, ongoing=N),
            Priority.P2,
            ("authority:teacher", "not_ongoing"),
            40,
        ),
        (facts(danger=Y, ongoing=N), Priority.P1, ("immediate_danger", "not_ongoing"), 110),
        (facts(self_harm_words=True, ongoing=N), Priority.P2, ("self_harm", "not_ongoing"), 50),
    ],
)
def test_triage(
    case: TriageFacts, priority: Priority, factors: tuple[str, ...], score: int
) -> None:
    assessment = assess(case)

    assert assessment.priority is priority
    assert assessment.factors == factors
    assert assessment.score == score


@pytest.mark.parametrize(
    ("text", "danger", "self_harm"),
    [
        ("he has a knife", True, False),
        ("I want to kill myself", True, True),
        ("I cut myself again last night", False, True),
        ("je veux mourir", True, True),
        ("Искам да умра", True, True),
        ("gusto ko nang mamatay", False, True),
        ("my teacher hits us", False, False),
        ("the skills test was hard", False, False),
    ],
)
def test_danger_and_self_harm_words(text: str, danger: bool, self_harm: bool) -> None:
    assert mentions_danger(text) is danger
    assert mentions_self_harm(text) is self_harm


@pytest.mark.parametrize(
    ("table", "found"),
    [(DANGER_WORDS, mentions_danger), (SELF_HARM_WORDS, mentions_self_harm)],
)
def test_every_word_of_every_language_is_found_whole_and_only_whole(
    table: dict[str, list[str]], found: Callable[[str], bool]
) -> None:
    for words in table.values():
        for word in words:
            assert found(f"they said: {word.upper()}, yesterday"), word
            # Inside a longer word it is not that word ("tue" in "statue", "sang" in "sangria").
            assert not found(f"x{word}x"), word
