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

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import Principal
from casework.access.work import (
    MIN_REASON,
    audit_case,
    is_conflicted,
    record_history,
    staff_reason,
)
from casework.audit.record import AuditAction
from casework.cases.models import Case, CaseEvent
from casework.cases.states import WrongState, may_move, move
from casework.enums import CaseEventKind, CaseStatus, Danger, PerpetratorRole, Priority
from casework.errors import InvalidInput, NotAllowed
from casework.intake.models import CHILD_AGE_MAX, CHILD_AGE_MIN
from casework.linking.service import check_name, record_mention
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring
from casework.routing.service import region_supervisors
from casework.staff.models import Role
from casework.triage.case_facts import apply_assessment, facts_of
from casework.triage.rules import Assessment, TriageFacts, assess

S = CaseStatus
# Closing these needs a supervisor's approval.
NEEDS_APPROVAL: Final = frozenset({Priority.P1, Priority.P2})
OUTCOMES: Final = frozenset(
    {
        "referred_support",  # a partner is helping the child
        "resolved",  # the harm stopped and the child is safe
        "advice_given",
        "no_further_action",
        "duplicate",
        "unable_to_contact",
        "not_child_protection",
    }
)
# Why the child's views could not be asked: a closed list, so no words about them are stored.
VIEWS_MISSING_REASONS: Final = frozenset(
    {"too_young", "unreachable", "would_put_at_risk", "anonymous_report", "declined_to_say"}
)
MAX_VIEWS = 4000


def _reason(reason: str) -> str:
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


def triage(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    facts: TriageInput,
    now: dt.datetime,
) -> Assessment:
    """Record what the caseworker established and re-assess (TRIAGED; a new case -> triaged)."""
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
        record_history(session, principal, case, CaseEventKind.ASSIGNED, data_out, now)
        audit_case(session, keyring, principal, case, AuditAction.CASE_ASSIGNED, data_out, now)
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
    record_history(session, principal, case, CaseEventKind.TRIAGED, data, now)
    audit_case(session, keyring, principal, case, AuditAction.CASE_TRIAGED, data, now)
    if case.status is S.NEW:
        move(session, actor=principal.actor, case=case, to=S.TRIAGED, now=now, why="triaged")
    session.flush()
    return assessment


def override_priority(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    priority: Priority,
    reason: str,
    now: dt.datetime,
) -> None:
    """A caseworker sets the priority themself, with a reason (sealed on the event, shown on
    the case page, and in the audit trail)."""
    text = _reason(reason)
    if priority is case.priority:
        raise InvalidInput("priority", f"The case is already {priority.value}.")
    if case.status is S.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    data: dict[str, object] = {"from": case.priority.value, "to": priority.value}
    case.priority = priority
    record_history(
        session,
        principal,
        case,
        CaseEventKind.PRIORITY_OVERRIDDEN,
        data,
        now,
        reason=staff_reason(session, keyring, case, text),
    )
    audit_case(
        session,
        keyring,
        principal,
        case,
        AuditAction.CASE_PRIORITY_OVERRIDDEN,
        {**data, "reason": text},
        now,
    )
    session.flush()


# ---------------------------------------------------------------- working


def acknowledge(session: Session, *, principal: Principal, case: Case, now: dt.datetime) -> bool:
    """Record the first time a caseworker or supervisor opens the case (stops the
    acknowledge clock); later looks add nothing. True when this was the first."""
    if principal.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return False
    seen = session.scalar(
        select(CaseEvent.seq)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == CaseEventKind.ACKNOWLEDGED)
        .limit(1)
    )
    if seen is not None:
        return False
    record_history(session, principal, case, CaseEventKind.ACKNOWLEDGED, {}, now)
    return True


def start_work(
    session: Session, *, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> None:
    """The caseworker starts working on it (-> in progress)."""
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
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    reason: str,
    now: dt.datetime,
) -> None:
    """Decide that no partner is needed (stops the referral-decision clock)."""
    text = _reason(reason)
    if case.status is S.CLOSED:
        raise InvalidInput("status", "This case is closed: reopen it first.")
    record_history(
        session,
        principal,
        case,
        CaseEventKind.REFERRAL_DECIDED,
        {"refer": False},
        now,
        reason=staff_reason(session, keyring, case, text),
    )
    audit_case(
        session,
        keyring,
        principal,
        case,
        AuditAction.CASE_REFERRAL_DECIDED,
        {"refer": False, "reason": text},
        now,
    )
    session.flush()


def _last_kind(session: Session, case: Case, kinds: list[CaseEventKind]) -> CaseEventKind | None:
    """The kind of the case's latest event among ``kinds`` (its history decides state)."""
    return session.scalar(
        select(CaseEvent.kind)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(kinds))
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )


def clock_paused(session: Session, case: Case) -> bool:
    """Whether the case's clocks are paused now (from its history)."""
    last = _last_kind(session, case, [CaseEventKind.CLOCK_PAUSED, CaseEventKind.CLOCK_RESUMED])
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
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    reason: str,
    now: dt.datetime,
) -> None:
    """Pause the case's business-hours clocks (P1 clocks never pause)."""
    if reason not in PAUSE_REASONS:
        raise InvalidInput(
            "reason", "Choose why the clocks wait from the list.", allowed=sorted(PAUSE_REASONS)
        )
    if case.status is S.CLOSED or clock_paused(session, case):
        raise InvalidInput("reason", "The clocks of this case are not running.")
    data: dict[str, object] = {"reason": reason}
    record_history(session, principal, case, CaseEventKind.CLOCK_PAUSED, data, now)
    audit_case(session, keyring, principal, case, AuditAction.CASE_CLOCK_PAUSED, data, now)
    session.flush()


def resume_clocks(
    session: Session, *, keyring: Keyring, principal: Principal, case: Case, now: dt.datetime
) -> None:
    """Resume paused clocks."""
    if not clock_paused(session, case):
        raise InvalidInput("clock", "The clocks of this case are not paused.")
    record_history(session, principal, case, CaseEventKind.CLOCK_RESUMED, {}, now)
    audit_case(session, keyring, principal, case, AuditAction.CASE_CLOCK_RESUMED, {}, now)
    session.flush()


# ---------------------------------------------------------------- closing


@dataclass(frozen=True)
class Closure:
    """What closing needs: an outcome, and the child's views or why they could not be asked."""

    outcome: str
    child_views: str | None = None
    views_missing: str | None = None


def _check_views(views: str) -> None:
    if len(views) > MAX_VIEWS:
        raise InvalidInput("child_views", f"Keep the child's views under {MAX_VIEWS} characters.")


def _check_closure(closure: Closure, *, recorded: bool) -> None:
    if closure.outcome not in OUTCOMES:
        raise InvalidInput("outcome", "Choose an outcome from the list.", allowed=sorted(OUTCOMES))
    views = (closure.child_views or "").strip()
    if views and closure.views_missing:
        raise InvalidInput(
            "child_views", "Give the child's views or why they are missing, not both."
        )
    if not views and not closure.views_missing and not recorded:
        raise InvalidInput(
            "child_views", "Record the child's views, or why they could not be asked."
        )
    _check_views(views)
    if closure.views_missing and closure.views_missing not in VIEWS_MISSING_REASONS:
        raise InvalidInput(
            "views_missing",
            "Choose from the list why the child's views could not be asked.",
            allowed=sorted(VIEWS_MISSING_REASONS),
        )


def _seal_views(session: Session, keyring: Keyring, case: Case, views: str) -> bytes:
    key = keyring.case_key(session, case.id)
    return seal_text(key, table="case", column="child_views", row_id=case.id, text=views)


def _store_closure(session: Session, keyring: Keyring, case: Case, closure: Closure) -> None:
    case.outcome = closure.outcome
    views = (closure.child_views or "").strip()
    if views:
        case.child_views_ct = _seal_views(session, keyring, case, views)
    elif closure.views_missing:
        case.child_views_ct = None
    # else: the views recorded earlier on the case stand.
    case.child_views_missing = None if views else closure.views_missing


def record_child_views(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    views: str,
    now: dt.datetime,
) -> None:
    """Record what the child wants (Article 12: their views are heard before decisions)."""
    text = views.strip()
    if not text:
        raise InvalidInput("child_views", "Write the child's views.")
    _check_views(text)
    if case.status is S.CLOSED:
        raise InvalidInput("child_views", "Reopen the case to change what it recorded.")
    case.child_views_ct = _seal_views(session, keyring, case, text)
    case.child_views_missing = None
    audit_case(session, keyring, principal, case, AuditAction.CASE_CHILD_VIEWS_RECORDED, {}, now)
    session.flush()


def read_child_views(session: Session, *, keyring: Keyring, case: Case) -> str | None:
    """The child's views recorded on the case, if any."""
    if case.child_views_ct is None:
        return None
    key = keyring.case_key(session, case.id)
    return open_text(
        key, table="case", column="child_views", row_id=case.id, ciphertext=case.child_views_ct
    )


def closure_pending(session: Session, case: Case) -> bool:
    """Whether a closure request waits for a supervisor (from the case's history)."""
    kinds = [
        CaseEventKind.CLOSURE_REQUESTED,
        CaseEventKind.CLOSURE_REJECTED,
        CaseEventKind.STATUS_CHANGED,
    ]
    return _last_kind(session, case, kinds) is CaseEventKind.CLOSURE_REQUESTED


def was_urgent(session: Session, case: Case) -> bool:
    """Whether the case was ever P1 or P2 (from its history)."""
    rows = session.execute(
        select(CaseEvent.kind, CaseEvent.data).where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind.in_(
                [
                    CaseEventKind.PRIORITY_ASSESSED,
                    CaseEventKind.TRIAGED,
                    CaseEventKind.PRIORITY_OVERRIDDEN,
                ]
            ),
        )
    )
    urgent = {p.value for p in NEEDS_APPROVAL}
    for kind, data in rows:
        values = (
            [data.get("from"), data.get("to")]
            if kind is CaseEventKind.PRIORITY_OVERRIDDEN
            else [data.get("priority")]
        )
        if urgent.intersection(v for v in values if v):
            return True
    return False


def _close(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    now: dt.datetime,
    approved_by: uuid.UUID | None,
) -> None:
    if clock_paused(session, case):  # a pause ends with the case; a reopened one runs
        record_history(
            session, principal, case, CaseEventKind.CLOCK_RESUMED, {"why": "closed"}, now
        )
    move(session, actor=principal.actor, case=case, to=S.CLOSED, now=now, why="closed")
    case.closed_at = now
    data: dict[str, object] = {
        "outcome": case.outcome,
        "views": "recorded" if case.child_views_ct else case.child_views_missing,
    }
    if approved_by is not None:
        data["approved_by"] = str(approved_by)
    audit_case(session, keyring, principal, case, AuditAction.CASE_CLOSED, data, now)


def request_closure(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    closure: Closure,
    now: dt.datetime,
    supervising: bool = False,
) -> bool:
    """Close the case, or ask a supervisor to: a case that is or ever was P1/P2 is closed
    only by a supervisor of its region (``supervising``: the caller checked CASE_SUPERVISE);
    lowering its priority first does not get round that.

    True when the case is now closed, False when the request waits for approval.
    """
    _check_closure(closure, recorded=case.child_views_ct is not None)
    if not may_move(case.status, S.CLOSED):
        raise WrongState(case.status, S.CLOSED)
    if closure_pending(session, case):
        raise InvalidInput("status", "Closure was already requested; a supervisor will decide.")
    _store_closure(session, keyring, case, closure)
    if not supervising and (case.priority in NEEDS_APPROVAL or was_urgent(session, case)):
        data: dict[str, object] = {"outcome": closure.outcome}
        record_history(session, principal, case, CaseEventKind.CLOSURE_REQUESTED, data, now)
        audit_case(session, keyring, principal, case, AuditAction.CASE_CLOSURE_REQUESTED, data, now)
        session.flush()
        return False
    _close(session, keyring=keyring, principal=principal, case=case, now=now, approved_by=None)
    session.flush()
    return True


def decide_closure(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """A supervisor approves (closes) or rejects (keeps open, with a reason) a request."""
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("only a supervisor decides on closing")
    if not closure_pending(session, case):
        raise InvalidInput("approve", "No closure request waits on this case.")
    if approve:
        _close(
            session,
            keyring=keyring,
            principal=principal,
            case=case,
            now=now,
            approved_by=principal.user_id,
        )
    else:
        text = _reason(reason or "")
        # The child's views stay: they are still the child's views, whatever the outcome.
        case.outcome, case.child_views_missing = None, None
        record_history(
            session,
            principal,
            case,
            CaseEventKind.CLOSURE_REJECTED,
            {},
            now,
            reason=staff_reason(session, keyring, case, text),
        )
        audit_case(
            session,
            keyring,
            principal,
            case,
            AuditAction.CASE_CLOSURE_REJECTED,
            {"reason": text},
            now,
        )
    session.flush()


def reopen(
    session: Session,
    *,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    reason: str,
    now: dt.datetime,
) -> None:
    """Reopen a closed case (-> in progress), with a reason; its clocks start again."""
    text = _reason(reason)
    move(
        session,
        actor=principal.actor,
        case=case,
        to=S.IN_PROGRESS,
        now=now,
        why="reopened",
        reason=staff_reason(session, keyring, case, text),
    )
    case.closed_at = None
    audit_case(session, keyring, principal, case, AuditAction.CASE_REOPENED, {"reason": text}, now)
    session.flush()
