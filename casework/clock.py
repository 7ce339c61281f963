"""Time, always timezone-aware UTC, behind a small interface so tests can move it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time."""

    def now(self) -> dt.datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """Return the current time as an aware UTC datetime."""
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that only moves when told to (for tests and replays)."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """Return the frozen time."""
        return self._now

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock forward."""
        self._now += delta

    def set(self, at: dt.datetime) -> None:
        """Move the clock to ``at`` (an aware datetime)."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(dt.UTC)
