"""Crockford base32: digits and letters without I, L, O and U, read forgivingly.

Chosen for references and follow-up codes a child copies by hand or types on a keypad:
no letters that look like digits, case does not matter, and I/L read as 1, O as 0.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: c for c in ALPHABET} | {"I": "1", "L": "1", "O": "0"}


def random_symbols(count: int) -> str:
    """Return ``count`` uniformly random symbols (5 bits each), from one call to the OS."""
    return symbols_from_int(secrets.randbits(5 * count), count)


def symbols_from_int(value: int, count: int) -> str:
    """Encode the low ``5 * count`` bits of ``value`` as ``count`` symbols."""
    out = []
    for _ in range(count):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def normalise(text: str) -> str | None:
    """Upper-case, drop spaces and dashes, map look-alikes; None if any symbol is invalid."""
    out = []
    for ch in text.upper():
        if ch in " -\t":
            continue
        mapped = _DECODE.get(ch)
        if mapped is None:
            return None
        out.append(mapped)
    return "".join(out)


def group(symbols: str, size: int) -> str:
    """Split symbols into dash-separated groups of ``size`` for reading aloud or copying."""
    return "-".join(symbols[i : i + size] for i in range(0, len(symbols), size))
