"""The audit trail's index: who did what, when, to which object - never what the payloads
say. Reading it is itself an audit event."""

from __future__ import annotations

from sqlalchemy import select

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.audit.models import AuditEvent
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.context import Acting
from casework.staff.models import Role


def audit_trail(acting: Acting, *, limit: int, before: int | None = None) -> list[AuditEvent]:
    """The newest ``limit`` events of the trail (before position ``before``), newest first;
    a supervisor sees only the events of the cases they supervise."""
    acting.require(Action.AUDIT_READ)
    principal = acting.principal
    query = select(AuditEvent).where(AuditEvent.position.is_not(None))
    if principal.role is Role.SUPERVISOR:
        # Who looked at what, for the cases they supervise only (and nothing else).
        mine = select(Case.id).where(case_filter(principal, Action.CASE_READ, now=acting.now))
        query = query.where(AuditEvent.case_id.in_(mine))
    if before is not None:
        query = query.where(AuditEvent.position < before)
    rows = list(acting.session.scalars(query.order_by(AuditEvent.position.desc()).limit(limit)))
    record_event(
        acting.session,
        keyring=acting.keyring,
        action=AuditAction.AUDIT_READ,
        actor=principal.actor,
        object_type="audit_trail",
        object_id="-",
        details={"limit": limit, "before": before},
        now=acting.now,
    )
    return rows
