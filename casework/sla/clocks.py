"""SLA clocks computed from a case's event log: pure, so what a supervisor sees is exactly
what the history says, and recomputing gives the same answer.

Which events start each clock, meet it (what it waits for), or end it otherwise:

=======================  ======================  ========================  ====================
clock                    starts                  is met by                 also ends when
=======================  ======================  ========================  ====================
acknowledge              case opened             the first act of a
                                                 member of staff
triage                   case opened; reopened   triaged, priority
                                                 overridden, referred /
                                                 decided, status set by
                                                 staff (not closing)
first_response           case opened             a message to the
                                                 reporter, or staff
                                                 moving the case on (not
                                                 closing it)
referral_decision        case opened             referred, or decided
                                                 not to
partner_acknowledgement  each referral           the partner acknowledges  it is withdrawn
                                                 it (or decides)
partner_acceptance       each referral           the partner accepts or    it is withdrawn
                                                 declines
closure_review           closure requested       approved (closed) or      any other move
                                                 rejected                  (the request is
                                                                           withdrawn)
=======================  ======================  ========================  ====================

Every clock ends when the case is closed. A clock ended by something other than what it
waits for was neither met nor missed: its outcome is *stopped*, which compliance figures
leave out - unless it was already past its due time, which stays a breach (*missed*).
A running clock is held to the target for the
case's *current* priority (raising it to P1 makes it due sooner) and category, if one is set;
a stopped clock to the priority it had when it stopped (a later change does not rewrite
whether it was met).
P1 clocks run around the clock and cannot be paused; the others follow the region's business
hours when their target says so, and stand still while the case's clocks are paused.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from casework.enums import ActorKind, CaseEventKind, CaseStatus, Priority
from casework.sla.calendar import AROUND_THE_CLOCK, BusinessCalendar, Interval, reach
from casework.sla.models import ClockKind

WARN_AT: Final = 0.75
K = ClockKind
E = CaseEventKind
ON_OPEN: Final = (K.ACKNOWLEDGE, K.TRIAGE, K.FIRST_RESPONSE, K.REFERRAL_DECISION)
_PRIORITIES: Final = frozenset(p.value for p in Priority)
NOT_PAUSED: Final = frozenset({K.CLOSURE_REVIEW, K.PARTNER_ACKNOWLEDGEMENT, K.PARTNER_ACCEPTANCE})
PARTNER_CLOCKS: Final = frozenset({K.PARTNER_ACKNOWLEDGEMENT, K.PARTNER_ACCEPTANCE})
# The partner's answers that meet its clocks (a withdrawal by staff only ends them).
_ANSWERED: Final = frozenset({"accepted", "declined", "completed"})


class Outcome(enum.StrEnum):
    """How a clock that has stopped came out."""

    MET = "met"  # what it waits for happened in time
    MISSED = "missed"  # it ran past its due time (a breach, however it then stopped)
    STOPPED = "stopped"  # ended in time by something else (case closed, referral withdrawn)


@dataclass(frozen=True)
class Event:
    """What the clocks need of one case event."""

    seq: int
    kind: CaseEventKind
    actor_kind: ActorKind
    at: dt.datetime
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Target:
    """How long a clock may run, and whether in business hours."""

    minutes: int
    business_hours: bool = False


class Targets:
    """The target table: by (clock, priority, category), falling back to no category."""

    def __init__(self, rows: Mapping[tuple[ClockKind, Priority, int | None], Target]) -> None:
        self._rows = dict(rows)

    def get(self, clock: ClockKind, priority: Priority, category_id: int | None) -> Target | None:
        """The target for this clock, priority and category (None: no clock)."""
        return self._rows.get((clock, priority, category_id)) or self._rows.get(
            (clock, priority, None)
        )


@dataclass(frozen=True)
class ClockState:
    """One clock of a case, as the history says it is."""

    clock: ClockKind
    start_seq: int
    started_at: dt.datetime
    stopped_at: dt.datetime | None
    due_at: dt.datetime | None  # None: paused for now
    warn_at: dt.datetime | None
    target_minutes: int
    priority: Priority
    paused: bool
    referral: str | None = None  # the referral a partner clock is about
    # Stopped by what it waits for (the partner answered...), not ended by something else.
    met_by_stop: bool = False

    def breached(self, now: dt.datetime) -> bool:
        """Whether the target was missed (by ``now``, or before it stopped)."""
        if self.due_at is None:
            return False
        end = self.stopped_at or now
        return end > self.due_at

    def running(self) -> bool:
        """Not stopped."""
        return self.stopped_at is None

    def outcome(self) -> Outcome | None:
        """Met, missed or stopped (neither); None while it runs."""
        if self.stopped_at is None:
            return None
        if self.breached(self.stopped_at):
            return Outcome.MISSED
        return Outcome.MET if self.met_by_stop else Outcome.STOPPED

    def state(self, now: dt.datetime) -> str:
        """One word for the clock: running, warning, breached or paused; once it has stopped,
        met, missed, or stopped (ended in time by something else, e.g. the case closed)."""
        outcome = self.outcome()
        if outcome is not None:
            return outcome.value
        if self.paused or self.due_at is None:
            return "paused"
        if self.breached(now):
            return "breached"
        if self.warn_at is not None and now >= self.warn_at:
            return "warning"
        return "running"


@dataclass
class _Open:
    clock: ClockKind
    start_seq: int
    started_at: dt.datetime
    referral: str | None = None
    stopped_at: dt.datetime | None = None
    stopped_priority: Priority | None = None  # the target a stopped clock was held to
    met: bool = False  # stopped by what it waits for


def _priority_after(event: Event) -> Priority | None:
    if event.kind in (E.PRIORITY_ASSESSED, E.TRIAGED):
        value = event.data.get("priority")
    elif event.kind is E.PRIORITY_OVERRIDDEN:
        value = event.data.get("to")
    else:
        return None
    return Priority(str(value)) if value in _PRIORITIES else None


def _stop(clock: _Open, event: Event) -> bool | None:
    """Whether ``event`` stops the clock: True when it is what the clock waits for (met),
    False when it ends it otherwise (the case closed, the referral withdrawn...), None when
    the clock runs on."""
    staff = event.actor_kind is ActorKind.STAFF
    kind = event.kind
    to = event.data.get("to") if kind is E.STATUS_CHANGED else None
    closing = to == CaseStatus.CLOSED.value
    moved_on = staff and kind is E.STATUS_CHANGED and not closing
    this_referral = event.data.get("referral") in (None, clock.referral)
    status = event.data.get("status") if kind is E.REFERRAL_UPDATED else None
    answered = status in _ANSWERED
    meets = {
        K.ACKNOWLEDGE: staff,
        K.TRIAGE: kind in (E.TRIAGED, E.PRIORITY_OVERRIDDEN, E.REFERRED, E.REFERRAL_DECIDED)
        or moved_on,
        K.FIRST_RESPONSE: kind is E.MESSAGE_SENT or moved_on or (staff and kind is E.REFERRED),
        K.REFERRAL_DECISION: kind in (E.REFERRED, E.REFERRAL_DECIDED),
        K.PARTNER_ACKNOWLEDGEMENT: this_referral and (kind is E.REFERRAL_ACKNOWLEDGED or answered),
        K.PARTNER_ACCEPTANCE: this_referral and answered,
        # A supervisor's decision: approved (the case closes) or rejected.
        K.CLOSURE_REVIEW: kind is E.CLOSURE_REJECTED or closing,
    }[clock.clock]
    if meets:
        return True
    ends = (
        closing
        or (clock.clock in PARTNER_CLOCKS and this_referral and status == "withdrawn")
        # Any other move of the case withdraws a closure request.
        or (clock.clock is K.CLOSURE_REVIEW and kind is E.STATUS_CHANGED)
    )
    return False if ends else None


def _replay(events: Sequence[Event]) -> tuple[list[_Open], Priority, list[Interval]]:
    """Walk the history once: the clocks started (and when they stopped), the priority now,
    and the pauses."""
    clocks: list[_Open] = []
    priority = Priority.P4
    pauses: list[Interval] = []
    for event in sorted(events, key=lambda e: e.seq):
        for running in clocks:
            stop = _stop(running, event) if running.stopped_at is None else None
            if stop is not None:
                running.stopped_at, running.met = event.at, stop
                running.stopped_priority = priority  # later changes do not rewrite the past
        priority = _priority_after(event) or priority
        kind = event.kind
        if kind is E.OPENED:
            clocks.extend(_Open(c, event.seq, event.at) for c in ON_OPEN)
        elif kind is E.STATUS_CHANGED and event.data.get("from") == CaseStatus.CLOSED.value:
            clocks.append(_Open(K.TRIAGE, event.seq, event.at))
        elif kind is E.REFERRED:
            referral = event.data.get("referral")
            clocks.extend(
                _Open(c, event.seq, event.at, referral=str(referral) if referral else None)
                for c in (K.PARTNER_ACKNOWLEDGEMENT, K.PARTNER_ACCEPTANCE)
            )
        elif kind is E.CLOSURE_REQUESTED:
            clocks.append(_Open(K.CLOSURE_REVIEW, event.seq, event.at))
        elif kind is E.CLOCK_PAUSED and not (pauses and pauses[-1][1] is None):
            pauses.append((event.at, None))
        elif kind is E.CLOCK_RESUMED and pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], event.at)
    return clocks, priority, pauses


def compute_clocks(
    events: Sequence[Event],
    *,
    category_id: int | None,
    targets: Targets,
    calendar: BusinessCalendar,
) -> list[ClockState]:
    """Every clock of a case with a target for its current priority, from its history."""
    started, priority, pauses = _replay(events)
    paused_now = bool(pauses) and pauses[-1][1] is None
    states: list[ClockState] = []
    for clock in started:
        held_to = clock.stopped_priority or priority
        target = targets.get(clock.clock, held_to, category_id)
        if target is None:
            continue
        around = held_to is Priority.P1 or not target.business_hours
        cal = AROUND_THE_CLOCK if around else calendar
        held: Sequence[Interval] = (
            () if held_to is Priority.P1 or clock.clock in NOT_PAUSED else pauses
        )
        amount = dt.timedelta(minutes=target.minutes)
        states.append(
            ClockState(
                clock=clock.clock,
                start_seq=clock.start_seq,
                started_at=clock.started_at,
                stopped_at=clock.stopped_at,
                due_at=reach(cal, clock.started_at, amount, held),
                warn_at=reach(cal, clock.started_at, amount * WARN_AT, held),
                target_minutes=target.minutes,
                priority=held_to,
                referral=clock.referral,
                paused=bool(held) and paused_now and clock.stopped_at is None,
                met_by_stop=clock.met,
            )
        )
    return states
