"""Who did it and what happened, read in a child's own words in every supported language."""

from __future__ import annotations

import pytest

from casework.enums import PerpetratorRole as R
from casework.triage.story import read_story


@pytest.mark.parametrize(
    ("words", "role", "category"),
    [
        ("my teacher slaps us", R.TEACHER, "corporal_punishment"),
        ("my teacher hits us with a stick", R.TEACHER, "corporal_punishment"),
        ("Учителят ме удари", R.TEACHER, "corporal_punishment"),
        ("Учителката ни бие с линийка", R.TEACHER, "corporal_punishment"),
        ("La maîtresse me frappe", R.TEACHER, "corporal_punishment"),
        ("la maitresse me frappe", R.TEACHER, "corporal_punishment"),  # no accents typed
        ("ang guro ko ay sinampal ako", R.TEACHER, "corporal_punishment"),
        ("the coach kicked me", R.OFFICIAL, "corporal_punishment"),
        ("the janitor hit me", R.SCHOOL_STAFF, "corporal_punishment"),
        ("my dad hits me", R.CARER, "physical_abuse"),
        ("he is hitting me now", R.UNKNOWN, "physical_abuse"),
        ("some kids bully me online", R.UNKNOWN, "cyberbullying"),
        ("they make fun of me every day", R.UNKNOWN, "bullying"),
        ("he touched me", R.UNKNOWN, "sexual_abuse"),
        ("I want to kill myself", R.UNKNOWN, "self_harm"),
        ("hello", R.UNKNOWN, None),
        ("Des élèves plus âgés me prennent mon goûter", R.UNKNOWN, None),
    ],
)
def test_the_story_in_the_words(words: str, role: R, category: str | None) -> None:
    story = read_story(words)
    assert (story.perpetrator_role, story.category) == (role, category)


@pytest.mark.parametrize(
    ("words", "role", "category"),
    [
        # The role nearest the hitting is the one who hit.
        ("my dad hits me because my teacher told him", R.CARER, "physical_abuse"),
        ("my teacher told my dad and he hits me", R.CARER, "physical_abuse"),
        # "couple" is no blow.
        ("a couple of boys laugh at me", R.UNKNOWN, None),
        ("Госпожата ни бие", R.TEACHER, "corporal_punishment"),
        ("sinampal ako ni sir", R.TEACHER, "corporal_punishment"),
        ("le directeur m'a frappé", R.TEACHER, "corporal_punishment"),
    ],
)
def test_the_nearest_role_and_fewer_false_words(words: str, role: R, category: str | None) -> None:
    story = read_story(words)
    assert (story.perpetrator_role, story.category) == (role, category)
