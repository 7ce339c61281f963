"""How wrong follow-up attempts are slowed and then locked (pure rules, table-tested).

- The first ``FREE_ATTEMPTS`` wrong answers cost nothing extra.
- After that, each further attempt must wait ``BASE_DELAY * 2**(n - FREE_ATTEMPTS)`` (capped at
  ``MAX_DELAY``) from the last wrong one.
- At ``LOCK_AFTER`` wrong answers the reference is locked for ``LOCK_PERIOD``.
- A streak is forgotten once ``FORGET_AFTER`` has passed since its last wrong answer, and a right
  answer clears it.

With these numbers a guesser gets at most ~10 tries an hour per reference against a 60-bit code.
"""

from __future__ import annotations

import datetime as dt

FREE_ATTEMPTS = 3
BASE_DELAY = dt.timedelta(seconds=5)
MAX_DELAY = dt.timedelta(minutes=5)
LOCK_AFTER = 10
LOCK_PERIOD = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(hours=1)


def effective_failures(failures: int, last_failure_at: dt.datetime | None, now: dt.datetime) -> int:
    """The streak that still counts at ``now`` (0 once it has been forgotten)."""
    if last_failure_at is None or now - last_failure_at >= FORGET_AFTER:
        return 0
    return failures


def wait_required(
    failures: int, last_failure_at: dt.datetime | None, now: dt.datetime
) -> dt.timedelta:
    """How long the reporter must still wait before another attempt is checked (0 = go ahead)."""
    counted = effective_failures(failures, last_failure_at, now)
    if counted < FREE_ATTEMPTS or last_failure_at is None:
        return dt.timedelta(0)
    if counted >= LOCK_AFTER:
        delay = LOCK_PERIOD
    else:
        delay = min(BASE_DELAY * 2 ** (counted - FREE_ATTEMPTS), MAX_DELAY)
    remaining = last_failure_at + delay - now
    return max(remaining, dt.timedelta(0))
