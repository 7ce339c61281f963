"""Finding the school (or region) a child names in their own words, in any language.

Children write "central high", "Riverside primary", "école Riverside", "училище Ривърсайд" or
"riversde" - never the directory's code. Both the words and the directory's names are reduced
to what tells schools apart: transliterated to Latin letters, without accents, without the
words every school name shares ("school", "école", "училище", "paaralan", "primary"...); then
each distinctive word of a name must appear in the text, spelled alike, sounding alike (the
consonants, as a transliteration keeps them) or with a typo or two. A school matches only when
it is the single best match: a guess between two schools is no answer, though a region they
share still is.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.places.models import Region, School

# Bulgarian (streamlined system), close enough for other Cyrillic spellings too.
_CYRILLIC: Final = dict(
    zip(
        "абвгдежзийклмнопрстуфхцчшщъьюяѝ",
        [
            "a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
            "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "yu", "ya", "i",
        ],
        strict=True,
    )
)  # fmt: skip
# Words that say "a school" or "a place" in a supported language, not which one.
GENERIC: Final = frozenset(
    """
    school schools primary secondary high junior senior elementary middle academy college
    grammar community public state international the of at in on my our a an st saint
    ecole college lycee primaire secondaire maternelle de du des la le les l a au en mon ma
    notre
    uchilishte uchilishteto osnovno osnovnoto sredno srednoto gimnaziya gimnaziyata
    profesionalna ezikova ou su pg v vav na moeto moyat nashoto
    paaralan mababang mataas na ng sa ang aming elementarya
    district province region area city town village oblast grad selo rayon provinsya lungsod
    bayan
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_FUZZY: Final = 0.8  # spelling similarity that still counts as the same word
_SOUND_MIN: Final = 3  # consonant skeletons shorter than this are too common to compare


def _latin(text: str) -> str:
    folded = text.casefold()
    spelled = "".join(_CYRILLIC.get(c, c) for c in folded)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The distinctive words of a name or a message, in Latin letters."""
    return [w for w in re.findall(r"[a-z0-9]+", _latin(text)) if w not in GENERIC]


def _skeleton(word: str) -> str:
    """The consonants as most transliterations keep them: "tsentralna" ~ "central"."""
    word = word.replace("ts", "c").replace("k", "c").replace("ph", "f").replace("w", "v")
    word = word.replace("z", "s")
    word = re.sub(r"[aeiouy]", "", word.replace("j", "y"))
    return re.sub(r"(.)\1+", r"\1", word)


def _same(name_word: str, text_word: str) -> bool:
    if name_word == text_word:
        return True
    if len(name_word) >= 4 and (
        difflib.SequenceMatcher(None, name_word, text_word).ratio() >= _FUZZY
    ):
        return True
    a, b = _skeleton(name_word), _skeleton(text_word)
    if len(a) < _SOUND_MIN or len(b) < _SOUND_MIN:
        return False
    # A Bulgarian or Filipino ending on the child's word: "tsentralnoto" ~ "central".
    return b.startswith(a) or difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def _score(name: str, code: str, text_words: list[str], raw: str) -> int:
    """How many distinctive words of the name the text holds (all or nothing); the code
    written as is counts as a perfect match."""
    if code and code.casefold() in raw.casefold().split():
        return 100
    wanted = words_of(name)
    if not wanted:
        return 0
    found = sum(any(_same(w, t) for t in text_words) for w in wanted)
    return found if found == len(wanted) else 0


@dataclass(frozen=True)
class Place:
    """Where the words point: a school (and its region), or only a region."""

    region_id: int
    school_id: int | None = None


def find_place(session: Session, text: str) -> Place | None:
    """The school or region the text names, when exactly one fits best; else None."""
    text_words = words_of(text)
    if not text_words:
        return None
    schools = session.execute(select(School.id, School.code, School.name, School.region_id)).all()
    scored = [(_score(name, code, text_words, text), sid, rid) for sid, code, name, rid in schools]
    best = max((score for score, _, _ in scored), default=0)
    if best:
        top = [(sid, rid) for score, sid, rid in scored if score == best]
        if len(top) == 1:
            return Place(region_id=top[0][1], school_id=top[0][0])
        regions = {rid for _, rid in top}
        return Place(region_id=regions.pop()) if len(regions) == 1 else None
    found_regions = [
        rid
        for rid, code, name in session.execute(select(Region.id, Region.code, Region.name))
        if _score(name, code, text_words, text)
    ]
    return Place(region_id=found_regions[0]) if len(found_regions) == 1 else None
