"""Finding the school (or region) a child names in their own words, in any language.

Children write "central high", "Riverside primary", "école Riverside", "училище Ривърсайд" or
"riversde" - never the directory's code. Both the words and the directory's names are reduced
to what tells schools apart: transliterated to Latin letters, without accents, without the
words every school name shares ("school", "école", "училище", "paaralan", "primary"...); then
each distinctive word of a name must appear in the text, spelled alike, sounding alike (the
consonants, as a transliteration keeps them) or with a typo or two. A school matches only when
it is the single best match: a guess between two schools is no answer, though a region they
share still is. Words that do not answer "where?" place a case only when they say "school".

The directory's words are indexed once per process (again when it grows, and every few minutes), so
a message is compared with the few names that share a word, a sound or a first letter - not
with every school of a national directory.
"""

from __future__ import annotations

import difflib
import re
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import func, select
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
    paaralan paaralang mababang mataas na ng sa ang aming elementarya
    district province region area city town village oblast grad selo rayon provinsya lungsod
    bayan
    """.split()  # noqa: SIM905 - a word list reads best as words
)
_FUZZY: Final = 0.8  # spelling similarity that still counts as the same word
_SOUND: Final = 0.85  # similarity of two consonant skeletons that still sound alike
_SOUND_MIN: Final = 3  # consonant skeletons shorter than this are too common to compare
# Words that say "school" in a supported language (in Latin letters, see ``_latin``).
SCHOOL_WORDS: Final = frozenset(
    {
        "school", "schools", "ecole", "college", "lycee", "academy", "uchilishte",
        "uchilishteto", "gimnaziya", "gimnaziyata", "paaralan", "paaralang",
    }
)  # fmt: skip


def _latin(text: str) -> str:
    folded = text.casefold()
    spelled = "".join(_CYRILLIC.get(c, c) for c in folded)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _all_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", _latin(text))


def words_of(text: str) -> list[str]:
    """The distinctive words of a name or a message, in Latin letters."""
    return [w for w in _all_words(text) if w not in GENERIC]


def _skeleton(word: str) -> str:
    """The consonants as most transliterations keep them: "tsentralna" ~ "central"."""
    word = word.replace("ts", "c").replace("k", "c").replace("ph", "f").replace("w", "v")
    word = word.replace("z", "s")
    word = re.sub(r"[aeiouy]", "", word.replace("j", "y"))
    return re.sub(r"(.)\1+", r"\1", word)


def _alike(a: str, b: str, cutoff: float) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= cutoff
        and matcher.quick_ratio() >= cutoff
        and matcher.ratio() >= cutoff
    )


@dataclass
class _Index:
    """The directory's names reduced to their distinctive words, looked up by word, by sound
    and by first letter and length (for spelling mistakes)."""

    schools: list[tuple[int, int, tuple[str, ...]]] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)  # code -> school position
    by_word: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_sound: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    spellings: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    sounds: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    regions: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)

    def add_school(self, school_id: int, code: str, name: str, region_id: int) -> None:
        words = tuple(dict.fromkeys(words_of(name)))
        position = len(self.schools)
        self.schools.append((school_id, region_id, words))
        self.codes[code.casefold()] = position
        for word in words:
            if word not in self.by_word:
                if len(word) >= 4:
                    self.spellings[(word[0], len(word))].append(word)
                sound = _skeleton(word)
                if len(sound) >= _SOUND_MIN:
                    if sound not in self.by_sound:
                        self.sounds[(sound[0], len(sound))].append(sound)
                    self.by_sound[sound].add(word)
            self.by_word[word].add(position)

    def names_matched(self, text_words: list[str]) -> set[str]:
        """The directory's words that some word of the text is (spelled alike or sounding
        alike, an ending added)."""
        found: set[str] = set()
        for word in dict.fromkeys(text_words):
            if word in self.by_word:
                found.add(word)
            for length in range(len(word) - 2, len(word) + 3):
                found.update(
                    w for w in self.spellings.get((word[0], length), ()) if _alike(w, word, _FUZZY)
                )
            sound = _skeleton(word)
            if len(sound) < _SOUND_MIN:
                continue
            for end in range(_SOUND_MIN, len(sound) + 1):  # a Bulgarian or Filipino ending
                found.update(self.by_sound.get(sound[:end], ()))
            for length in range(len(sound) - 1, len(sound) + 2):
                for other in self.sounds.get((sound[0], length), ()):
                    if _alike(other, sound, _SOUND):
                        found.update(self.by_sound[other])
        return found


_lock = threading.Lock()
_cached: dict[str, tuple[tuple[object, ...], _Index, float]] = {}
_FRESH: Final = 300.0  # seconds an index is trusted when no school was added


def _index(session: Session) -> _Index:
    """The directory's index: built again when a school or region is added, and at least
    every few minutes (a renamed school is found by its new name soon after)."""
    version = tuple(session.execute(select(func.count(), func.max(School.id))).one()) + tuple(
        session.execute(select(func.count(), func.max(Region.id))).one()
    )
    database = repr(session.get_bind().engine.url)  # one index per database (tests have many)
    cached = _cached.get(database)
    if cached is not None and cached[0] == version and time.monotonic() - cached[2] < _FRESH:
        return cached[1]
    index = _Index()
    for school_id, code, name, region_id in session.execute(
        select(School.id, School.code, School.name, School.region_id).order_by(School.id)
    ):
        index.add_school(school_id, code, name, region_id)
    index.regions = [
        (rid, code.casefold(), tuple(words_of(name)))
        for rid, code, name in session.execute(select(Region.id, Region.code, Region.name))
    ]
    with _lock:
        _cached[database] = (version, index, time.monotonic())
    return index


@dataclass(frozen=True)
class Place:
    """Where the words point: a school (and its region), or only a region."""

    region_id: int
    school_id: int | None = None


def find_place(session: Session, text: str, *, loose: bool = True) -> Place | None:
    """The school or region the text names, when exactly one fits best; else None.

    ``loose``: the text answers "where?" (a form's place, an SMS answer). Otherwise it is
    passing words ("she hit me at sunrise"), which name a school only if they say "school".
    """
    every = _all_words(text)
    if not loose and not SCHOOL_WORDS.intersection(every):
        return None
    text_words = [w for w in every if w not in GENERIC]
    if not text_words:
        return None
    index = _index(session)
    tokens = set(re.findall(r"[\w-]+", text.casefold()))
    coded = [index.codes[t] for t in tokens if t in index.codes]
    if len(set(coded)) == 1:
        school_id, region_id, _ = index.schools[coded[0]]
        return Place(region_id=region_id, school_id=school_id)
    matched = index.names_matched(text_words)
    positions = {p for word in matched for p in index.by_word[word]}
    scored = [
        (len(words), school_id, region_id)
        for school_id, region_id, words in (index.schools[p] for p in positions)
        if words and all(w in matched for w in words)
    ]
    best = max((score for score, _, _ in scored), default=0)
    if best:
        top = [(sid, rid) for score, sid, rid in scored if score == best]
        if len(top) == 1:
            return Place(region_id=top[0][1], school_id=top[0][0])
        regions = {rid for _, rid in top}
        return Place(region_id=regions.pop()) if len(regions) == 1 else None
    named = [
        rid
        for rid, code, region_words in index.regions
        if code in tokens
        or (region_words and all(any(_same_word(w, t) for t in text_words) for w in region_words))
    ]
    return Place(region_id=named[0]) if len(named) == 1 else None


def _same_word(name_word: str, text_word: str) -> bool:
    """One word of a region's name and one of the text (regions are few: compared directly)."""
    if name_word == text_word:
        return True
    if len(name_word) >= 4 and _alike(name_word, text_word, _FUZZY):
        return True
    a, b = _skeleton(name_word), _skeleton(text_word)
    if len(a) < _SOUND_MIN or len(b) < _SOUND_MIN:
        return False
    return b.startswith(a) or _alike(a, b, _SOUND)


def school_named(session: Session, words: str) -> str | None:
    """The code of the one school these words name (its code, or its name however spelled),
    for staff typing a school; None when no single school fits."""
    found = find_place(session, words)
    if found is None or found.school_id is None:
        return None
    return session.scalar(select(School.code).where(School.id == found.school_id))
