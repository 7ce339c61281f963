"""Languages the hotline answers in (ISO 639 codes)."""

from __future__ import annotations

from typing import Final

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("en", "fr", "bg", "fil")
DEFAULT_LANGUAGE: Final = "en"
