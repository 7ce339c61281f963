"""Words for every code the console shows: statuses, outcomes, channels, roles, referral
steps, consent, triage factors, languages, clock states and the timeline's events.

Templates never print a code: they pass it through the ``label`` filter with its vocabulary
(``{{ case.status | label("status") }}``), ``factor`` for a triage factor, or ``options`` for
the choices of a ``<select>``. A code missing from its table is still shown as words
(``some_code`` -> "Some code"), never raw; the tests check that every known code has a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from casework.enums import (
    ActorKind,
    CaseEventKind,
    CaseStatus,
    Channel,
    PerpetratorRole,
    Priority,
    ReporterRole,
)
from casework.partners.models import Consent, PartnerType, ReferralStatus
from casework.sla.models import ClockKind
from casework.staff.models import Role

E = CaseEventKind

CLOCK_NAMES: Final[dict[ClockKind, str]] = {
    ClockKind.ACKNOWLEDGE: "Acknowledge",
    ClockKind.TRIAGE: "Triage",
    ClockKind.FIRST_RESPONSE: "First response",
    ClockKind.REFERRAL_DECISION: "Referral decision",
    ClockKind.PARTNER_ACKNOWLEDGEMENT: "Partner acknowledgement",
    ClockKind.PARTNER_ACCEPTANCE: "Partner acceptance",
    ClockKind.CLOSURE_REVIEW: "Closure review",
}

LABELS: Final[dict[str, dict[str, str]]] = {
    "priority": {
        Priority.P1: "P1 (most urgent)",
        Priority.P2: "P2",
        Priority.P3: "P3",
        Priority.P4: "P4 (least urgent)",
    },
    "status": {
        CaseStatus.NEW: "New",
        CaseStatus.TRIAGED: "Triaged",
        CaseStatus.ASSIGNED: "Assigned",
        CaseStatus.IN_PROGRESS: "In progress",
        CaseStatus.REFERRED: "Referred",
        CaseStatus.CLOSED: "Closed",
    },
    "outcome": {
        "referred_support": "Referred: a partner is helping the child",
        "resolved": "Resolved: the harm stopped and the child is safe",
        "advice_given": "Advice given",
        "no_further_action": "No further action",
        "duplicate": "Duplicate of another case",
        "unable_to_contact": "Could not reach the reporter",
        "not_child_protection": "Not a child-protection matter",
    },
    "views_missing": {
        "too_young": "The child is too young",
        "unreachable": "The child could not be reached",
        "would_put_at_risk": "Asking would put the child at risk",
        "anonymous_report": "Anonymous report: no way to ask",
        "declined_to_say": "The child did not want to say",
    },
    "pause_reason": {
        "waiting_for_reporter": "Waiting for the reporter",
        "waiting_for_partner": "Waiting for a partner",
        "waiting_for_information": "Waiting for information",
        "child_unsafe_to_contact": "Unsafe to contact the child now",
    },
    "channel": {
        Channel.WEB: "Web form",
        Channel.APP: "App",
        Channel.SMS: "SMS",
        Channel.VOICE: "Phone call",
    },
    "perpetrator_role": {
        PerpetratorRole.TEACHER: "Teacher",
        PerpetratorRole.SCHOOL_STAFF: "Other school staff",
        PerpetratorRole.OFFICIAL: "Official (police, coach, youth leader, clergy)",
        PerpetratorRole.CARER: "Parent or carer",
        PerpetratorRole.PEER: "Another child",
        PerpetratorRole.ONLINE_STRANGER: "Stranger online",
        PerpetratorRole.OTHER: "Someone else",
        PerpetratorRole.UNKNOWN: "Not known",
    },
    "reporter_role": {
        ReporterRole.SELF: "The child",
        ReporterRole.OTHER_CHILD: "Another child",
        ReporterRole.PARENT: "Parent or carer",
        ReporterRole.TEACHER: "Teacher",
        ReporterRole.OTHER: "Someone else",
        ReporterRole.UNKNOWN: "Not known",
    },
    "referral_status": {
        ReferralStatus.DRAFT: "Draft, not sent",
        ReferralStatus.SENT: "Sent",
        ReferralStatus.ACKNOWLEDGED: "Acknowledged by the partner",
        ReferralStatus.ACCEPTED: "Accepted",
        ReferralStatus.DECLINED: "Declined",
        ReferralStatus.IN_PROGRESS: "In progress with the partner",
        ReferralStatus.COMPLETED: "Completed",
        ReferralStatus.WITHDRAWN: "Withdrawn",
    },
    "consent": {
        Consent.GIVEN: "Consent given",
        Consent.REFUSED: "Consent refused",
        Consent.NOT_ASKED: "Consent could not be asked",
    },
    "consent_from": {"child": "by the child", "guardian": "by a parent or guardian"},
    "partner_kind": {
        PartnerType.SOCIAL_SERVICES: "Social services",
        PartnerType.NGO: "NGO",
        PartnerType.POLICE: "Police",
        PartnerType.HEALTH: "Health",
        PartnerType.SCHOOL: "School safeguarding lead",
        PartnerType.LEGAL_AID: "Legal aid",
        PartnerType.OTHER: "Other",
    },
    "language": {"en": "English", "fr": "Français", "bg": "Български", "fil": "Filipino"},
    "role": {
        Role.CASEWORKER: "Caseworker",
        Role.SUPERVISOR: "Supervisor",
        Role.ADMINISTRATOR: "Administrator",
        Role.PARTNER: "Partner",
        Role.AUDITOR: "Auditor",
    },
    "clock": {kind.value: name for kind, name in CLOCK_NAMES.items()},
    "clock_state": {
        "running": "Running",
        "warning": "Due soon",
        "breached": "Breached",
        "paused": "Paused",
        "met": "Met",
        "missed": "Missed",
        "stopped": "Stopped before it was due (not counted)",
    },
    "actor": {
        ActorKind.REPORTER: "The reporter",
        ActorKind.STAFF: "A member of staff",
        ActorKind.SYSTEM: "Automatic",
        ActorKind.PARTNER: "The partner",
    },
    "link_reason": {
        "same_phone": "Same phone number",
        "same_person": "Same person named at the school",
    },
    "event": {
        E.OPENED: "Case opened",
        E.REPORT_RECEIVED: "Report received",
        E.PRIORITY_ASSESSED: "Priority assessed",
        E.STATUS_CHANGED: "Status changed",
        E.ASSIGNED: "Assignment",
        E.RESTRICTION_CHANGED: "Restriction changed",
        E.NOTE_ADDED: "Note",
        E.MESSAGE_SENT: "Message to the reporter",
        E.ACCESS_GRANTED: "Emergency access (break-glass)",
        E.REFERRED: "Referred to a partner",
        E.TRIAGED: "Triaged",
        E.PRIORITY_OVERRIDDEN: "Priority changed by staff",
        E.ACKNOWLEDGED: "Opened by staff for the first time",
        E.CLOCK_PAUSED: "Clocks paused",
        E.CLOCK_RESUMED: "Clocks resumed",
        E.CLOSURE_REQUESTED: "Closure requested",
        E.CLOSURE_REJECTED: "Closure rejected",
        E.REFERRAL_DECIDED: "Decided not to refer",
        E.MESSAGE_RECEIVED: "Message from the reporter",
        E.LINK_SUGGESTED: "Linked cases suggested",
        E.PATTERN_ALERT: "Pattern alert: several reports about one person",
        E.REFERRAL_ACKNOWLEDGED: "Partner acknowledged the referral",
        E.REFERRAL_UPDATED: "Referral updated",
        E.PLACED: "Place and details updated",
    },
    # Why a case's status changed (the ``why`` of its STATUS_CHANGED event).
    "status_why": {
        "triaged": "after triage",
        "started": "work started",
        "assigned": "on assignment",
        "routed": "routed automatically",
        "referred": "referred to a partner",
        "declined": "the partner declined or the referral was withdrawn",
        "closed": "closed",
        "reopened": "reopened",
    },
}
# Triage factors: "code" or "code:value" (casework.triage.rules).
FACTORS: Final[dict[str, str]] = {
    "immediate_danger": "Someone is in danger now",
    "danger_words": "Words about danger in the report",
    "self_harm": "Self-harm or suicidal thoughts",
    "injury": "Injured",
    "ongoing": "Still happening",
    "not_ongoing": "Has stopped",
}
_VALUED: Final[dict[str, str]] = {
    "category": "Serious harm ({value})",
    "authority": "Alleged perpetrator in authority ({value})",
    "very_young": "Very young child ({value})",
    "young": "Young child ({value})",
}
_IMPLIED_AUTHORITY: Final = "implied by the category"
_CATEGORY_NAMES: Final[dict[str, str]] = {
    "sexual_abuse": "sexual abuse",
    "online_sexual_exploitation": "online sexual exploitation",
    "trafficking": "trafficking",
    "child_marriage": "child marriage",
}


def humanise(code: object) -> str:
    """A code nobody labelled yet, as words ("some_code" -> "Some code")."""
    text = re.sub(r"[_:]+", " ", str(code)).strip()
    return text[:1].upper() + text[1:]


def label(code: object, vocabulary: str) -> str:
    """The words for ``code`` in one vocabulary (``status``, ``outcome``, ...)."""
    if code is None or code == "":
        return ""
    value = code.value if hasattr(code, "value") else code
    return LABELS[vocabulary].get(str(value)) or humanise(value)


def _count(n: str, one: str, many: str) -> str:
    return f"{n} {one if n == '1' else many}"


def factor(code: str) -> str:
    """A triage factor in words: "authority:teacher" -> "Alleged perpetrator in authority
    (teacher)", "young:8" -> "Young child (8)", "repeat_school:3" -> "3 earlier reports about
    this school"."""
    name, _, value = str(code).partition(":")
    if not value:
        return FACTORS.get(name) or humanise(name)
    if name == "repeat_school":
        return _count(
            value, "earlier report about this school", "earlier reports about this school"
        )
    if name == "repeat_person":
        return _count(
            value, "earlier report about the same person", "earlier reports about the same person"
        )
    if name == "authority":
        value = (
            _IMPLIED_AUTHORITY if value == "implied" else label(value, "perpetrator_role").lower()
        )
    elif name == "category":
        value = _CATEGORY_NAMES.get(value) or humanise(value).lower()
    template = _VALUED.get(name)
    return template.format(value=value) if template else f"{humanise(name)} ({humanise(value)})"


def options(codes: Iterable[Any], vocabulary: str) -> list[tuple[str, str]]:
    """(code, words) pairs for a ``<select>``, in the order of the vocabulary's table."""
    order = {code: n for n, code in enumerate(LABELS[vocabulary])}
    values = sorted((str(getattr(c, "value", c)) for c in codes), key=lambda v: order.get(v, 99))
    return [(value, label(value, vocabulary)) for value in values]


Names = Mapping[str, str]  # people and partners by id
Data = Mapping[str, Any]


def _arrow(data: Data, vocabulary: str | None) -> str | None:
    before, after = data.get("from"), data.get("to")
    if not after:
        return None
    after_words = label(after, vocabulary) if vocabulary else str(after)
    if not before:
        return after_words
    return f"{label(before, vocabulary) if vocabulary else before} → {after_words}"


def _priority(data: Data, _names: Names) -> str | None:
    priority, earlier = data.get("priority"), data.get("from")
    if not priority:
        return None
    return f"{earlier} → {priority}" if earlier and earlier != priority else str(priority)


def _status(data: Data, _names: Names) -> str | None:
    moved, why = _arrow(data, "status"), data.get("why")
    return f"{moved} ({label(why, 'status_why')})" if moved and why else moved


def _assigned(data: Data, names: Names) -> str:
    if data.get("why") == "conflict":
        return "Back to the team queue: the assignee is linked to the school"
    assignee = data.get("assignee")
    return (
        f"To {names.get(str(assignee), 'a member of staff')}" if assignee else "To the team queue"
    )


_PLACE_FIELDS: Final = {
    "region": "region",
    "school": "school",
    "category": "category",
    "perpetrator_role": "alleged perpetrator's role",
}


def _placed(data: Data, _names: Names) -> str | None:
    before, after = data.get("from") or {}, data.get("to") or {}
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return None
    changed = [words for key, words in _PLACE_FIELDS.items() if before.get(key) != after.get(key)]
    return "Changed: " + ", ".join(changed) if changed else None


def _labelled(key: str, vocabulary: str) -> Any:
    return lambda data, _names: label(data.get(key), vocabulary) or None


_DETAILS: Final = {
    E.PRIORITY_OVERRIDDEN: lambda data, _names: _arrow(data, None),
    E.PRIORITY_ASSESSED: _priority,
    E.TRIAGED: _priority,
    E.STATUS_CHANGED: _status,
    E.ASSIGNED: _assigned,
    E.PLACED: _placed,
    E.CLOCK_PAUSED: _labelled("reason", "pause_reason"),
    E.CLOSURE_REQUESTED: _labelled("outcome", "outcome"),
    E.REFERRAL_UPDATED: _labelled("status", "referral_status"),
    E.OPENED: _labelled("channel", "channel"),
    E.LINK_SUGGESTED: _labelled("reason", "link_reason"),
    E.REFERRED: lambda data, names: names.get(str(data.get("partner"))),
    E.ACCESS_GRANTED: lambda data, _names: (
        f"For {data['minutes']} minutes" if data.get("minutes") else None
    ),
    E.RESTRICTION_CHANGED: lambda data, _names: (
        "Restricted to named people" if data.get("restricted") else "Restriction lifted"
    ),
}


def event_detail(kind: CaseEventKind, data: Data, names: Names) -> str | None:
    """What an event's data says, in words (its codes labelled, its ids named)."""
    detail = _DETAILS.get(kind)
    return detail(data, names) if detail else None
