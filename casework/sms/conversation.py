"""The intake conversation as pure rules: what a message means at each step, what to ask next.

Free text is always accepted: at any step a child may just tell us what happened, and the
words are kept. Each question takes only answers shaped for it, so an answer sent late (a
"yes" meant for an earlier question, the school named after the danger question) never lands
on the wrong question: a message that does not answer the question asked keeps its words and
the question is asked once more, then the conversation moves on without an answer (a danger
or consent it could not hear is "not known" / "no", never "yes").

A first text that already tells what happened (more than a greeting) is not asked "what
happened?" again: the next question is where.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from casework.enums import Danger
from casework.sms import texts
from casework.sms.models import Step
from casework.sms.words import CATEGORY_CHOICES, LANGUAGE_CHOICES, is_yes, normalise, yes_no_unsure
from casework.triage.story import read_story
from casework.triage.words import mentions_danger

# Fewer words than this, with nothing the story reader recognises, is a greeting or a question
# ("hi can someone help me"), not a story: the child is asked what happened.
STORY_WORDS = 6
# Little words that tell French and Filipino apart from English (Cyrillic is Bulgarian).
_MARKERS = {
    "fr": frozenset({"je", "me", "il", "elle", "nous", "est", "mon", "ma", "mes", "pas", "les"}),
    "fil": frozenset({"ako", "ang", "ng", "mga", "siya", "kami", "ko", "po", "namin", "hindi"}),
}


@dataclass(frozen=True)
class Answer:
    """What one message changes, and the questions to send back."""

    next_step: Step
    language: str | None = None
    category: str | None = None
    words: str | None = None  # the child's own words, added to the report
    place: str | None = None
    danger: Danger | None = None
    consent: bool | None = None
    ask: tuple[str, ...] = ()
    complete: bool = False  # intake done: issue the reference and code
    told: bool = False  # these words told what happened
    asked_again: bool = False  # the question was asked a second time


def tells_story(text: str) -> bool:
    """Whether a text tells what happened (rather than greeting us or asking something)."""
    if mentions_danger(text):
        return True
    story = read_story(text)
    if story.category is not None or story.perpetrator_role.value != "unknown":
        return True
    return len(re.findall(r"\w+", text)) >= STORY_WORDS


def guess_language(text: str) -> str:
    """The language a text is written in, as far as its letters and little words tell."""
    if any("CYRILLIC" in unicodedata.name(c, "") for c in text):
        return "bg"
    words = set(re.findall(r"\w+", text.casefold()))
    best = max(_MARKERS, key=lambda lang: len(words & _MARKERS[lang]))
    return best if len(words & _MARKERS[best]) >= 2 else "en"


def first_message(text: str, *, language: str | None) -> Answer:
    """A new conversation: keep the words, then ask the language (if unknown), and what
    happened unless the text already told it, else where."""
    told = tells_story(text)
    if language is None:
        return Answer(Step.LANGUAGE, words=text, told=told, ask=(texts.ASK_LANGUAGE,))
    if told:
        return Answer(Step.WHERE, language=language, words=text, told=True, ask=(texts.ASK_WHERE,))
    return Answer(Step.WHAT, language=language, words=text, ask=(texts.ASK_WHAT,))


# The question each step is waiting for.
QUESTION: dict[Step, str] = {
    Step.LANGUAGE: texts.ASK_LANGUAGE,
    Step.WHAT: texts.ASK_WHAT,
    Step.WHERE: texts.ASK_WHERE,
    Step.DANGER: texts.ASK_DANGER,
    Step.CONSENT: texts.ASK_CONSENT,
    Step.OPEN: texts.RECEIVED,
}


def _again(step: Step, text: str, *, asked_again: bool, then: Answer) -> Answer:
    """Not an answer to ``step``: keep the words and ask once more, or move on (``then``)."""
    if asked_again:
        return then
    ask = (
        (texts.YES_OR_NO, QUESTION[step])
        if step in (Step.DANGER, Step.CONSENT)
        else (QUESTION[step],)
    )
    return Answer(step, words=text, ask=ask, asked_again=True)


def answer(  # noqa: PLR0911 - one branch per step reads best
    step: Step, text: str, *, told: bool = False, asked_again: bool = False
) -> Answer:
    """What ``text`` means at ``step``; ``told``: the child already told what happened;
    ``asked_again``: the current question was already asked a second time."""
    if not text.strip():
        # A picture without words answers nothing: stay, and ask the same question again.
        return Answer(step, ask=(QUESTION[step],), asked_again=asked_again)
    word = normalise(text)
    yes_no = yes_no_unsure(text)
    if step is Step.LANGUAGE:
        chosen = LANGUAGE_CHOICES.get(word)
        if chosen:
            after = Step.WHERE if told else Step.WHAT
            return Answer(after, language=chosen, ask=(QUESTION[after],))
        # Not a choice: the language their letters are in, and these are more of their words.
        after = Step.WHERE if told or tells_story(text) else Step.WHAT
        return Answer(
            after, language=guess_language(text), words=text, told=True, ask=(QUESTION[after],)
        )
    if step is Step.WHAT:
        category = CATEGORY_CHOICES.get(word)
        if category:
            return Answer(Step.WHERE, category=category, ask=(texts.ASK_WHERE,))
        if yes_no is not None:  # a yes or no answers nothing asked here
            return _again(
                step, text, asked_again=asked_again, then=Answer(Step.WHERE, ask=(texts.ASK_WHERE,))
            )
        return Answer(Step.WHERE, words=text, told=True, ask=(texts.ASK_WHERE,))
    if step is Step.WHERE:
        if yes_no is not None or word in CATEGORY_CHOICES:  # not a place: a late answer
            return _again(
                step,
                text,
                asked_again=asked_again,
                then=Answer(Step.DANGER, ask=(texts.ASK_DANGER,)),
            )
        return Answer(Step.DANGER, place=text.strip(), ask=(texts.ASK_DANGER,))
    if step is Step.DANGER:
        if yes_no is None:
            return _again(
                step,
                text,
                asked_again=asked_again,
                then=Answer(
                    Step.CONSENT, danger=Danger.UNKNOWN, words=text, ask=(texts.ASK_CONSENT,)
                ),
            )
        return Answer(Step.CONSENT, danger=yes_no, ask=(texts.ASK_CONSENT,))
    if step is Step.CONSENT:
        if yes_no is None:
            # Anything but a clear yes means no: we never text a child who did not agree.
            return _again(
                step,
                text,
                asked_again=asked_again,
                then=Answer(Step.OPEN, consent=False, words=text, complete=True),
            )
        return Answer(Step.OPEN, consent=is_yes(text), complete=True)
    return Answer(Step.OPEN, words=text, ask=(texts.RECEIVED,))
