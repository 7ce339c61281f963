"""The demo's months of history (issue 15): past cases taken through the real use cases, so
every response-time chart has something to say, without waking anyone on call."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseEvent
from casework.clock import FixedClock
from casework.context import Unit
from casework.enums import CaseEventKind, Priority
from casework.intake.models import Report
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.places.models import Region
from casework.protection.keys import Keyring
from casework.sla.clocks import Outcome
from casework.sla.service import clocks_of_cases, refresh_stale
from casework.staff.models import Role, StaffUser
from casework.triage.words import mentions_danger, mentions_self_harm
from hotline.cli.demo import SAMPLE_REPORTS, DemoResult, seed_demo
from hotline.cli.demo_stories import FIRST_REPLY, STORIES
from hotline.runtime.database import Database
from tests.factories.staff import CHEAP

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _seed(session: Session, keyring: Keyring) -> DemoResult:
    clock = FixedClock(NOW)
    return seed_demo(Unit(session, keyring, clock, clock.now()), hashing=CHEAP)


def test_the_history_spans_months_of_regions_channels_and_staff(
    db: Database, keyring: Keyring
) -> None:
    def check(session: Session) -> None:
        result = _seed(session, keyring)
        assert result.seeded
        assert result.past_cases >= 80
        cases = list(session.scalars(select(Case)))
        assert len(cases) == result.past_cases + len(SAMPLE_REPORTS)
        opened = [c.opened_at for c in cases]
        assert max(opened) - min(opened) >= dt.timedelta(weeks=20)
        assert max(opened) <= NOW

        regions = dict(session.execute(select(Region.id, Region.code)).all())
        assert {regions[c.region_id] for c in cases if c.region_id} == {"capital", "north", "south"}
        channels = set(session.scalars(select(Report.channel)))
        assert {c.value for c in channels} >= {"web", "app", "sms"}
        caseworkers = set(
            session.scalars(select(StaffUser.username).where(StaffUser.role == Role.CASEWORKER))
        )
        users = dict(session.execute(select(StaffUser.id, StaffUser.username)).all())
        owners = Counter(users[c.assigned_to_id] for c in cases if c.assigned_to_id)
        assert len(caseworkers & set(owners)) >= 4
        assert len({c.priority for c in cases}) >= 3

        # What the use cases wrote: every case opened by intake, then worked by staff.
        opened_events = session.scalar(
            select(func.count(func.distinct(CaseEvent.case_id))).where(
                CaseEvent.kind == CaseEventKind.OPENED, CaseEvent.seq == 1
            )
        )
        assert opened_events == len(cases)
        kinds = set(session.scalars(select(CaseEvent.kind)))
        assert {
            CaseEventKind.TRIAGED,
            CaseEventKind.ASSIGNED,
            CaseEventKind.MESSAGE_SENT,
            CaseEventKind.REFERRED,
            CaseEventKind.REFERRAL_ACKNOWLEDGED,
            CaseEventKind.CLOSURE_REQUESTED,
        } <= kinds
        assert sum(c.closed_at is not None for c in cases) > len(cases) // 2
        assert any(c.closed_at is None and c.opened_at < NOW - dt.timedelta(days=2) for c in cases)

        outcomes = Counter(
            state.outcome()
            for states in clocks_of_cases(session, cases).values()
            for state in states
        )
        assert outcomes[Outcome.MET] > outcomes[Outcome.MISSED] > 20

        # Nobody is texted about the past: the only alarm is the sample report in danger now,
        # and no text to a reporter is queued.
        kinds_out = Counter(session.scalars(select(OutboxMessage.kind)))
        assert kinds_out[OutboxKind.ALERT] == sum(c.priority is Priority.P1 for c in cases) == 1
        assert kinds_out[OutboxKind.SMS] == 0

        # The SLA scan picks every case up.
        assert refresh_stale(session, batch=10_000) == len(cases)

        again = _seed(session, keyring)
        assert not again.seeded
        assert session.scalar(select(func.count()).select_from(Case)) == len(cases)

    db.run(check, write=True)


def test_the_history_words_raise_no_alarm() -> None:
    lines = [line for langs in STORIES.values() for texts in langs.values() for line in texts]
    lines += list(FIRST_REPLY.values())

    assert all(set(langs) == {"en", "fr", "bg", "fil"} for langs in STORIES.values())
    assert [line for line in lines if mentions_danger(line) or mentions_self_harm(line)] == []
