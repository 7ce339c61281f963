"""Time-ordered random identifiers for rows (UUID version 7, RFC 9562).

Rows get their id in Python before they are inserted, so related rows and (later) the
associated data of encrypted fields can refer to it; time ordering keeps B-tree inserts local.
"""

from __future__ import annotations

import secrets
import time
import uuid


def new_id() -> uuid.UUID:
    """Return a new UUIDv7: 48-bit Unix milliseconds, then 74 random bits."""
    millis = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 62) << 64  # 12 bits rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # 62 bits rand_b
    return uuid.UUID(int=value)
