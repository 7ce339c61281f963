"""Public case references such as ``HX-7K3P-9QW``.

Seven Crockford base32 symbols (35 bits): short enough to read over the phone, random so they
say nothing about volume or order. A reference is an identifier, not a secret: follow-up also
needs the report's code. Intake draws again while a drawn reference is taken; the unique
constraint guards the (astronomically rare) race of two new cases drawing the same one.
"""

from __future__ import annotations

from casework import crockford

PREFIX = "HX"
_BODY = 7


def new_reference() -> str:
    """Return a fresh random reference."""
    body = crockford.random_symbols(_BODY)
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def normalise_reference(text: str) -> str | None:
    """Canonical form of a typed reference (any case, dashes or spaces optional), or None."""
    symbols = crockford.normalise(text.strip())
    if symbols is None:
        return None
    if len(symbols) == len(PREFIX) + _BODY and symbols.startswith(PREFIX):
        symbols = symbols[len(PREFIX) :]
    if len(symbols) != _BODY:
        return None
    return f"{PREFIX}-{symbols[:4]}-{symbols[4:]}"
