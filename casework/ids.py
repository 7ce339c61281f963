"""Time-ordered random identifiers for rows (UUID version 7, RFC 9562).

Rows get their id in Python before they are inserted, so related rows and (later) the
associated data of encrypted fields can refer to it; time ordering keeps B-tree inserts local.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def new_id() -> uuid.UUID:
    """Return a new UUIDv7: 48-bit Unix milliseconds, then 74 random bits.

    Monotonic within the process (RFC 9562 §6.2, method 2: a value not above the last one
    becomes the last one plus one), so rows written together sort in the order written.
    """
    global _last  # noqa: PLW0603 - the process-wide high-water mark
    millis = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 62) << 64  # 12 bits rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # 62 bits rand_b
    with _lock:
        if value <= _last:
            value = _last + 1
        _last = value
    return uuid.UUID(int=value)
