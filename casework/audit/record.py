"""Writing audit events: in the caller's transaction, with what changed sealed."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.models import AuditEvent
from casework.ids import new_id
from casework.protection.fields import open_sealed, seal
from casework.protection.keys import Keyring, SealingKey
from casework.sql import plain_insert


class AuditAction(enum.StrEnum):
    """Every kind of action the trail records."""

    REPORT_RECEIVED = "report.received"
    REPORT_RECEIPT_REPLAYED = "report.receipt_replayed"
    FOLLOW_UP_VIEWED = "follow_up.viewed"
    FOLLOW_UP_DENIED = "follow_up.denied"
    CASE_ERASED = "case.erased"
    KEYS_ROTATION_STARTED = "keys.rotation_started"
    KEYS_ROTATED = "keys.rotated"
    KEYS_RETIRED = "keys.retired"
    AUDIT_EXPORTED = "audit.exported"
    AUDIT_LOG_STARTED = "audit.log_started"  # the log's first entry: its name (origin)
    SMS_RECEIVED = "sms.received"
    SMS_OPTED_OUT = "sms.opted_out"
    SMS_OPTED_IN = "sms.opted_in"
    SMS_SILENCED = "sms.silenced"
    SMS_STATUS = "sms.status"
    OUTBOX_DELIVERED = "outbox.delivered"
    OUTBOX_FAILED = "outbox.failed"
    EVIDENCE_STORED = "evidence.stored"
    # Staff sign-in and accounts
    STAFF_PASSWORD_ACCEPTED = "staff.password_accepted"  # noqa: S105 - an action name
    STAFF_LOGIN_FAILED = "staff.login_failed"
    STAFF_LOGIN_LOCKED = "staff.login_locked"
    STAFF_SIGNED_IN = "staff.signed_in"
    STAFF_MFA_FAILED = "staff.mfa_failed"
    STAFF_MFA_ENROLLED = "staff.mfa_enrolled"
    STAFF_MFA_ENROLMENT_STARTED = "staff.mfa_enrolment_started"
    STAFF_RECOVERY_CODE_USED = "staff.recovery_code_used"
    STAFF_SIGNED_OUT = "staff.signed_out"
    STAFF_PASSWORD_CHANGED = "staff.password_changed"  # noqa: S105 - an action name
    STAFF_USER_CREATED = "staff.user_created"
    STAFF_USER_DISABLED = "staff.user_disabled"
    STAFF_MFA_RESET = "staff.mfa_reset"
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_TEAMS_CHANGED = "staff.teams_changed"
    STAFF_SCHOOL_LINKED = "staff.school_linked"
    PARTNER_CREATED = "partner.created"
    PARTNER_CHANGED = "partner.changed"
    PARTNER_ENDPOINT_DISABLED = "partner.endpoint_disabled"
    PARTNER_KEY_CREATED = "partner.key_created"
    PARTNER_KEY_REVOKED = "partner.key_revoked"
    PARTNER_KEY_REFUSED = "partner.key_refused"
    # Staff work on cases: every look is recorded, not only changes
    CASE_LISTED = "case.listed"
    CASE_READ = "case.read"
    CASE_NOTE_ADDED = "case.note_added"
    CASE_MESSAGE_SENT = "case.message_sent"
    CASE_ASSIGNED = "case.assigned"
    CASE_RESTRICTION_CHANGED = "case.restriction_changed"
    CASE_BREAK_GLASS = "case.break_glass"
    CASE_TRIAGED = "case.triaged"
    CASE_PRIORITY_OVERRIDDEN = "case.priority_overridden"
    CASE_STATUS_CHANGED = "case.status_changed"
    CASE_REFERRAL_DECIDED = "case.referral_decided"
    CASE_CLOCK_PAUSED = "case.clock_paused"
    CASE_CLOCK_RESUMED = "case.clock_resumed"
    CASE_CLOSURE_REQUESTED = "case.closure_requested"
    CASE_CLOSURE_REJECTED = "case.closure_rejected"
    CASE_CLOSED = "case.closed"
    CASE_REOPENED = "case.reopened"
    CASE_CHILD_VIEWS_RECORDED = "case.child_views_recorded"
    CASE_ROUTED = "case.routed"  # assigned or queued automatically (intake, placement)
    CASE_PLACED = "case.placed"  # region, school, category or perpetrator's role set
    CASE_LINK_SUGGESTED = "case.link_suggested"
    CASE_MESSAGE_RECEIVED = "case.message_received"
    SLA_WARNING = "sla.warning"
    SLA_BREACH = "sla.breach"
    PATTERN_ALERT = "pattern.alert"
    ROUTING_CHANGED = "routing.changed"  # languages, shifts, on-call rota, phones
    SLA_CONFIG_CHANGED = "sla.config_changed"  # targets, calendars, holidays
    ATTACHMENT_READ = "attachment.read"
    EVIDENCE_DOWNLOADED = "attachment.original_downloaded"
    REFERRAL_CREATED = "referral.created"
    REFERRAL_STATUS_CHANGED = "referral.status_changed"
    REFERRAL_CONSENT_OVERRIDDEN = "referral.consent_overridden"
    REFERRAL_READ = "referral.read"
    REFERRALS_LISTED = "referral.listed"
    AUDIT_READ = "audit.read"
    STATS_READ = "stats.read"
    STATS_EXPORTED = "stats.exported"  # a table of figures or clock rows taken away as a file


SYSTEM_PURPOSE = "audit"
_AUDIT: Table = AuditEvent.__table__  # type: ignore[assignment]


def record_event(
    session: Session,
    *,
    keyring: Keyring,
    action: AuditAction,
    actor: Actor,
    object_type: str,
    object_id: str,
    details: dict[str, Any],
    now: dt.datetime,
    case_key: SealingKey | None = None,
) -> uuid.UUID:
    """Append one event to the trail, in the caller's transaction; returns its id.

    ``details`` (what changed) is sealed under the case's key when the event belongs to a
    case, so erasing the case also erases what the trail said about it; otherwise under the
    system audit key.
    """
    event_id = new_id()
    key = case_key or keyring.purpose_key(session, SYSTEM_PURPOSE)
    payload = seal(
        key,
        table="audit_event",
        column="payload",
        row_id=event_id,
        plaintext=json.dumps(details, sort_keys=True, default=str).encode(),
    )
    session.execute(
        plain_insert(_AUDIT),
        {
            "id": event_id,
            "occurred_at": now,
            "actor_kind": actor.kind.value,
            "actor_id": actor.id,
            "action": action.value,
            "object_type": object_type,
            "object_id": object_id,
            "case_id": case_key.case_id if case_key else None,
            "payload_ct": payload,
        },
    )
    return event_id


def read_details(session: Session, *, keyring: Keyring, event: AuditEvent) -> dict[str, Any]:
    """What an event says changed (raises DataErased for an erased case)."""
    key = (
        keyring.case_key(session, event.case_id)
        if event.case_id
        else keyring.purpose_key(session, SYSTEM_PURPOSE)
    )
    plaintext = open_sealed(
        key, table="audit_event", column="payload", row_id=event.id, ciphertext=event.payload_ct
    )
    details: dict[str, Any] = json.loads(plaintext)
    return details
