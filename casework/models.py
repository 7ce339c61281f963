"""Every table of the domain, imported in one place for Alembic and the mappers."""

from __future__ import annotations

from casework.audit.models import AuditCheckpoint, AuditEvent, AuditNode
from casework.cases.models import Case, CaseEvent
from casework.db import Base
from casework.followup.models import FollowUpCredential, FollowUpThrottle
from casework.intake.models import IdempotencyRecord, InboundMessage, Report
from casework.messages.models import Attachment, CaseMessage
from casework.outbox.models import OutboxMessage
from casework.places.models import Region, School
from casework.protection.models import DataKey
from casework.sms.models import SmsConversation
from casework.taxonomy.models import Category

__all__ = [
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditNode",
    "Base",
    "Case",
    "CaseEvent",
    "CaseMessage",
    "Category",
    "DataKey",
    "FollowUpCredential",
    "FollowUpThrottle",
    "IdempotencyRecord",
    "InboundMessage",
    "OutboxMessage",
    "Region",
    "Report",
    "School",
    "SmsConversation",
]
