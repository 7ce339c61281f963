"""The SMS rules as tables: keywords only as whole messages, yes/no, danger words, steps."""

from __future__ import annotations

import pytest

from casework.enums import Danger
from casework.sms import texts
from casework.sms.conversation import answer, first_message, guess_language, tells_story
from casework.sms.models import Step
from casework.sms.words import Keyword, keyword, yes_no_unsure
from casework.triage.words import mentions_danger


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("STOP", Keyword.STOP),
        ("stop", Keyword.STOP),
        (" Stop. ", Keyword.STOP),
        ("STOPALL", Keyword.STOP),
        ("unsubscribe", Keyword.STOP),
        ("cancel", Keyword.STOP),
        ("END", Keyword.STOP),
        ("quit", Keyword.STOP),
        ("START", Keyword.START),
        ("unstop", Keyword.START),
        ("HELP", Keyword.HELP),
        ("info", Keyword.HELP),
        ("banana", Keyword.SAFE_WORD),
        ("BANANA!", Keyword.SAFE_WORD),
        ("He won't stop hitting me", None),
        ("please stop him", None),
        ("help me", None),
        ("I need help", None),
        ("banana bread", None),
        ("", None),
    ],
)
def test_keywords_are_whole_messages(message: str, expected: Keyword | None) -> None:
    assert keyword(message, safe_word="Banana") is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("yes", Danger.YES), ("Y", Danger.YES), ("oui", Danger.YES), ("да", Danger.YES),
        ("oo", Danger.YES), ("opo", Danger.YES), ("no", Danger.NO), ("non", Danger.NO),
        ("не", Danger.NO), ("hindi", Danger.NO), ("not sure", Danger.UNKNOWN),
        ("не знам", Danger.UNKNOWN), ("he is outside my door", None),
    ],
)  # fmt: skip
def test_yes_no_in_every_language(message: str, expected: Danger | None) -> None:
    assert yes_no_unsure(message) is expected


@pytest.mark.parametrize(
    ("message", "danger"),
    [
        ("he has a knife", True),
        ("Il a un couteau", True),
        ("Той има нож", True),
        ("may baril siya", True),
        ("I want to kill myself", True),
        ("I am bleeding", True),
        ("He is hurting me right now, please help", True),
        ("he's hitting me now", True),
        ("au secours", True),
        ("My teacher hit me yesterday", False),
        ("skills class was bad", False),  # "kill" inside a word
        ("not right now", False),
        ("I need help with bullying", False),
    ],
)
def test_danger_words(message: str, danger: bool) -> None:
    assert mentions_danger(message) is danger


@pytest.mark.parametrize(
    ("step", "message", "next_step", "fields"),
    [
        (Step.LANGUAGE, "3", Step.WHAT, {"language": "bg"}),
        (Step.LANGUAGE, "Français", Step.WHAT, {"language": "fr"}),
        (Step.LANGUAGE, "they hit me", Step.WHERE, {"language": "en", "words": "they hit me"}),
        (Step.WHAT, "5", Step.WHERE, {"category": "corporal_punishment"}),
        (Step.WHAT, "7", Step.WHERE, {"category": "self_harm"}),
        (Step.WHAT, "my teacher", Step.WHERE, {"words": "my teacher"}),
        (Step.WHERE, " Central School ", Step.DANGER, {"place": "Central School"}),
        (Step.DANGER, "YES", Step.CONSENT, {"danger": Danger.YES}),
        (  # not a yes or no: asked again once, the words kept
            Step.DANGER,
            "he is outside",
            Step.DANGER,
            {
                "danger": None,
                "words": "he is outside",
                "asked_again": True,
                "ask": (texts.YES_OR_NO, texts.ASK_DANGER),
            },
        ),
        (Step.CONSENT, "yes", Step.OPEN, {"consent": True, "complete": True}),
        (Step.CONSENT, "no", Step.OPEN, {"consent": False, "complete": True}),
        (  # not a clear yes: asked again once
            Step.CONSENT,
            "maybe later",
            Step.CONSENT,
            {"consent": None, "complete": False, "asked_again": True},
        ),
        (Step.OPEN, "more news", Step.OPEN, {"words": "more news", "ask": (texts.RECEIVED,)}),
        # Late answers never land on the wrong question: a yes is no place, nor a category.
        (Step.WHERE, "yes", Step.WHERE, {"place": None, "asked_again": True}),
        (Step.WHERE, "5", Step.WHERE, {"place": None, "asked_again": True}),
        (Step.WHAT, "no", Step.WHAT, {"category": None, "asked_again": True}),
    ],
)
def test_each_step(step: Step, message: str, next_step: Step, fields: dict[str, object]) -> None:
    result = answer(step, message)

    assert result.next_step is next_step
    for name, value in fields.items():
        assert getattr(result, name) == value, name


@pytest.mark.parametrize(
    ("step", "message", "next_step", "fields"),
    [
        (Step.DANGER, "he is outside", Step.CONSENT, {"danger": Danger.UNKNOWN}),
        (Step.CONSENT, "maybe later", Step.OPEN, {"consent": False, "complete": True}),
        (Step.WHERE, "yes", Step.DANGER, {"place": None, "ask": (texts.ASK_DANGER,)}),
        (Step.WHAT, "no", Step.WHERE, {"category": None, "ask": (texts.ASK_WHERE,)}),
    ],
)
def test_asked_twice_without_an_answer_the_conversation_moves_on(
    step: Step, message: str, next_step: Step, fields: dict[str, object]
) -> None:
    result = answer(step, message, asked_again=True)

    assert result.next_step is next_step
    assert not result.asked_again
    for name, value in fields.items():
        assert getattr(result, name) == value, name


def test_a_first_text_that_tells_the_story_is_not_asked_what_happened() -> None:
    told = first_message("my teacher slaps us", language="en")
    assert (told.next_step, told.ask, told.told) == (Step.WHERE, (texts.ASK_WHERE,), True)
    # The language is asked first when unknown; then "where", not "what happened".
    unknown = first_message("my teacher slaps us", language=None)
    assert (unknown.next_step, unknown.told) == (Step.LANGUAGE, True)
    chosen = answer(Step.LANGUAGE, "2", told=True)
    assert (chosen.next_step, chosen.language, chosen.ask) == (
        Step.WHERE,
        "fr",
        (texts.ASK_WHERE,),
    )
    assert answer(Step.LANGUAGE, "2", told=False).next_step is Step.WHAT
    # A greeting is not a story.
    assert first_message("hello", language="en").next_step is Step.WHAT


def test_the_issue_conversation_gives_no_false_danger() -> None:
    """'my teacher slaps us', then answers in the order the questions came: each lands on its
    own question, so the "yes" to "may we text you" is consent, never danger."""
    step = first_message("my teacher slaps us", language="en")
    assert step.next_step is Step.WHERE
    where = answer(step.next_step, "Central High", told=True)
    danger = answer(where.next_step, "no", told=True)
    consent = answer(danger.next_step, "yes", told=True)
    assert (where.place, danger.danger, consent.consent) == ("Central High", Danger.NO, True)
    assert consent.complete


def test_first_message_asks_the_language_only_when_unknown() -> None:
    assert first_message("hi", language=None).ask == (texts.ASK_LANGUAGE,)
    assert first_message("hi", language="fil").ask == (texts.ASK_WHAT,)
    assert first_message("hi", language="fil").words == "hi"


@pytest.mark.parametrize(
    ("message", "story"),
    [
        ("hi can someone help me", False),  # a question, not what happened
        ("hello", False),
        ("my teacher slaps us", True),  # a role and a blow
        ("they post photos of me online", True),  # cyberbullying
        ("he has a knife", True),  # danger
        ("the older boys take my lunch money every single day", True),  # a long story
    ],
)
def test_what_counts_as_telling_the_story(message: str, story: bool) -> None:
    assert tells_story(message) is story


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Учителят ме удари", "bg"),
        ("il me frappe et je suis triste", "fr"),
        ("sinasaktan ako ng kuya ko", "fil"),
        ("he hits me", "en"),
    ],
)
def test_the_language_of_words_from_an_unknown_phone(message: str, language: str) -> None:
    assert guess_language(message) == language
