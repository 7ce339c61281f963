"""Every table of the domain, imported in one place for Alembic and the mappers."""

from __future__ import annotations

from casework.audit.models import AuditCheckpoint, AuditEvent, AuditNode
from casework.cases.models import Case, CaseEvent, CaseNote
from casework.db import Base
from casework.followup.models import FollowUpCredential, FollowUpThrottle
from casework.intake.models import InboundMessage, IntakeItem, Report
from casework.linking.models import CaseLink, PatternAlert, PersonMention
from casework.messages.models import Attachment, CaseMessage
from casework.outbox.models import OutboxMessage
from casework.oversight.models import TransparencySnapshot
from casework.partners.models import (
    Partner,
    PartnerApiKey,
    PartnerCategory,
    PartnerLanguage,
    PartnerRegion,
    Referral,
)
from casework.places.models import Region, School
from casework.protection.models import DataKey
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift
from casework.sla.models import (
    CaseStat,
    Holiday,
    RegionCalendar,
    SlaClock,
    SlaNotice,
    SlaTarget,
)
from casework.sms.models import SmsConversation
from casework.staff.models import (
    CaseAccessGrant,
    LoginThrottle,
    RecoveryCode,
    StaffNotification,
    StaffSchoolLink,
    StaffSession,
    StaffUser,
    Team,
    TeamMember,
    TeamRegion,
)
from casework.taxonomy.models import Category

__all__ = [
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditNode",
    "Base",
    "Case",
    "CaseAccessGrant",
    "CaseEvent",
    "CaseLink",
    "CaseMessage",
    "CaseNote",
    "CaseStat",
    "Category",
    "DataKey",
    "FollowUpCredential",
    "FollowUpThrottle",
    "Holiday",
    "InboundMessage",
    "IntakeItem",
    "LoginThrottle",
    "OnCallShift",
    "OutboxMessage",
    "Partner",
    "PartnerApiKey",
    "PartnerCategory",
    "PartnerLanguage",
    "PartnerRegion",
    "PatternAlert",
    "PersonMention",
    "RecoveryCode",
    "Referral",
    "Region",
    "RegionCalendar",
    "Report",
    "School",
    "SlaClock",
    "SlaNotice",
    "SlaTarget",
    "SmsConversation",
    "StaffLanguage",
    "StaffNotification",
    "StaffSchoolLink",
    "StaffSession",
    "StaffShift",
    "StaffUser",
    "Team",
    "TeamMember",
    "TeamRegion",
    "TransparencySnapshot",
]
