"""SLA clocks from the event log, with a moved clock: business hours, holidays, pauses, P1
around the clock. Pure: no database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.enums import ActorKind, CaseEventKind, Priority
from casework.sla.calendar import AROUND_THE_CLOCK, BusinessCalendar, elapsed, parse_hours, reach
from casework.sla.clocks import ClockState, Event, Target, Targets, compute_clocks
from casework.sla.models import ClockKind

E = CaseEventKind
K = ClockKind
SOFIA = "Europe/Sofia"  # UTC+2 in winter, UTC+3 from the last Sunday of March
WEEKDAYS = parse_hours({str(d): ["08:00", "18:00"] for d in range(5)})
OFFICE = BusinessCalendar(SOFIA, WEEKDAYS)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def local(text: str) -> dt.datetime:
    """A Sofia wall-clock time, as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    naive = dt.datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(SOFIA)).astimezone(dt.UTC)


# ---------------------------------------------------------------- the calendar


class TestCalendar:
    def test_work_left_on_friday_evening_carries_over_the_weekend(self) -> None:
        # Friday 27 Nov 2026, 17:00: one hour left that day, one more on Monday.
        assert reach(OFFICE, local("2026-11-27T17:00"), 2 * HOUR) == local("2026-11-30T09:00")

    def test_a_holiday_is_skipped(self) -> None:
        closed_monday = BusinessCalendar(SOFIA, WEEKDAYS, frozenset({dt.date(2026, 11, 30)}))
        assert reach(closed_monday, local("2026-11-27T17:00"), 2 * HOUR) == local(
            "2026-12-01T09:00"
        )

    def test_a_report_at_the_weekend_starts_counting_on_monday_morning(self) -> None:
        assert reach(OFFICE, local("2026-11-28T23:30"), 2 * HOUR) == local("2026-11-30T10:00")

    def test_the_change_to_summer_time_is_followed(self) -> None:
        # Friday 26 March 2027 is UTC+2, Monday 29 March UTC+3: 09:00 local is 06:00 UTC.
        due = reach(OFFICE, local("2027-03-26T17:00"), 2 * HOUR)
        assert due == dt.datetime(2027, 3, 29, 6, 0, tzinfo=dt.UTC)

    def test_hours_across_midnight(self) -> None:
        nights = BusinessCalendar(SOFIA, parse_hours({"0": ["22:00", "06:00"]}))
        # Monday 30 Nov 22:00 local; 7 hours of a night that ends at 06:00: Tuesday 05:00.
        assert reach(nights, local("2026-11-30T21:00"), 7 * HOUR) == local("2026-12-01T05:00")

    def test_a_pause_holds_the_clock_and_it_resumes_where_it_stopped(self) -> None:
        pause = (local("2026-11-27T17:30"), local("2026-11-30T08:30"))
        # 30 minutes on Friday, paused until Monday 08:30, 90 minutes more.
        assert reach(OFFICE, local("2026-11-27T17:00"), 2 * HOUR, [pause]) == local(
            "2026-11-30T10:00"
        )

    def test_an_open_pause_means_no_due_time(self) -> None:
        pause = (local("2026-11-27T17:30"), None)
        assert reach(OFFICE, local("2026-11-27T17:00"), 2 * HOUR, [pause]) is None

    def test_a_pause_that_ended_before_counting_started_changes_nothing(self) -> None:
        pause = (local("2026-11-27T08:00"), local("2026-11-27T09:00"))
        assert reach(OFFICE, local("2026-11-27T17:00"), 2 * HOUR, [pause]) == local(
            "2026-11-30T09:00"
        )

    def test_elapsed_counts_only_working_time(self) -> None:
        start, end = local("2026-11-27T17:00"), local("2026-11-30T09:30")
        assert elapsed(OFFICE, start, end) == 150 * MIN  # 60 on Friday, 90 on Monday
        assert elapsed(AROUND_THE_CLOCK, start, end) == end - start

    @pytest.mark.parametrize(
        "raw",
        [{"7": ["08:00", "18:00"]}, {"0": ["08:00"]}, {"0": ["25:00", "18:00"]}, {"0": ["8", "8"]}],
    )
    def test_bad_hours_are_refused(self, raw: dict[str, Any]) -> None:
        with pytest.raises(ValueError, match=r"."):
            parse_hours(raw)


# ---------------------------------------------------------------- clocks from events

TARGETS = Targets(
    {
        (K.ACKNOWLEDGE, Priority.P1, None): Target(15),
        (K.ACKNOWLEDGE, Priority.P2, None): Target(60),
        (K.ACKNOWLEDGE, Priority.P3, None): Target(8 * 60),
        (K.TRIAGE, Priority.P1, None): Target(30, business_hours=True),
        (K.TRIAGE, Priority.P3, None): Target(24 * 60, business_hours=True),
        (K.TRIAGE, Priority.P3, 7): Target(4 * 60, business_hours=True),
        (K.FIRST_RESPONSE, Priority.P3, None): Target(120, business_hours=True),
        (K.REFERRAL_DECISION, Priority.P1, None): Target(24 * 60),
        (K.PARTNER_ACKNOWLEDGEMENT, Priority.P3, None): Target(60, business_hours=True),
        (K.CLOSURE_REVIEW, Priority.P3, None): Target(60, business_hours=True),
    }
)
OPENED = local("2026-11-27T17:00")  # Friday evening


class History:
    """A case's history, written event by event."""

    def __init__(self, priority: Priority = Priority.P3) -> None:
        self.events: list[Event] = []
        self.add(E.OPENED, OPENED, ActorKind.REPORTER)
        self.add(E.PRIORITY_ASSESSED, OPENED, ActorKind.SYSTEM, priority=priority.value)

    def add(
        self, kind: CaseEventKind, at: dt.datetime, actor: ActorKind = ActorKind.STAFF, **data: Any
    ) -> History:
        self.events.append(Event(len(self.events) + 1, kind, actor, at, data))
        return self

    def clocks(self, category_id: int | None = None) -> dict[tuple[ClockKind, int], ClockState]:
        states = compute_clocks(
            self.events, category_id=category_id, targets=TARGETS, calendar=OFFICE
        )
        return {(s.clock, s.start_seq): s for s in states}

    def clock(self, kind: ClockKind, category_id: int | None = None) -> ClockState:
        (state,) = [s for (k, _), s in self.clocks(category_id).items() if k is kind]
        return state


class TestClocks:
    def test_opening_starts_the_clocks_that_have_a_target(self) -> None:
        clocks = History().clocks()
        assert {k for k, _ in clocks} == {K.ACKNOWLEDGE, K.TRIAGE, K.FIRST_RESPONSE}
        # No referral-decision target for P3: no such clock.

    def test_acknowledge_runs_around_the_clock_and_warns_at_three_quarters(self) -> None:
        state = History().clock(K.ACKNOWLEDGE)
        assert state.due_at == OPENED + 8 * HOUR
        assert state.warn_at == OPENED + 6 * HOUR
        assert not state.breached(OPENED + 8 * HOUR)
        assert state.breached(OPENED + 8 * HOUR + MIN)

    def test_business_hours_clock_waits_for_monday(self) -> None:
        state = History().clock(K.FIRST_RESPONSE)
        assert state.due_at == local("2026-11-30T09:00")
        # 75 % of two hours is 90 minutes: one hour on Friday, 30 minutes on Monday.
        assert state.warn_at == local("2026-11-30T08:30")

    def test_the_first_act_of_staff_stops_acknowledge_but_not_a_system_event(self) -> None:
        history = History().add(E.ASSIGNED, OPENED + MIN, ActorKind.SYSTEM)
        assert History().clock(K.ACKNOWLEDGE).running()
        assert history.clock(K.ACKNOWLEDGE).running()
        history.add(E.ACKNOWLEDGED, OPENED + 2 * HOUR)
        state = history.clock(K.ACKNOWLEDGE)
        assert state.stopped_at == OPENED + 2 * HOUR
        assert not state.breached(OPENED + 100 * HOUR)

    def test_a_clock_stopped_late_stays_breached(self) -> None:
        history = History().add(E.ACKNOWLEDGED, OPENED + 9 * HOUR)
        assert history.clock(K.ACKNOWLEDGE).breached(OPENED + 100 * HOUR)

    def test_raising_to_p1_makes_running_clocks_due_at_once_and_around_the_clock(self) -> None:
        # Danger words in a later message: the system raises it (no member of staff acted).
        history = History().add(
            E.PRIORITY_ASSESSED, OPENED + 5 * MIN, ActorKind.SYSTEM, priority="P1"
        )
        assert history.clock(K.ACKNOWLEDGE).due_at == OPENED + 15 * MIN
        # The triage target is in business hours, but P1 runs around the clock.
        assert history.clock(K.TRIAGE).due_at == OPENED + 30 * MIN
        assert K.REFERRAL_DECISION in {k for k, _ in history.clocks()}

    def test_a_stopped_clock_keeps_the_target_it_was_held_to(self) -> None:
        history = History().add(E.ACKNOWLEDGED, OPENED + 2 * HOUR)
        history.add(E.PRIORITY_ASSESSED, OPENED + 3 * HOUR, ActorKind.SYSTEM, priority="P1")
        state = history.clock(K.ACKNOWLEDGE)
        assert (state.priority, state.target_minutes) == (Priority.P3, 8 * 60)
        assert not state.breached(OPENED + 10 * HOUR)  # met under P3; P1 later changes nothing

    def test_a_second_pause_while_paused_changes_nothing(self) -> None:
        history = (
            History()
            .add(E.CLOCK_PAUSED, local("2026-11-27T17:30"), reason="x")
            .add(E.CLOCK_PAUSED, local("2026-11-27T17:40"), reason="x")
            .add(E.CLOCK_RESUMED, local("2026-11-30T10:00"))
        )
        assert history.clock(K.FIRST_RESPONSE).due_at == local("2026-11-30T11:30")

    def test_any_move_of_the_case_withdraws_a_closure_request(self) -> None:
        history = History().add(E.CLOSURE_REQUESTED, OPENED + HOUR)
        history.add(E.STATUS_CHANGED, OPENED + 2 * HOUR, ActorKind.STAFF, to="in_progress")
        assert history.clock(K.CLOSURE_REVIEW).stopped_at == OPENED + 2 * HOUR

    def test_pauses_hold_business_clocks_but_never_p1(self) -> None:
        paused = History().add(E.CLOCK_PAUSED, local("2026-11-27T17:30"), reason="x")
        state = paused.clock(K.FIRST_RESPONSE)
        assert state.paused
        assert state.due_at is None
        paused.add(E.CLOCK_RESUMED, local("2026-11-30T10:00"))
        # 30 minutes on Friday; from Monday 10:00 another 90 minutes.
        assert paused.clock(K.FIRST_RESPONSE).due_at == local("2026-11-30T11:30")

        p1 = History(Priority.P1).add(E.CLOCK_PAUSED, OPENED + MIN, reason="x")
        state = p1.clock(K.ACKNOWLEDGE)
        assert not state.paused
        assert state.due_at == OPENED + 15 * MIN

    def test_a_category_target_overrides_the_default(self) -> None:
        assert History().clock(K.TRIAGE, category_id=7).target_minutes == 4 * 60
        assert History().clock(K.TRIAGE, category_id=8).target_minutes == 24 * 60

    def test_each_referral_has_its_own_partner_clock(self) -> None:
        history = (
            History()
            .add(E.REFERRED, OPENED + HOUR, referral="r1")
            .add(E.REFERRED, OPENED + 2 * HOUR, referral="r2")
            .add(E.REFERRAL_ACKNOWLEDGED, OPENED + 3 * HOUR, ActorKind.PARTNER, referral="r2")
        )
        partner = {
            seq: s for (k, seq), s in history.clocks().items() if k is K.PARTNER_ACKNOWLEDGEMENT
        }
        assert partner[3].running()  # r1: nobody acknowledged it
        assert partner[4].stopped_at == OPENED + 3 * HOUR

    def test_closure_review_runs_from_request_to_decision(self) -> None:
        history = History().add(E.CLOSURE_REQUESTED, OPENED + HOUR)
        assert history.clock(K.CLOSURE_REVIEW).running()
        history.add(E.CLOSURE_REJECTED, local("2026-11-30T08:30"))
        assert history.clock(K.CLOSURE_REVIEW).stopped_at == local("2026-11-30T08:30")

    def test_closing_stops_every_clock_and_reopening_starts_triage_again(self) -> None:
        history = History().add(
            E.STATUS_CHANGED, OPENED + HOUR, ActorKind.STAFF, **{"from": "new", "to": "closed"}
        )
        assert all(not s.running() for s in history.clocks().values())
        history.add(
            E.STATUS_CHANGED,
            OPENED + 2 * HOUR,
            ActorKind.STAFF,
            **{"from": "closed", "to": "in_progress"},
        )
        running = [k for (k, _), s in history.clocks().items() if s.running()]
        assert running == [K.TRIAGE]

    def test_the_same_history_gives_the_same_clocks(self) -> None:
        history = History().add(E.CLOCK_PAUSED, OPENED + MIN, reason="x")
        assert history.clocks() == history.clocks()
