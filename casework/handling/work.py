"""Working on a case as a member of staff: notes, texting the reporter, assignment,
restriction, and break-glass access.

Each function takes a case already found through the policy (``find_case`` with the right
action), writes the case's history and an audit event in the same transaction, and leaves
anything that must reach someone later (a text, a notice) to the outbox.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from casework.access.policy import Action, may_break_glass
from casework.access.scope import Principal, case_filter
from casework.audit.record import AuditAction
from casework.cases.models import Case, CaseNote
from casework.cases.service import Reason
from casework.cases.states import may_move, move
from casework.context import Acting
from casework.enums import CaseEventKind, CaseStatus
from casework.errors import InvalidInput, NotFound
from casework.followup.inbox import post_to_inbox
from casework.handling.finding import Command, take
from casework.handling.history import MIN_REASON, audit_case, record_change, record_history
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.protection.fields import seal_text
from casework.routing.service import conflicted_with_school, region_supervisors
from casework.sms.service import queue_text_to_reporter
from casework.staff.models import (
    CaseAccessGrant,
    GrantKind,
    Role,
    StaffSchoolLink,
    StaffUser,
    Team,
)

MAX_NOTE = 10_000
MAX_TEXT = 640  # four SMS segments


def add_note(
    acting: Acting,
    case_id: uuid.UUID,
    body: str,
) -> uuid.UUID:
    """A caseworker's note on the case (sealed)."""
    case = take(acting, case_id, Command.ADD_NOTE)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    text = body.strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput("body", f"Write a note of 1 to {MAX_NOTE} characters.")
    note_id = uuid.uuid4()
    session.add(
        CaseNote(
            id=note_id,
            case_id=case.id,
            author_id=principal.user_id,
            body_ct=seal_text(
                keyring.case_key(session, case.id),
                table="case_note",
                column="body",
                row_id=note_id,
                text=text,
            ),
            created_at=now,
        )
    )
    record_change(
        acting, case, CaseEventKind.NOTE_ADDED, AuditAction.CASE_NOTE_ADDED, {"note": str(note_id)}
    )
    session.flush()
    return note_id


def text_reporter(
    acting: Acting,
    case_id: uuid.UUID,
    body: str,
) -> uuid.UUID:
    """Text the case's reporter if they agreed and have not opted out or silenced the phone;
    otherwise leave it in their follow-up inbox (web and app reporters). Returns the id of
    the outbox message, or of the inbox message."""
    case = take(acting, case_id, Command.TEXT_REPORTER)
    session, keyring, now = acting.session, acting.keyring, acting.now
    text = body.strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput("body", f"Write a message of 1 to {MAX_TEXT} characters.")
    data: dict[str, object]
    outbox_id = queue_text_to_reporter(session, keyring=keyring, case=case, body=text, now=now)
    if outbox_id is not None:
        sent, data = outbox_id, {"outbox": str(outbox_id)}
    else:
        # Not by text (never agreed, opted out, or said the safe word): a web or app reporter
        # reads it when they next check with their code, which no one else holds.
        message_id = post_to_inbox(session, keyring=keyring, case=case, body=text, now=now)
        if message_id is None:
            raise InvalidInput(
                "body",
                "This reporter cannot be contacted: they did not agree to texts (or opted out "
                "or silenced the phone) and have no follow-up code to check back with.",
            )
        sent, data = message_id, {"inbox": str(message_id)}
    record_change(acting, case, CaseEventKind.MESSAGE_SENT, AuditAction.CASE_MESSAGE_SENT, data)
    return sent


def _is_conflicted_principal(principal: Principal, case: Case) -> bool:
    return case.restricted and case.school_id in principal.school_ids


def is_conflicted(session: Session, user_id: uuid.UUID, case: Case) -> bool:
    """Whether this member of staff must be kept away from the case (linked to its school)."""
    # Restricted, or the alleged perpetrator works at the school: nobody linked to it.
    if not conflicted_with_school(case) or case.school_id is None:
        return False
    return session.get(StaffSchoolLink, (user_id, case.school_id)) is not None


def assign(
    acting: Acting,
    case_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
    team_id: int | None,
    change_assignee: bool = True,
) -> None:
    """Give the case to a caseworker or supervisor (or nobody) and/or put it in a team's
    queue; ``change_assignee=False`` moves only the queue and keeps whoever has it.
    A closed case is reopened first, never assigned as it is."""
    case = take(acting, case_id, Command.ASSIGN)
    session, principal, now = acting.session, acting.principal, acting.now
    if case.status is CaseStatus.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    if change_assignee and assignee_id is not None:
        assignee = session.get(StaffUser, assignee_id)
        if (
            assignee is None
            or not assignee.active
            or assignee.role not in {Role.CASEWORKER, Role.SUPERVISOR}
        ):
            raise InvalidInput("assignee", "Assign to an active caseworker or supervisor.")
        if is_conflicted(session, assignee_id, case):
            raise InvalidInput(
                "assignee", "That person is linked to the school: a conflict of interest."
            )
    if team_id is not None and session.get(Team, team_id) is None:
        raise InvalidInput("team", "No such team.")
    if change_assignee:
        case.assigned_to_id = assignee_id
        if assignee_id is not None and may_move(case.status, CaseStatus.ASSIGNED):
            move(
                session,
                actor=principal.actor,
                case=case,
                to=CaseStatus.ASSIGNED,
                now=now,
                why="assigned",
            )
    case.team_id = team_id if team_id is not None else case.team_id
    data: dict[str, object] = {
        "assignee": str(case.assigned_to_id) if case.assigned_to_id else None,
        "team": case.team_id,
    }
    record_change(acting, case, CaseEventKind.ASSIGNED, AuditAction.CASE_ASSIGNED, data)
    session.flush()


def set_restriction(
    acting: Acting,
    case_id: uuid.UUID,
    restricted: bool,
    named_user_ids: list[uuid.UUID],
) -> None:
    """Restrict a case to named users and supervisors (or lift it); replaces the names."""
    case = take(acting, case_id, Command.RESTRICT)
    session, principal, now = acting.session, acting.principal, acting.now
    for user_id in named_user_ids:
        user = session.get(StaffUser, user_id)
        if user is None or not user.active or user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
            raise InvalidInput("named_users", "Name active caseworkers or supervisors.")
        linked = (
            case.school_id is not None
            and session.get(StaffSchoolLink, (user_id, case.school_id)) is not None
        )
        if linked:
            raise InvalidInput(
                "named_users", "A named person is linked to the school: a conflict of interest."
            )
    case.restricted = restricted
    session.execute(
        delete(CaseAccessGrant).where(
            CaseAccessGrant.case_id == case.id, CaseAccessGrant.kind == GrantKind.NAMED
        )
    )
    if restricted:
        session.add_all(
            CaseAccessGrant(
                case_id=case.id,
                user_id=user_id,
                kind=GrantKind.NAMED,
                granted_by=principal.user_id,
                created_at=now,
            )
            for user_id in dict.fromkeys(named_user_ids)
        )
    data: dict[str, object] = {
        "restricted": restricted,
        "named": sorted(str(u) for u in named_user_ids),
    }
    record_change(
        acting, case, CaseEventKind.RESTRICTION_CHANGED, AuditAction.CASE_RESTRICTION_CHANGED, data
    )
    session.flush()


def break_glass(acting: Acting, case_id: uuid.UUID, reason: str, minutes: int) -> Case:
    """Open a case outside one's scope for ``minutes``, with a reason; the region's
    supervisors are told at once (through the outbox). Never for a conflict of interest.
    (Not in the command table: the case is by definition outside the policy's view.)"""
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("no such case")
    already = session.scalar(
        select(
            exists().where(Case.id == case_id, case_filter(principal, Action.CASE_READ, now=now))
        )
    )
    if already:  # said only to someone who can see the case anyway
        raise InvalidInput("reason", "You can already open this case.")
    in_conflict = _is_conflicted_principal(principal, case)
    if not may_break_glass(principal.role, restricted=case.restricted, conflicted=in_conflict):
        raise NotFound("no such case")
    reason = reason.strip()
    if len(reason) < MIN_REASON or len(reason) > 500:
        raise InvalidInput("reason", f"Say why, in {MIN_REASON} to 500 characters.")
    key = keyring.case_key(session, case.id)
    grant_id = uuid.uuid4()
    session.add(
        CaseAccessGrant(
            id=grant_id,
            case_id=case.id,
            user_id=principal.user_id,
            kind=GrantKind.BREAK_GLASS,
            reason_ct=seal_text(
                key, table="case_access_grant", column="reason", row_id=grant_id, text=reason
            ),
            granted_by=principal.user_id,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
    )
    data: dict[str, object] = {"grant": str(grant_id), "minutes": minutes}
    record_history(
        session,
        principal,
        case,
        CaseEventKind.ACCESS_GRANTED,
        data,
        now,
        reason=Reason(key, reason),
    )
    audit_case(
        session,
        keyring,
        principal,
        case,
        AuditAction.CASE_BREAK_GLASS,
        {**data, "reason": reason},
        now,
    )
    supervisors = region_supervisors(session, case)
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": [str(s) for s in supervisors],
            "kind": "break_glass",
            "case": str(case.id),
            "text": f"Break-glass access to case {case.reference} for {minutes} minutes.",
        },
        now=now,
    )
    session.flush()
    return case
