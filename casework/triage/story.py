"""What a child's own words say about who hurt them and what happened, in every language.

The web form and the app ask for the category and the alleged perpetrator's role; a text
message has only the child's words. These lists find the role (a teacher, school staff, an
official, a carer) and a likely category in English, French, Bulgarian and Filipino, so SMS
reports get the same triage floors (someone in authority -> at least P2). A guess from words
is shown to caseworkers as a triage factor and they correct it on the case page.

A trailing ``*`` matches any ending (Bulgarian and French nouns change their endings);
matching is on whole words, ignoring case and accents typed or not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from casework.enums import PerpetratorRole
from casework.triage.words import mentions_self_harm

R = PerpetratorRole
# The most specific role first: "the school's director" is staff before anyone else.
ROLE_WORDS: Final[dict[PerpetratorRole, list[str]]] = {
    R.TEACHER: [
        # en
        "teacher*", "head teacher*", "headteacher*", "headmaster*", "headmistress*",
        "principal", "tutor", "form tutor",
        # fr
        "professeur*", "prof", "profs", "maitre", "maitresse", "instituteur*", "institutrice*",
        "enseignant*", "instit", "instits", "directeur", "directrice",
        # bg
        "учител*", "даскал*", "директор*", "класн* ръководител*", "госпожа*", "господин*",
        # fil
        "guro", "titser", "ma'am", "maestra", "maestro", "punong-guro", "prinsipal", "ni sir",
        "si sir", "ni ma'am", "si ma'am",
    ],
    R.SCHOOL_STAFF: [
        "school nurse", "janitor*", "caretaker*", "dinner lady", "lunch lady", "school bus driver",
        "school guard", "school cook",
        "surveillant*", "pion", "cantiniere", "concierge de l'ecole", "chauffeur du car",
        "чистач*", "охранител*", "възпитател*", "шофьор* на училищния",
        "dyanitor", "guwardiya", "gwardiya", "tagaluto sa paaralan",
    ],
    R.OFFICIAL: [
        "police*", "policeman", "policemen", "officer*", "priest*", "pastor*", "imam*", "coach*",
        "youth leader*", "scout leader*",
        "policier*", "gendarme*", "pretre*", "cure", "entraineur*", "animateur*", "moniteur*",
        "полицай*", "полиция*", "свещеник*", "треньор*", "поп",
        "pulis", "tanod", "pari", "kapitan", "barangay captain",
    ],
    R.CARER: [
        "dad", "daddy", "father", "stepdad", "stepfather", "mum", "mom", "mummy", "mommy",
        "mother", "stepmum", "stepmom", "stepmother", "my parents", "guardian", "foster*",
        "papa", "pere", "beau-pere", "maman", "mere", "belle-mere", "mes parents",
        "баща*", "татко", "тате", "майка*", "мама", "мащеха*", "пастрок*", "родители*",
        "tatay", "itay", "ama ko", "nanay", "inay", "ina ko", "amain", "madrasta",
        "mga magulang",
    ],
}  # fmt: skip

# Words of hitting or hurting: with someone in authority at school, corporal punishment.
HIT_WORDS: Final = [
    "hit*", "slap*", "beat*", "beaten", "smack*", "punch*", "kick*", "cane", "caned", "stick",
    "ruler", "belt", "hurt*", "pinch*", "pull* my ear", "pull* my hair",
    "frappe*", "gifle*", "tape*", "battu*", "bat", "coup", "coups", "fesse*", "regle", "baton",
    "удари*", "удря*", "бие", "бий", "бият", "би ме", "шамар*", "ритна*", "рита*", "пръчк*",
    "линийк*", "дърпа*",
    "sinampal", "sampal*", "hinampas", "hampas*", "pinalo", "palo", "sinuntok", "suntok",
    "sinipa", "kinurot", "pingot", "patpat",
]  # fmt: skip

CATEGORY_WORDS: Final[dict[str, list[str]]] = {
    "sexual_abuse": [
        "touched me", "touches me", "touching me", "touch me", "rape*", "private parts",
        "my private", "undress*", "naked", "kissed me",
        "touche*", "m'a touche*", "viol*", "parties intimes", "deshabill*",
        "пипа*", "опипва*", "изнасил*", "интимни", "съблече*",
        "hinawakan", "hinipuan", "ginahasa", "maselang bahagi",
    ],
    "cyberbullying": [
        "online", "internet", "instagram", "tiktok", "whatsapp", "snapchat", "facebook",
        "group chat", "posted", "messages about me", "photo* of me",
        "en ligne", "reseaux sociaux", "publie*",
        "онлайн", "интернет", "фейсбук", "снимк*", "групов* чат", "чат*",
        "pinost", "nag-post", "gc", "group chat",
    ],
    "bullying": [
        "bully", "bullies", "bullied", "bullying", "make fun of me", "makes fun of me",
        "picking on me", "pick on me", "call me names", "calls me names", "tease*",
        "harcel*", "se moque*", "se moquent", "me traitent",
        "тормоз*", "подиграва*", "обижда*", "присмива*",
        "binubully", "inaasar", "tinutukso", "pinagtatawanan",
    ],
    "domestic_violence": [
        "fighting at home", "fight at home", "hits my mum", "hits my mom", "hits my mother",
        "violence a la maison", "frappe ma mere", "frappe maman",
        "бие майка ми", "бие мама", "скандал* вкъщи",
        "sinasaktan si nanay", "sinasaktan si mama", "away sa bahay",
    ],
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case without accents, typed or not ("Maîtresse" and "maitresse" are one word;
    the word lists are folded the same way), with typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept.replace("\u2019", "'"))


def _pattern(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in words:
        body = re.escape(fold(word)).replace(r"\*", r"\w*").replace(r"\ ", r"\s+")
        parts.append(body)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


_ROLES: Final = [(role, _pattern(words)) for role, words in ROLE_WORDS.items()]
_HIT: Final = _pattern(HIT_WORDS)
_CATEGORIES: Final = [(code, _pattern(words)) for code, words in CATEGORY_WORDS.items()]
# Hitting by these is corporal punishment (by a parent or carer: physical abuse).
_IN_CHARGE: Final = frozenset({R.TEACHER, R.SCHOOL_STAFF, R.OFFICIAL})


@dataclass(frozen=True)
class Story:
    """What the words tell: the alleged perpetrator's role and a likely category."""

    perpetrator_role: PerpetratorRole = PerpetratorRole.UNKNOWN
    category: str | None = None


def read_story(text: str) -> Story:
    """The role and category a child's words point to (UNKNOWN / None when they do not).

    With several roles named ("my dad hits me because my teacher told him"), the one nearest
    the words of hitting is the one who hit.
    """
    folded = fold(text)
    hits = [m.start() for m in _HIT.finditer(folded)]
    named = [(m.start(), role) for role, pattern in _ROLES for m in pattern.finditer(folded)]

    def distance(found: tuple[int, PerpetratorRole]) -> int:
        at = found[0]
        return min(abs(at - h) for h in hits) if hits else at

    role = min(named, key=distance)[1] if named else R.UNKNOWN
    category = "self_harm" if mentions_self_harm(text) else None
    category = category or next((code for code, p in _CATEGORIES if p.search(folded)), None)
    if category is None and hits:
        category = "corporal_punishment" if role in _IN_CHARGE else "physical_abuse"
    return Story(role, category)
