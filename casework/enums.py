"""Closed vocabularies shared across the domain. Stored as their string values."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    """How a report reached the hotline."""

    WEB = "web"
    APP = "app"
    SMS = "sms"
    VOICE = "voice"


class Danger(enum.StrEnum):
    """The reporter's answer to "is someone in danger right now?"."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Priority(enum.StrEnum):
    """P1 is the most urgent (someone in danger now), P4 the least."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class CaseStatus(enum.StrEnum):
    """Where a case is in its workflow."""

    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


class ReporterRole(enum.StrEnum):
    """Who is telling us: the child themself, or someone on their behalf."""

    SELF = "self"
    OTHER_CHILD = "other_child"
    PARENT = "parent"
    TEACHER = "teacher"
    OTHER = "other"
    UNKNOWN = "unknown"


class ContactMethod(enum.StrEnum):
    """Whether and how the hotline may contact the reporter.

    ``FOLLOW_UP_ONLY`` (the default) means we never contact them: they come back with their
    reference and follow-up code. ``SMS`` means they agreed to be texted at the phone given.
    """

    FOLLOW_UP_ONLY = "follow_up_only"
    SMS = "sms"


class ActorKind(enum.StrEnum):
    """Who did something recorded in a case's event log."""

    REPORTER = "reporter"
    STAFF = "staff"
    SYSTEM = "system"
    PARTNER = "partner"  # a partner organisation (its API key or one of its users)


class CaseEventKind(enum.StrEnum):
    """What happened to a case."""

    OPENED = "opened"
    REPORT_RECEIVED = "report_received"
    PRIORITY_ASSESSED = "priority_assessed"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    RESTRICTION_CHANGED = "restriction_changed"
    NOTE_ADDED = "note_added"
    MESSAGE_SENT = "message_sent"
    ACCESS_GRANTED = "access_granted"
    REFERRED = "referred"
    TRIAGED = "triaged"  # facts recorded by staff and the priority re-assessed
    PRIORITY_OVERRIDDEN = "priority_overridden"  # a caseworker's reasoned change
    ACKNOWLEDGED = "acknowledged"  # first looked at by a member of staff
    CLOCK_PAUSED = "clock_paused"
    CLOCK_RESUMED = "clock_resumed"
    CLOSURE_REQUESTED = "closure_requested"
    CLOSURE_REJECTED = "closure_rejected"
    REFERRAL_DECIDED = "referral_decided"  # decided not to refer (referring is REFERRED)
    MESSAGE_RECEIVED = "message_received"  # a later message from the reporter joined the case
    LINK_SUGGESTED = "link_suggested"
    PATTERN_ALERT = "pattern_alert"
    REFERRAL_ACKNOWLEDGED = "referral_acknowledged"  # by the partner
    REFERRAL_UPDATED = "referral_updated"  # accepted, declined, in progress, done, withdrawn
    # Where it belongs (region, school, category, the alleged perpetrator's role) was found in
    # the child's words or set by staff.
    PLACED = "placed"


class InboxStatus(enum.StrEnum):
    """Processing state of a raw inbound provider event."""

    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class PerpetratorRole(enum.StrEnum):
    """Who the alleged perpetrator is to the child."""

    TEACHER = "teacher"
    SCHOOL_STAFF = "school_staff"
    OFFICIAL = "official"  # police, coach, youth leader, clergy: power over children
    CARER = "carer"  # parent, guardian, carer
    PEER = "peer"
    ONLINE_STRANGER = "online_stranger"
    OTHER = "other"
    UNKNOWN = "unknown"
