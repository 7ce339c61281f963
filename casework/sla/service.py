"""The SLA engine's database side: keep the clock index fresh, and send warnings and
breaches exactly once.

The periodic scan does two things, each touching only what needs it:

1. ``refresh_stale``: cases whose history grew since their clocks were last computed
   (``sla_seq < last_event_seq``, a partial index) get their ``sla_clock`` rows rebuilt from
   the event log;
2. ``send_due``: clocks whose next notice is due (``next_notice_at <= now``, a partial index)
   are re-checked against the event log and their warning (at 75 %) and then breach notice
   are sent. A notice is a row in ``sla_notice`` whose primary key is (case, clock, start,
   level): only the transaction that inserts it enqueues the message, so two workers racing
   send it once; the warning is inserted before the breach, so they arrive in that order.

Closed cases have no running clocks and no due notice, so a million of them cost the scan
nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case, CaseEvent
from casework.enums import CaseStatus, Priority
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.partners.referrals import remind_partner
from casework.protection.keys import Keyring
from casework.routing.service import alert_on_call, conflicted_with_school, region_supervisors
from casework.sla.calendar import AROUND_THE_CLOCK, BusinessCalendar, parse_hours
from casework.sla.clocks import PARTNER_CLOCKS, ClockState, Event, Target, Targets, compute_clocks
from casework.sla.facts import record_facts
from casework.sla.models import ClockKind, Holiday, RegionCalendar, SlaClock, SlaNotice, SlaTarget
from casework.sql import insert_ignoring_conflict, skip_locked

REFRESH_BATCH: Final = 500
WARNING: Final = "warning"
BREACH: Final = "breach"
LABELS: Final = {
    ClockKind.ACKNOWLEDGE: "acknowledge",
    ClockKind.TRIAGE: "triage",
    ClockKind.FIRST_RESPONSE: "first response",
    ClockKind.REFERRAL_DECISION: "referral decision",
    ClockKind.PARTNER_ACKNOWLEDGEMENT: "partner acknowledgement",
    ClockKind.PARTNER_ACCEPTANCE: "partner acceptance",
    ClockKind.CLOSURE_REVIEW: "closure review",
}


def load_targets(session: Session) -> Targets:
    """The whole target table (a few dozen rows)."""
    return Targets(
        {
            (row.clock, row.priority, row.category_id): Target(row.minutes, row.business_hours)
            for row in session.scalars(select(SlaTarget))
        }
    )


def load_calendar(session: Session, region_id: int | None) -> BusinessCalendar:
    """A region's business calendar with its holidays and the national ones."""
    if region_id is None:
        return AROUND_THE_CLOCK
    row = session.get(RegionCalendar, region_id)
    if row is None:
        return AROUND_THE_CLOCK
    days = session.scalars(
        select(Holiday.day).where((Holiday.region_id == region_id) | Holiday.region_id.is_(None))
    )
    return BusinessCalendar(row.timezone, parse_hours(row.hours), frozenset(days))


class _Context:
    """Targets and calendars, loaded once per scan."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.targets = load_targets(session)
        self._calendars: dict[int | None, BusinessCalendar] = {}
        self._supervisors: dict[tuple[int | None, int | None], list[uuid.UUID]] = {}

    def calendar(self, region_id: int | None) -> BusinessCalendar:
        if region_id not in self._calendars:
            self._calendars[region_id] = load_calendar(self.session, region_id)
        return self._calendars[region_id]

    def clocks(self, case: _CaseLike, events: list[Event]) -> list[ClockState]:
        return compute_clocks(
            events,
            category_id=case.category_id,
            targets=self.targets,
            calendar=self.calendar(case.region_id),
        )

    def supervisors(self, case: Case) -> list[uuid.UUID]:
        """The region's supervisors for this case (looked up once per region and school)."""
        key = (case.region_id, case.school_id if conflicted_with_school(case) else None)
        if key not in self._supervisors:
            self._supervisors[key] = region_supervisors(self.session, case)
        return self._supervisors[key]

    def clocks_of_many(self, cases: list[_CaseLike]) -> dict[uuid.UUID, list[ClockState]]:
        """Clocks of many cases, their events read in one query."""
        events = _events_of(self.session, [c.id for c in cases])
        return {c.id: self.clocks(c, events.get(c.id, [])) for c in cases}


class _CaseLike(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def category_id(self) -> int: ...
    @property
    def region_id(self) -> int | None: ...


def _events_of(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Event]]:
    rows = session.execute(
        select(
            CaseEvent.case_id,
            CaseEvent.seq,
            CaseEvent.kind,
            CaseEvent.actor_kind,
            CaseEvent.occurred_at,
            CaseEvent.data,
        )
        .where(CaseEvent.case_id.in_(case_ids))
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    found: dict[uuid.UUID, list[Event]] = {}
    for case_id, seq, kind, actor, at, data in rows:
        found.setdefault(case_id, []).append(Event(seq, kind, actor, at, data or {}))
    return found


def clocks_of_cases(session: Session, cases: list[Case]) -> dict[uuid.UUID, list[ClockState]]:
    """The clocks of many cases, computed from their histories now (events read in one query,
    targets and calendars loaded once)."""
    return _Context(session).clocks_of_many(list(cases))


def clocks_of(session: Session, case: Case) -> list[ClockState]:
    """A case's clocks, computed from its history now."""
    return _Context(session).clocks_of_many([case])[case.id]


Sent = set[tuple[ClockKind, int, str]]


def _sent_of(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, Sent]:
    rows = session.execute(
        select(SlaNotice.case_id, SlaNotice.clock, SlaNotice.start_seq, SlaNotice.level).where(
            SlaNotice.case_id.in_(case_ids)
        )
    )
    found: dict[uuid.UUID, Sent] = {}
    for case_id, clock, seq, level in rows:
        found.setdefault(case_id, set()).add((clock, seq, level))
    return found


def _next_notice(state: ClockState, sent: Sent) -> dt.datetime | None:
    if not state.running() or state.due_at is None:
        return None
    if (state.clock, state.start_seq, WARNING) not in sent:
        return state.warn_at
    if (state.clock, state.start_seq, BREACH) not in sent:
        return state.due_at
    return None


def _reindex(session: Session, clocks: dict[uuid.UUID, list[ClockState]]) -> None:
    """Replace the index rows of these cases with their running clocks.

    Stopped clocks, and clocks whose target went away (the priority changed to one without
    it), leave the index: it holds only running clocks, so closed cases cost the scan nothing.
    The caller holds these cases (their case rows, or their due clock rows) for the scan.
    """
    case_ids = list(clocks)
    if not case_ids:
        return
    sent = _sent_of(session, case_ids)
    session.execute(delete(SlaClock).where(SlaClock.case_id.in_(case_ids)))
    rows = [
        {
            "case_id": case_id,
            "clock": state.clock,
            "start_seq": state.start_seq,
            "started_at": state.started_at,
            "due_at": state.due_at,
            "warn_at": state.warn_at,
            "stopped_at": None,
            "next_notice_at": _next_notice(state, sent.get(case_id, set())),
        }
        for case_id, states in clocks.items()
        for state in states
        if state.running()
    ]
    if rows:
        session.execute(insert(SlaClock), rows)


def refresh_stale(session: Session, *, batch: int = REFRESH_BATCH) -> int:
    """Rebuild the clock index and the clock facts of cases whose history grew; returns how
    many.

    A few statements per batch, not per case: the cases (locked, skipping those another
    worker holds), their events, their notices, then the index rows replaced."""
    cases = session.execute(
        skip_locked(
            session,
            select(
                Case.id,
                Case.category_id,
                Case.region_id,
                Case.last_event_seq,
                Case.opened_at,
                Case.school_id,
                Case.team_id,
                Case.assigned_to_id,
                Case.child_age,
            )
            .where(Case.sla_seq < Case.last_event_seq)
            # Open cases first, the newest first: their clocks decide warnings and breaches.
            .order_by((Case.status == CaseStatus.CLOSED).asc(), Case.opened_at.desc())
            .limit(batch),
        )
    ).all()
    if not cases:
        return 0
    clocks = _Context(session).clocks_of_many(list(cases))
    _reindex(session, clocks)
    record_facts(session, cases, clocks)
    session.execute(
        update(Case),
        [{"id": c.id, "sla_seq": c.last_event_seq} for c in cases],
        execution_options={"synchronize_session": False},
    )
    return len(cases)


@dataclass(frozen=True)
class Notice:
    """A warning or breach that this transaction sent."""

    case_id: uuid.UUID
    clock: ClockKind
    start_seq: int
    level: str


def send_due(
    session: Session, *, keyring: Keyring, now: dt.datetime, batch: int = 200
) -> tuple[int, list[Notice]]:
    """Send the warnings and breaches that are due: how many cases were looked at, and the
    notices this call sent.

    The case rows are what is locked (FOR UPDATE SKIP LOCKED), as in ``refresh_stale``:
    a worker works on a case only while it holds it, so two workers never touch the same
    case's index rows and neither waits for the other."""
    due = session.scalars(
        select(SlaClock.case_id)
        .where(SlaClock.next_notice_at <= now)
        .order_by(SlaClock.next_notice_at)
        .limit(batch)
    )
    case_ids = list(dict.fromkeys(due))
    if not case_ids:
        return 0, []
    cases = list(
        session.scalars(
            skip_locked(session, select(Case).where(Case.id.in_(case_ids)).order_by(Case.id))
        )
    )
    if not cases:  # all held by another worker just now: it sends them
        return 0, []
    ctx = _Context(session)
    clocks = ctx.clocks_of_many(list(cases))  # the history is the truth, not the index
    sent: list[Notice] = []
    for case in cases:
        for state in clocks[case.id]:
            if state.running() and state.due_at is not None:
                sent.extend(_notify(ctx, keyring, case, state, now))
    _reindex(session, clocks)
    session.flush()
    return len(cases), sent


def _notify(
    ctx: _Context, keyring: Keyring, case: Case, state: ClockState, now: dt.datetime
) -> list[Notice]:
    session = ctx.session
    levels = []
    if state.warn_at is not None and state.warn_at <= now:
        levels.append(WARNING)
    if state.due_at is not None and state.due_at <= now:
        levels.append(BREACH)
    sent = []
    for level in levels:  # warning first: a late scan still sends both, in order
        claimed = insert_ignoring_conflict(
            session,
            SlaNotice,
            {
                "case_id": case.id,
                "clock": state.clock,
                "start_seq": state.start_seq,
                "level": level,
                "created_at": now,
            },
            ["case_id", "clock", "start_seq", "level"],
        )
        if claimed:
            _deliver(ctx, keyring, case, state, level, now)
            sent.append(Notice(case.id, state.clock, state.start_seq, level))
    return sent


def _deliver(
    ctx: _Context,
    keyring: Keyring,
    case: Case,
    state: ClockState,
    level: str,
    now: dt.datetime,
) -> None:
    session = ctx.session
    label = LABELS[state.clock]
    supervisors = [str(s) for s in ctx.supervisors(case)]
    owner = [str(case.assigned_to_id)] if case.assigned_to_id else []
    if level == WARNING:
        to = owner or supervisors
        text = (
            f"{case.reference} ({state.priority.value}): {label} due at {state.due_at:%H:%M} UTC."
        )
    else:
        to = list(dict.fromkeys(supervisors + owner))
        text = f"{case.reference} ({state.priority.value}): {label} target missed."
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={"to": to, "kind": f"sla_{level}", "case": str(case.id), "text": text},
        now=now,
    )
    if level == WARNING and state.clock in PARTNER_CLOCKS and state.referral:
        remind_partner(
            session, keyring=keyring, referral_id=state.referral, clock=state.clock, now=now
        )
    if level == BREACH and state.priority is Priority.P1:
        alert_on_call(session, keyring=keyring, case=case, why=f"{label} missed", now=now)
    details: dict[str, object] = {
        "clock": state.clock.value,
        "start_seq": state.start_seq,
        "priority": state.priority.value,
        "due_at": state.due_at.isoformat() if state.due_at else None,
    }
    record_event(
        session,
        keyring=keyring,
        action=AuditAction.SLA_WARNING if level == WARNING else AuditAction.SLA_BREACH,
        actor=SYSTEM,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key_if_readable(session, case.id),
        details=details,
        now=now,
    )


def scan(session: Session, *, keyring: Keyring, now: dt.datetime) -> list[Notice]:
    """Refresh what changed, then send what is due, in one transaction (the worker runs the
    two steps in batches of their own)."""
    while refresh_stale(session) == REFRESH_BATCH:
        pass
    notices: list[Notice] = []
    while True:
        looked, sent = send_due(session, keyring=keyring, now=now)
        notices.extend(sent)
        if not looked:
            return notices
