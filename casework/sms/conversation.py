"""The intake conversation as pure rules: what a message means at each step, what to ask next.

Free text is always accepted: at any step a child may just tell us what happened, and the
words are kept; only the numbered choices and yes/no answers are read as answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.enums import Danger
from casework.sms import texts
from casework.sms.models import Step
from casework.sms.words import CATEGORY_CHOICES, LANGUAGE_CHOICES, is_yes, normalise, yes_no_unsure


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


def first_message(text: str, *, language: str | None) -> Answer:
    """A new conversation: keep the words, then ask the language (if unknown) or what happened."""
    if language is None:
        return Answer(Step.LANGUAGE, words=text, ask=(texts.ASK_LANGUAGE,))
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


def answer(step: Step, text: str) -> Answer:  # noqa: PLR0911 - one branch per step reads best
    """What ``text`` means at ``step``."""
    if not text.strip():
        # A picture without words answers nothing: stay, and ask the same question again.
        return Answer(step, ask=(QUESTION[step],))
    word = normalise(text)
    if step is Step.LANGUAGE:
        chosen = LANGUAGE_CHOICES.get(word)
        if chosen:
            return Answer(Step.WHAT, language=chosen, ask=(texts.ASK_WHAT,))
        # Not a choice: English it is, and these are more of their words.
        return Answer(Step.WHERE, language="en", words=text, ask=(texts.ASK_WHERE,))
    if step is Step.WHAT:
        category = CATEGORY_CHOICES.get(word)
        if category:
            return Answer(Step.WHERE, category=category, ask=(texts.ASK_WHERE,))
        return Answer(Step.WHERE, words=text, ask=(texts.ASK_WHERE,))
    if step is Step.WHERE:
        return Answer(Step.DANGER, place=text.strip(), ask=(texts.ASK_DANGER,))
    if step is Step.DANGER:
        danger = yes_no_unsure(text)
        if danger is None:
            return Answer(Step.CONSENT, danger=Danger.UNKNOWN, words=text, ask=(texts.ASK_CONSENT,))
        return Answer(Step.CONSENT, danger=danger, ask=(texts.ASK_CONSENT,))
    if step is Step.CONSENT:
        reply = yes_no_unsure(text)
        if reply is None:
            # Anything but a clear yes means no: we never text a child who did not agree.
            return Answer(Step.OPEN, consent=False, words=text, complete=True)
        return Answer(Step.OPEN, consent=is_yes(text), complete=True)
    return Answer(Step.OPEN, words=text, ask=(texts.RECEIVED,))
