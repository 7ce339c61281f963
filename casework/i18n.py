"""Translations from gettext catalogs (``casework/locales/<lang>/LC_MESSAGES/messages.po``).

Catalogs are read with Babel at first use, so adding a language is adding a catalog: no
compile step, no code change. A message missing from a catalog falls back to English.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from casework.languages import DEFAULT_LANGUAGE

LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The translations for one language (English: the message ids themselves)."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translate(language: str, message: str, **params: object) -> str:
    """``message`` in ``language``, with ``{name}`` placeholders filled in."""
    return catalog(language).gettext(message).format(**params)
