"""How a stopped clock came out: met only by what it waits for; ended by something else (the
case closed, the referral withdrawn, a closure request overtaken) it is *stopped* - neither
met nor missed, so compliance figures can leave it out - unless it was already overdue.
Pure: no database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.enums import ActorKind, CaseEventKind, Priority
from casework.sla.calendar import AROUND_THE_CLOCK
from casework.sla.clocks import ClockState, Event, Outcome, Target, Targets, compute_clocks
from casework.sla.models import ClockKind

E = CaseEventKind
K = ClockKind
HOUR = dt.timedelta(hours=1)
OPENED = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
# Every clock 10 hours, around the clock.
TARGETS = Targets({(kind, Priority.P3, None): Target(600) for kind in ClockKind})
CLOSED = {"from": "in_progress", "to": "closed", "why": "closed"}


class History:
    """A P3 case's history, written event by event."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.add(E.OPENED, 0, ActorKind.REPORTER)
        self.add(E.PRIORITY_ASSESSED, 0, ActorKind.SYSTEM, priority="P3")

    def add(
        self,
        kind: CaseEventKind,
        hours: float,
        actor: ActorKind = ActorKind.STAFF,
        /,
        **data: Any,
    ) -> History:
        at = OPENED + hours * HOUR
        self.events.append(Event(len(self.events) + 1, kind, actor, at, data))
        return self

    def clock(self, kind: ClockKind, referral: str | None = None) -> ClockState:
        states = compute_clocks(
            self.events, category_id=None, targets=TARGETS, calendar=AROUND_THE_CLOCK
        )
        (state,) = [s for s in states if s.clock is kind and s.referral == referral]
        return state


def _referred() -> History:
    return History().add(E.REFERRED, 1, referral="r1", partner="p1")


def test_a_running_clock_has_no_outcome() -> None:
    assert _referred().clock(K.PARTNER_ACKNOWLEDGEMENT, "r1").outcome() is None


def test_the_partner_answering_in_time_meets_its_clocks() -> None:
    history = _referred().add(E.REFERRAL_ACKNOWLEDGED, 2, ActorKind.PARTNER, referral="r1")
    history.add(E.REFERRAL_UPDATED, 3, ActorKind.PARTNER, referral="r1", status="accepted")

    assert history.clock(K.PARTNER_ACKNOWLEDGEMENT, "r1").outcome() is Outcome.MET
    assert history.clock(K.PARTNER_ACCEPTANCE, "r1").outcome() is Outcome.MET


def test_closing_the_case_before_the_partner_answered_is_not_met() -> None:
    history = _referred().add(E.STATUS_CHANGED, 2, **CLOSED)

    for kind in (K.PARTNER_ACKNOWLEDGEMENT, K.PARTNER_ACCEPTANCE):
        state = history.clock(kind, "r1")
        assert state.stopped_at == OPENED + 2 * HOUR
        assert state.outcome() is Outcome.STOPPED


def test_withdrawing_the_referral_stops_its_clocks_without_meeting_them() -> None:
    history = _referred().add(E.REFERRAL_UPDATED, 2, referral="r1", status="withdrawn")

    assert history.clock(K.PARTNER_ACKNOWLEDGEMENT, "r1").outcome() is Outcome.STOPPED
    assert history.clock(K.PARTNER_ACCEPTANCE, "r1").outcome() is Outcome.STOPPED


def test_a_clock_already_overdue_when_the_case_closed_stays_a_breach() -> None:
    history = _referred().add(E.STATUS_CHANGED, 12, **CLOSED)

    assert history.clock(K.PARTNER_ACKNOWLEDGEMENT, "r1").outcome() is Outcome.MISSED


def test_answering_late_is_missed() -> None:
    history = _referred().add(E.REFERRAL_ACKNOWLEDGED, 12, ActorKind.PARTNER, referral="r1")

    assert history.clock(K.PARTNER_ACKNOWLEDGEMENT, "r1").outcome() is Outcome.MISSED


@pytest.mark.parametrize("kind", [K.TRIAGE, K.FIRST_RESPONSE, K.REFERRAL_DECISION])
def test_closing_a_case_is_not_triage_a_response_or_a_referral_decision(kind: ClockKind) -> None:
    history = History().add(E.STATUS_CHANGED, 1, **{**CLOSED, "from": "new"})

    assert history.clock(kind).outcome() is Outcome.STOPPED


def test_closing_is_an_act_of_staff_so_it_acknowledges() -> None:
    by_staff = History().add(E.STATUS_CHANGED, 1, **CLOSED)
    assert by_staff.clock(K.ACKNOWLEDGE).outcome() is Outcome.MET


@pytest.mark.parametrize(
    ("kind", "event", "data"),
    [
        (K.TRIAGE, E.TRIAGED, {"priority": "P3"}),
        (K.TRIAGE, E.STATUS_CHANGED, {"from": "new", "to": "in_progress"}),
        (K.FIRST_RESPONSE, E.MESSAGE_SENT, {"outbox": "o1"}),
        (K.REFERRAL_DECISION, E.REFERRAL_DECIDED, {"refer": False}),
        (K.REFERRAL_DECISION, E.REFERRED, {"referral": "r1"}),
    ],
)
def test_what_a_clock_waits_for_meets_it(
    kind: ClockKind, event: CaseEventKind, data: dict[str, Any]
) -> None:
    assert History().add(event, 1, **data).clock(kind).outcome() is Outcome.MET


def test_a_closure_request_is_met_by_the_decision_and_stopped_by_another_move() -> None:
    approved = History().add(E.CLOSURE_REQUESTED, 1).add(E.STATUS_CHANGED, 2, **CLOSED)
    rejected = History().add(E.CLOSURE_REQUESTED, 1).add(E.CLOSURE_REJECTED, 2)
    overtaken = (
        History()
        .add(E.CLOSURE_REQUESTED, 1)
        .add(E.STATUS_CHANGED, 2, ActorKind.PARTNER, **{"from": "referred", "to": "in_progress"})
    )

    assert approved.clock(K.CLOSURE_REVIEW).outcome() is Outcome.MET
    assert rejected.clock(K.CLOSURE_REVIEW).outcome() is Outcome.MET
    assert overtaken.clock(K.CLOSURE_REVIEW).outcome() is Outcome.STOPPED
