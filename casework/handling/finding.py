"""How a staff command gets its case: through the access policy, from one table.

``REQUIRES`` says which access ``Action`` each command needs; ``take`` finds the case for it
(404 outside the person's view, 403 when their role may not) and locks it when the command
changes it, so two people deciding at once take turns. A command never receives a case found
by someone else, and never asks its caller whether they are supervising: ``supervising``
works it out.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import Principal, case_filter
from casework.cases.models import Case
from casework.context import Acting
from casework.errors import NotAllowed, NotFound


class Command(enum.StrEnum):
    """Something a member of staff does to (or reads of) one case."""

    READ = "read"  # open it: its reports, messages, notes, history, referrals
    READ_EVIDENCE = "read_evidence"  # download an attachment's original bytes
    TRIAGE = "triage"
    OVERRIDE_PRIORITY = "override_priority"
    START_WORK = "start_work"
    DECIDE_NO_REFERRAL = "decide_no_referral"
    PAUSE_CLOCKS = "pause_clocks"
    RESUME_CLOCKS = "resume_clocks"
    RECORD_CHILD_VIEWS = "record_child_views"
    REQUEST_CLOSURE = "request_closure"
    DECIDE_CLOSURE = "decide_closure"
    REOPEN = "reopen"
    ADD_NOTE = "add_note"
    TEXT_REPORTER = "text_reporter"
    ASSIGN = "assign"
    RESTRICT = "restrict"
    PLACE = "place"
    REFER = "refer"
    CHANGE_REFERRAL = "change_referral"
    SUGGEST_PARTNERS = "suggest_partners"  # who could help: for those who may refer


# The one table of what each command needs. A new command without a row fails a test.
REQUIRES: Final[Mapping[Command, Action]] = MappingProxyType(
    {
        Command.READ: Action.CASE_READ,
        Command.READ_EVIDENCE: Action.EVIDENCE_READ,
        Command.TRIAGE: Action.CASE_WORK,
        Command.OVERRIDE_PRIORITY: Action.CASE_WORK,
        Command.START_WORK: Action.CASE_WORK,
        Command.DECIDE_NO_REFERRAL: Action.CASE_WORK,
        Command.PAUSE_CLOCKS: Action.CASE_WORK,
        Command.RESUME_CLOCKS: Action.CASE_WORK,
        Command.RECORD_CHILD_VIEWS: Action.CASE_WORK,
        Command.REQUEST_CLOSURE: Action.CASE_WORK,
        Command.DECIDE_CLOSURE: Action.CASE_SUPERVISE,
        Command.REOPEN: Action.CASE_WORK,
        Command.ADD_NOTE: Action.CASE_WORK,
        Command.TEXT_REPORTER: Action.CASE_WORK,
        Command.ASSIGN: Action.CASE_ASSIGN,
        Command.RESTRICT: Action.CASE_RESTRICT,
        Command.PLACE: Action.CASE_WORK,
        Command.REFER: Action.CASE_WORK,
        Command.CHANGE_REFERRAL: Action.CASE_WORK,
        Command.SUGGEST_PARTNERS: Action.CASE_WORK,
    }
)
# Reads find the case without locking it; everything else locks it first.
_READS: Final = frozenset({Command.READ, Command.READ_EVIDENCE, Command.SUGGEST_PARTNERS})


def take(acting: Acting, case_id: uuid.UUID, command: Command) -> Case:
    """The case ``command`` is about, found through the policy with the action the table
    names (NotFound outside one's view, NotAllowed when the role may not); locked when the
    command changes it."""
    return find_case(
        acting.session,
        acting.principal,
        case_id,
        REQUIRES[command],
        now=acting.now,
        for_update=command not in _READS,
    )


def supervising(acting: Acting, case: Case) -> bool:
    """Whether the person acting may supervise ``case`` (approve closures, override consent)."""
    return may_on(acting.session, acting.principal, case.id, Action.CASE_SUPERVISE, now=acting.now)


def may(acting: Acting, case: Case, action: Action) -> bool:
    """Whether the person acting may do ``action`` on ``case`` (no exception either way)."""
    return may_on(acting.session, acting.principal, case.id, action, now=acting.now)


def find_case(
    session: Session,
    principal: Principal,
    case_id: uuid.UUID,
    action: Action,
    *,
    now: dt.datetime,
    for_update: bool = False,
) -> Case:
    """The case, if ``principal`` may do ``action`` on it.

    NotFound (as if it did not exist) when it is outside their view; NotAllowed when they may
    see it but their role does not allow this action on it. ``for_update`` locks the case row
    first (PostgreSQL), so a change's guards see the state no one else is changing.
    """
    query = select(Case).where(Case.id == case_id, case_filter(principal, action, now=now))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalars(query).first()
    if case is not None:
        return case
    if action is not Action.CASE_READ:
        visible = session.scalar(
            select(Case.id).where(
                Case.id == case_id, case_filter(principal, Action.CASE_READ, now=now)
            )
        )
        if visible is not None:
            raise NotAllowed("not allowed")
    raise NotFound("no such case")


def may_on(
    session: Session, principal: Principal, case_id: uuid.UUID, action: Action, *, now: dt.datetime
) -> bool:
    """Whether ``principal`` may do ``action`` on the case (no exception either way)."""
    found = session.scalar(
        select(Case.id).where(Case.id == case_id, case_filter(principal, action, now=now))
    )
    return found is not None
