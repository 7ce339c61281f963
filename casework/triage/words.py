"""Words that say a child is in danger now, or thinking of harming themselves, per language.

Used on every channel's free text (SMS, web form, app) to raise the priority at intake and on
every later message. Broad on purpose (a false alarm costs a caseworker a look; a missed one
can cost a child), but not words as common as "now" or "help" alone. Matching is on whole words
or phrases, ignoring case.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Words that say someone is in danger now, per language. Broad on purpose (a false alarm
# costs a caseworker a look; a missed one can cost a child), but not words as common as
# "now" or "help" alone, which would raise an alarm on every other message.
DANGER_WORDS: Final = {
    "en": ["kill", "killing", "knife", "gun", "bleeding", "blood", "suicide", "dying",
           "going to die", "help me now", "can't breathe", "cant breathe", "emergency",
           "hurting me now", "hurting me right now", "hitting me now", "hitting me right now",
           "kill myself"],
    "fr": ["tuer", "tue", "couteau", "arme", "pistolet", "saigne", "sang", "suicide", "mourir",
           "urgence", "au secours", "aidez-moi", "me tuer"],
    "bg": ["убие", "убия", "убива", "нож", "пистолет", "кърви", "кръв", "самоубийство",
           "умра", "умирам", "спешно", "помогнете"],
    "fil": ["patayin", "papatayin", "pumatay", "kutsilyo", "baril", "dugo", "nagdurugo",
            "magpakamatay", "mamamatay", "saklolo", "emergency"],
}  # fmt: skip

# Words of self-harm or suicidal thoughts, per language.
SELF_HARM_WORDS: Final = {
    "en": ["kill myself", "killing myself", "hurt myself", "hurting myself", "cut myself",
           "cutting myself", "suicide", "suicidal", "end my life", "want to die", "wanna die",
           "don't want to live", "dont want to live", "self harm", "self-harm"],
    "fr": ["me suicider", "suicide", "me tuer", "me faire du mal", "me couper",
           "en finir", "veux mourir", "envie de mourir"],
    "bg": ["самоубийство", "да се самоубия", "да се нараня", "да се режа", "искам да умра",
           "не искам да живея"],
    "fil": ["magpakamatay", "saktan ang sarili", "sasaktan ko ang sarili", "gusto ko nang mamatay",
            "ayoko nang mabuhay"],
}  # fmt: skip


def _pattern(table: dict[str, list[str]]) -> re.Pattern[str]:
    """One compiled alternation of every language's words, each a whole word or phrase: one
    scan of the text instead of a search per word (there are about a hundred)."""
    words = sorted({word for words in table.values() for word in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")


_DANGER: Final = _pattern(DANGER_WORDS)
_SELF_HARM: Final = _pattern(SELF_HARM_WORDS)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def mentions_danger(text: str) -> bool:
    """True when the text holds a danger word of any supported language."""
    folded = _folded(text)
    return _DANGER.search(folded) is not None


def mentions_self_harm(text: str) -> bool:
    """True when the text speaks of self-harm or suicide in any supported language."""
    folded = _folded(text)
    return _SELF_HARM.search(folded) is not None
