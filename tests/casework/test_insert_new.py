"""``casework.sql.insert_new``: new rows written table by table, then kept in the session
as persistent objects - the same rows and the same session state as ``session.flush()``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseEvent
from casework.enums import ActorKind, CaseEventKind, CaseStatus, Danger, Priority
from casework.ids import new_id
from casework.sql import insert_new
from casework.taxonomy.models import Category
from hotline.runtime.database import Database

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def _case(session: Session, reference: str) -> Case:
    category = session.scalars(select(Category.id)).first()
    assert category is not None
    return Case(
        id=new_id(),
        reference=reference,
        status=CaseStatus.NEW,
        priority=Priority.P3,
        category_id=category,
        language="en",
        opened_at=NOW,
        status_changed_at=NOW,
    )


def _event(case: Case, seq: int) -> CaseEvent:
    return CaseEvent(
        id=new_id(),
        case_id=case.id,
        seq=seq,
        kind=CaseEventKind.OPENED,
        actor_kind=ActorKind.REPORTER,
        occurred_at=NOW,
    )


def test_new_rows_are_written_with_their_defaults_and_stay_in_the_session(db: Database) -> None:
    def write(session: Session) -> None:
        case = _case(session, "HL-INSNEW-1")
        events = [_event(case, 1), _event(case, 2)]
        session.add_all([*events, case])  # children first: the tables' order puts the case first
        insert_new(session)
        assert not session.new
        assert inspect(case).persistent
        assert all(inspect(e).persistent for e in events)
        # The column defaults a flush fills in, on the object as in the row.
        assert case.restricted is False
        assert case.injury is Danger.UNKNOWN
        assert case.triage_factors == []
        assert events[0].data == {}
        # The identity map has it: a later change is an UPDATE, not a second INSERT.
        assert session.get(Case, case.id) is case
        case.priority = Priority.P2
        session.flush()

    db.run(write, write=True)

    def read(session: Session) -> None:
        case = session.scalars(select(Case).where(Case.reference == "HL-INSNEW-1")).one()
        assert case.priority is Priority.P2
        assert case.restricted is False
        seqs = session.scalars(select(CaseEvent.seq).where(CaseEvent.case_id == case.id))
        assert sorted(seqs) == [1, 2]

    db.run(read, write=False)


def test_an_object_linked_through_a_relationship_is_left_to_the_flush(db: Database) -> None:
    def write(session: Session) -> None:
        case = _case(session, "HL-INSNEW-2")
        event = _event(case, 1)
        event.case = case  # a relationship, not an id: the unit of work must sort it out
        session.add_all([case, event])
        insert_new(session)
        assert not session.new
        assert inspect(event).persistent

    db.run(write, write=True)
    found = db.run(
        lambda s: s.scalar(select(Case.id).where(Case.reference == "HL-INSNEW-2")), write=False
    )
    assert found is not None
