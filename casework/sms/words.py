"""Reading a child's text: keywords, yes/no, numbered choices, words that mean danger now.

Keywords count only as the whole message ("STOP" stops; "he won't stop hitting me" is a
report). Matching ignores case, accents of the keyboard and surrounding punctuation.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Final

from casework.enums import Danger


class Keyword(enum.StrEnum):
    """Whole-message commands."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    SAFE_WORD = "safe_word"


# Twilio's default opt-out, opt-in and help keywords.
_STOP: Final = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
_START: Final = frozenset({"start", "unstop"})
_HELP: Final = frozenset({"help", "info"})

_YES: Final = frozenset(
    {"yes", "y", "yeah", "yep", "ok", "oui", "o", "da", "да", "д", "oo", "opo", "oho"}
)
_NO: Final = frozenset({"no", "n", "nope", "non", "ne", "не", "н", "hindi", "hinde", "di"})
_UNSURE: Final = frozenset(
    {
        "?",
        "maybe",
        "not sure",
        "don't know",
        "dont know",
        "peut-être",
        "je sais pas",
        "не знам",
        "ewan",
        "hindi ko alam",
    }
)

LANGUAGE_CHOICES: Final = {
    "1": "en", "english": "en", "en": "en",
    "2": "fr", "francais": "fr", "français": "fr", "french": "fr", "fr": "fr",
    "3": "bg", "български": "bg", "bulgarski": "bg", "bulgarian": "bg", "bg": "bg",
    "4": "fil", "filipino": "fil", "tagalog": "fil", "fil": "fil",
}  # fmt: skip

CATEGORY_CHOICES: Final = {
    "1": "physical_abuse",
    "2": "sexual_abuse",
    "3": "bullying",
    "4": "cyberbullying",
    "5": "corporal_punishment",
    "6": "domestic_violence",
    "7": "self_harm",
    "8": "other",
}


def normalise(text: str) -> str:
    """Lower case, trimmed, single spaces, without the punctuation around it."""
    text = unicodedata.normalize("NFC", text).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!?,;:'\"()[]-")


def keyword(text: str, *, safe_word: str | None) -> Keyword | None:
    """The command this whole message is, if it is one."""
    word = normalise(text)
    if safe_word and word == normalise(safe_word):
        return Keyword.SAFE_WORD
    if word in _STOP:
        return Keyword.STOP
    if word in _START:
        return Keyword.START
    if word in _HELP:
        return Keyword.HELP
    return None


def is_yes(text: str) -> bool:
    """A yes in any supported language."""
    return normalise(text) in _YES


def yes_no_unsure(text: str) -> Danger | None:
    """YES, NO, NOT SURE in any supported language (None when it is something else)."""
    word = normalise(text)
    if word in _YES:
        return Danger.YES
    if word in _NO:
        return Danger.NO
    if word in _UNSURE:
        return Danger.UNKNOWN
    return None


# Phone country -> the language to start in; otherwise the child is asked.
REGION_LANGUAGE: Final = {
    "BG": "bg",
    "FR": "fr", "BE": "fr", "LU": "fr", "MC": "fr", "SN": "fr", "CI": "fr",
    "PH": "fil",
    "GB": "en", "GG": "en", "JE": "en", "IM": "en", "IE": "en",
    "US": "en", "CA": "en", "AU": "en", "NZ": "en", "MT": "en",
}  # fmt: skip
