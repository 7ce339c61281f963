"""Closing a case and reopening it: the outcome, the child's views (sealed) or why they could
not be asked; P1 and P2 closures wait for a supervisor's approval."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import Principal
from casework.audit.record import AuditAction
from casework.cases.models import Case, CaseEvent
from casework.cases.states import WrongState, may_move, move
from casework.context import Acting
from casework.enums import CaseEventKind, Priority
from casework.errors import InvalidInput, NotAllowed
from casework.handling.finding import Command, take
from casework.handling.finding import supervising as is_supervising
from casework.handling.history import (
    audit_case,
    record_change,
    record_history,
    staff_reason,
)
from casework.handling.lifecycle import S, clock_paused, last_kind, reason_text
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring
from casework.staff.models import Role

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
    acting: Acting,
    case_id: uuid.UUID,
    views: str,
) -> None:
    """Record what the child wants (Article 12: their views are heard before decisions)."""
    case = take(acting, case_id, Command.RECORD_CHILD_VIEWS)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
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
    return last_kind(session, case, kinds) is CaseEventKind.CLOSURE_REQUESTED


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
    acting: Acting,
    case_id: uuid.UUID,
    closure: Closure,
) -> bool:
    """Close the case, or ask a supervisor to: a case that is or ever was P1/P2 is closed
    only by a supervisor of its region (``supervising``: the caller checked CASE_SUPERVISE);
    lowering its priority first does not get round that.

    True when the case is now closed, False when the request waits for approval.
    """
    case = take(acting, case_id, Command.REQUEST_CLOSURE)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    supervising = is_supervising(acting, case)
    _check_closure(closure, recorded=case.child_views_ct is not None)
    if not may_move(case.status, S.CLOSED):
        raise WrongState(case.status, S.CLOSED)
    if closure_pending(session, case):
        raise InvalidInput("status", "Closure was already requested; a supervisor will decide.")
    _store_closure(session, keyring, case, closure)
    if not supervising and (case.priority in NEEDS_APPROVAL or was_urgent(session, case)):
        data: dict[str, object] = {"outcome": closure.outcome}
        record_change(
            acting, case, CaseEventKind.CLOSURE_REQUESTED, AuditAction.CASE_CLOSURE_REQUESTED, data
        )
        session.flush()
        return False
    _close(session, keyring=keyring, principal=principal, case=case, now=now, approved_by=None)
    session.flush()
    return True


def decide_closure(
    acting: Acting,
    case_id: uuid.UUID,
    approve: bool,
    reason: str | None,
) -> None:
    """A supervisor approves (closes) or rejects (keeps open, with a reason) a request."""
    case = take(acting, case_id, Command.DECIDE_CLOSURE)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
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
        text = reason_text(reason or "")
        # The child's views stay: they are still the child's views, whatever the outcome.
        case.outcome, case.child_views_missing = None, None
        record_change(
            acting,
            case,
            CaseEventKind.CLOSURE_REJECTED,
            AuditAction.CASE_CLOSURE_REJECTED,
            {},
            reason=text,
        )
    session.flush()


def reopen(
    acting: Acting,
    case_id: uuid.UUID,
    reason: str,
) -> None:
    """Reopen a closed case (-> in progress), with a reason; its clocks start again."""
    case = take(acting, case_id, Command.REOPEN)
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    text = reason_text(reason)
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
