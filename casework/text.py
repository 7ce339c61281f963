"""Rules on free text shared by every channel."""

from __future__ import annotations

import re

# Control characters other than tab, newline and carriage return. They carry no meaning in a
# report, and PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a control character a person would not type."""
    return _CONTROL.search(text) is not None
