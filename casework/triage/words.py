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
_DANGER: Final = [
    re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")
    for words in DANGER_WORDS.values()
    for word in words
]

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


def _patterns(table: dict[str, list[str]]) -> list[re.Pattern[str]]:
    return [
        re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")
        for words in table.values()
        for word in words
    ]


_SELF_HARM: Final = _patterns(SELF_HARM_WORDS)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def mentions_danger(text: str) -> bool:
    """True when the text holds a danger word of any supported language."""
    folded = _folded(text)
    return any(pattern.search(folded) for pattern in _DANGER)


def mentions_self_harm(text: str) -> bool:
    """True when the text speaks of self-harm or suicide in any supported language."""
    folded = _folded(text)
    return any(pattern.search(folded) for pattern in _SELF_HARM)
