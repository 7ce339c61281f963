"""A case's history as staff write and read it: events with sealed reasons, and the audit
event that goes with each staff change."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.scope import Principal
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case, CaseEvent
from casework.cases.service import NewEvent, Reason, append_events
from casework.context import Acting
from casework.enums import ActorKind, CaseEventKind
from casework.messages.models import CaseMessage
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.staff.models import Role

MIN_REASON = 10


def record_history(
    session: Session,
    principal: Principal,
    case: Case,
    kind: CaseEventKind,
    data: dict[str, object],
    now: dt.datetime,
    *,
    reason: Reason | None = None,
) -> None:
    """Append what ``principal`` did to the case's history (``data``: codes and ids only;
    their reason in words goes in ``reason``, sealed)."""
    append_events(
        session,
        case=case,
        events=[NewEvent(kind, principal.actor, dict(data), reason)],
        now=now,
    )


def staff_reason(session: Session, keyring: Keyring, case: Case, text: str) -> Reason:
    """A staff member's reason, to be sealed on the event it explains."""
    return Reason(keyring.case_key(session, case.id), text)


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a case's history as staff see it, its reason opened."""

    seq: int
    kind: CaseEventKind
    actor_kind: ActorKind
    actor_id: str | None
    occurred_at: dt.datetime
    data: dict[str, Any]
    reason: str | None = None
    message_id: uuid.UUID | None = None  # the message a MESSAGE_SENT event sent

    def __repr__(self) -> str:
        return f"HistoryEntry({self.seq}, {self.kind.value})"


def read_history(acting: Acting, case: Case) -> list[HistoryEntry]:
    """The case's event log, oldest first, with staff reasons opened (a read, audited)."""
    session, keyring = acting.session, acting.keyring
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    audit_read(acting, case, "history", str(case.id))
    by_outbox = {
        outbox_id: message_id
        for outbox_id, message_id in session.execute(
            select(CaseMessage.outbox_id, CaseMessage.id).where(
                CaseMessage.case_id == case.id, CaseMessage.outbox_id.is_not(None)
            )
        )
        if outbox_id is not None
    }
    key = keyring.case_key(session, case.id) if any(e.reason_ct for e in events) else None
    entries = []
    for e in events:
        reason = None
        if e.reason_ct is not None and key is not None:
            reason = open_text(
                key, table="case_event", column="reason", row_id=e.id, ciphertext=e.reason_ct
            )
        entries.append(
            HistoryEntry(
                e.seq,
                e.kind,
                e.actor_kind,
                e.actor_id,
                e.occurred_at,
                dict(e.data or {}),
                reason,
                _sent_message(e, by_outbox),
            )
        )
    return entries


def _sent_message(event: CaseEvent, by_outbox: dict[uuid.UUID, uuid.UUID]) -> uuid.UUID | None:
    if event.kind is not CaseEventKind.MESSAGE_SENT:
        return None
    try:
        if event.data.get("inbox"):
            return uuid.UUID(str(event.data["inbox"]))
        if event.data.get("outbox"):
            return by_outbox.get(uuid.UUID(str(event.data["outbox"])))
    except ValueError:
        return None
    return None


def audit_case(
    session: Session,
    keyring: Keyring,
    principal: Principal,
    case: Case,
    action: AuditAction,
    details: dict[str, object],
    now: dt.datetime,
) -> None:
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=principal.actor,
        object_type="case",
        object_id=str(case.id),
        case_key=keyring.case_key(session, case.id),
        details=details,
        now=now,
    )


def acknowledge(acting: Acting, case: Case) -> bool:
    """Record the first time a caseworker or supervisor opens the case (stops the
    acknowledge clock); later looks add nothing. True when this was the first."""
    session, principal, now = acting.session, acting.principal, acting.now
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


def audit_read(
    acting: Acting,
    case: Case,
    what: str,
    object_id: str,
    action: AuditAction = AuditAction.CASE_READ,
) -> None:
    """Record that the person acting looked at part of a case (sealed under its key)."""
    record_event(
        acting.session,
        keyring=acting.keyring,
        action=action,
        actor=acting.principal.actor,
        object_type=what,
        object_id=object_id,
        case_key=acting.keyring.case_key(acting.session, case.id),
        details={"case": str(case.id)},
        now=acting.now,
    )


def record_change(
    acting: Acting,
    case: Case,
    kind: CaseEventKind,
    action: AuditAction,
    data: dict[str, object],
    *,
    reason: str | None = None,
) -> None:
    """Record what the person acting did: an event in the case's history (its ``reason``
    sealed on it) and the audit entry that goes with it (the reason in its sealed details)."""
    session, keyring, principal, now = acting.session, acting.keyring, acting.principal, acting.now
    sealed = staff_reason(session, keyring, case, reason) if reason is not None else None
    record_history(session, principal, case, kind, data, now, reason=sealed)
    details = {**data, "reason": reason} if reason is not None else data
    audit_case(session, keyring, principal, case, action, details, now)
