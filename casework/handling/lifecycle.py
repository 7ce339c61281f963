"""The case workflow: an explicit state machine, each transition a function with its guards.

The table of allowed moves is ``casework.cases.states.TRANSITIONS``. Every function here
takes a case already found through the access policy with the right action, writes a
``CaseEvent`` and an audit event in the caller's transaction, and only flushes.

Guards worth knowing:

- closing needs an outcome and the child's views (sealed), or why they could not be asked;
- a caseworker cannot close a P1 or P2 case: they request closure and a supervisor of the
  region approves (closing) or rejects (the case stays open) - the request runs the
  ``closure_review`` SLA clock;
- automatic re-triage only raises the priority; lowering it is an override with a reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.record import AuditAction
from casework.cases.models import Case, CaseEvent
from casework.cases.states import WrongState, move
from casework.context import Acting
from casework.enums import CaseEventKind, CaseStatus, Danger, PerpetratorRole, Priority
from casework.errors import InvalidInput
from casework.handling.finding import Command, take
from casework.handling.history import (
    MIN_REASON,
    audit_case,
    record_change,
)
from casework.handling.work import is_conflicted
from casework.intake.models import CHILD_AGE_MAX, CHILD_AGE_MIN
from casework.linking.service import check_name, record_mention
from casework.routing.service import region_supervisors
from casework.triage.case_facts import apply_assessment, facts_of
from casework.triage.rules import Assessment, TriageFacts, assess

S = CaseStatus


def reason_text(reason: str) -> str:
    text = reason.strip()
    if len(text) < MIN_REASON or len(text) > 500:
        raise InvalidInput("reason", f"Say why, in {MIN_REASON} to 500 characters.")
    return text


# ---------------------------------------------------------------- triage


@dataclass(frozen=True)
class TriageInput:
    """What a caseworker records when triaging (anything left None keeps what is known)."""

    danger: Danger | None = None
    perpetrator_role: PerpetratorRole | None = None
    ongoing: Danger | None = None
    injury: Danger | None = None
    child_age: int | None = None
    self_harm: bool | None = None
    perpetrator_name: str | None = None  # named at the case's school: counted for patterns


@dataclass(frozen=True)
class Triaged:
    """The case's priority after triage, and what the rules assessed."""

    priority_now: Priority
    assessment: Assessment


def triage(acting: Acting, case_id: uuid.UUID, facts: TriageInput) -> Triaged:
    """Record what the caseworker established and re-assess (TRIAGED; a new case -> triaged)."""
    return triage_found(acting, take(acting, case_id, Command.TRIAGE), facts)


def triage_found(acting: Acting, case: Case, facts: TriageInput) -> Triaged:
    """``triage`` on a case the caller has already taken (placing it may have moved it out
    of their view by now)."""
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    if case.status is S.CLOSED:
        raise WrongState(case.status, S.TRIAGED)
    if facts.child_age is not None and not CHILD_AGE_MIN <= facts.child_age <= CHILD_AGE_MAX:
        raise InvalidInput("child_age", f"Age must be between {CHILD_AGE_MIN} and {CHILD_AGE_MAX}.")
    named = check_name(facts.perpetrator_name)
    for name in ("perpetrator_role", "ongoing", "injury", "child_age"):
        value = getattr(facts, name)
        if value is not None:
            setattr(case, name, value)
    if named is not None:
        if case.school_id is None:
            raise InvalidInput("perpetrator_name", "Set the case's school to record who is named.")
        record_mention(
            session,
            keyring=keyring,
            case=case,
            name=named,
            region_supervisors=region_supervisors(session, case),
            now=now,
        )
    if case.assigned_to_id is not None and is_conflicted(session, case.assigned_to_id, case):
        # Now we know the accused works at the school its owner is linked to: back to the queue.
        case.assigned_to_id = None
        data_out: dict[str, object] = {"assignee": None, "team": case.team_id, "why": "conflict"}
        record_change(acting, case, CaseEventKind.ASSIGNED, AuditAction.CASE_ASSIGNED, data_out)
    base = facts_of(session, case, danger=facts.danger)
    if facts.self_harm is not None:
        base = TriageFacts(**{**base.__dict__, "self_harm_words": facts.self_harm})
    assessment = assess(base)
    before = case.priority
    apply_assessment(case, assessment)
    data: dict[str, object] = {
        "priority": case.priority.value,
        "assessed": assessment.priority.value,
        "score": assessment.score,
        "factors": list(assessment.factors),
    }
    if before is not case.priority:
        data["from"] = before.value
    record_change(acting, case, CaseEventKind.TRIAGED, AuditAction.CASE_TRIAGED, data)
    if case.status is S.NEW:
        move(session, actor=principal.actor, case=case, to=S.TRIAGED, now=now, why="triaged")
    session.flush()
    return Triaged(case.priority, assessment)


def override_priority(
    acting: Acting,
    case_id: uuid.UUID,
    priority: Priority,
    reason: str,
) -> None:
    """A caseworker sets the priority themself, with a reason (sealed on the event, shown on
    the case page, and in the audit trail)."""
    case = take(acting, case_id, Command.OVERRIDE_PRIORITY)
    session = acting.session
    text = reason_text(reason)
    if priority is case.priority:
        raise InvalidInput("priority", f"The case is already {priority.value}.")
    if case.status is S.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    data: dict[str, object] = {"from": case.priority.value, "to": priority.value}
    case.priority = priority
    record_change(
        acting,
        case,
        CaseEventKind.PRIORITY_OVERRIDDEN,
        AuditAction.CASE_PRIORITY_OVERRIDDEN,
        data,
        reason=text,
    )
    session.flush()


# ---------------------------------------------------------------- working


def start_work(
    acting: Acting,
    case_id: uuid.UUID,
) -> None:
    """The caseworker starts working on it (-> in progress)."""
    case = take(acting, case_id, Command.START_WORK)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    move(session, actor=principal.actor, case=case, to=S.IN_PROGRESS, now=now, why="started")
    audit_case(
        session,
        keyring,
        principal,
        case,
        AuditAction.CASE_STATUS_CHANGED,
        {"to": "in_progress"},
        now,
    )
    session.flush()


def decide_no_referral(
    acting: Acting,
    case_id: uuid.UUID,
    reason: str,
) -> None:
    """Decide that no partner is needed (stops the referral-decision clock)."""
    case = take(acting, case_id, Command.DECIDE_NO_REFERRAL)
    session = acting.session
    text = reason_text(reason)
    if case.status is S.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    record_change(
        acting,
        case,
        CaseEventKind.REFERRAL_DECIDED,
        AuditAction.CASE_REFERRAL_DECIDED,
        {"refer": False},
        reason=text,
    )
    session.flush()


def last_kind(session: Session, case: Case, kinds: list[CaseEventKind]) -> CaseEventKind | None:
    """The kind of the case's latest event among ``kinds`` (its history decides state)."""
    return session.scalar(
        select(CaseEvent.kind)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(kinds))
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )


def clock_paused(session: Session, case: Case) -> bool:
    """Whether the case's clocks are paused now (from its history)."""
    last = last_kind(session, case, [CaseEventKind.CLOCK_PAUSED, CaseEventKind.CLOCK_RESUMED])
    return last is CaseEventKind.CLOCK_PAUSED


PAUSE_REASONS: Final = frozenset(
    {
        "waiting_for_reporter",
        "waiting_for_partner",
        "waiting_for_information",
        "child_unsafe_to_contact",
    }
)


def pause_clocks(
    acting: Acting,
    case_id: uuid.UUID,
    reason: str,
) -> None:
    """Pause the case's business-hours clocks (P1 clocks never pause)."""
    case = take(acting, case_id, Command.PAUSE_CLOCKS)
    session = acting.session
    if reason not in PAUSE_REASONS:
        raise InvalidInput(
            "reason", "Choose why the clocks wait from the list.", allowed=sorted(PAUSE_REASONS)
        )
    if case.status is S.CLOSED or clock_paused(session, case):
        raise InvalidInput("reason", "The clocks of this case are not running.")
    data: dict[str, object] = {"reason": reason}
    record_change(acting, case, CaseEventKind.CLOCK_PAUSED, AuditAction.CASE_CLOCK_PAUSED, data)
    session.flush()


def resume_clocks(
    acting: Acting,
    case_id: uuid.UUID,
) -> None:
    """Resume paused clocks."""
    case = take(acting, case_id, Command.RESUME_CLOCKS)
    session = acting.session
    if not clock_paused(session, case):
        raise InvalidInput("clock", "The clocks of this case are not paused.")
    record_change(acting, case, CaseEventKind.CLOCK_RESUMED, AuditAction.CASE_CLOCK_RESUMED, {})
    session.flush()
