"""The case page's content, shaped from the case file the domain gathers
(``casework.handling.casefile``): the timeline in words, labels, the forms' choices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from casework.enums import (
    ActorKind,
    CaseEventKind,
    CaseStatus,
    PerpetratorRole,
    Priority,
    ReporterRole,
)
from casework.handling.casefile import CaseFile
from casework.handling.closure import OUTCOMES, VIEWS_MISSING_REASONS
from casework.handling.history import HistoryEntry
from casework.intake.models import Report
from hotline.runtime.labels import CLOCK_NAMES, event_detail, humanise, label

# Shown by what they record (the report, the message, the note), not a second time as events.
_SHOWN_AS_CONTENT = frozenset(
    {
        CaseEventKind.REPORT_RECEIVED,
        CaseEventKind.NOTE_ADDED,
        CaseEventKind.MESSAGE_SENT,
        CaseEventKind.MESSAGE_RECEIVED,
    }
)
_AUTOMATIC = "Automatic"
_REPORTER = "The reporter"


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: dt.datetime
    kind: str  # report | message-in | message-out | note | event
    title: str
    who: str | None = None
    body: str | None = None
    detail: str | None = None
    reason: str | None = None  # a member of staff's reason for what they did
    rank: int = 2  # among entries at the same moment: the opening, then the report, then others


def _who(entry: HistoryEntry, people: dict[str, str], partners: dict[str, str]) -> str:
    if entry.actor_kind is ActorKind.STAFF:
        return people.get(entry.actor_id or "", "A member of staff")
    if entry.actor_kind is ActorKind.PARTNER:
        return partners.get(str(entry.data.get("referral")), "The partner")
    return label(entry.actor_kind, "actor")


def _reporter(report: Report) -> str:
    if report.reporter_role is ReporterRole.UNKNOWN:
        return _REPORTER
    return f"{_REPORTER} ({label(report.reporter_role, 'reporter_role').lower()})"


def _timeline(file: CaseFile) -> list[Entry]:
    people = file.people
    partners = {str(r.id): name for r, name in file.referrals}
    names = {**people, **{str(r.partner_id): name for r, name in file.referrals}}
    sent_by = {e.message_id: _who(e, people, partners) for e in file.history if e.message_id}
    entries = [
        Entry(
            r.report.received_at,
            "report",
            "Report received",
            who=_reporter(r.report),
            body=r.content.narrative,
            detail=label(r.report.channel, "channel"),
            rank=1,
        )
        for r in file.reports
    ]
    for m in file.messages:
        inbound = m.direction.value == "inbound"
        entries.append(
            Entry(
                m.created_at,
                "message-in" if inbound else "message-out",
                label(
                    CaseEventKind.MESSAGE_RECEIVED if inbound else CaseEventKind.MESSAGE_SENT,
                    "event",
                ),
                who=_REPORTER if inbound else sent_by.get(m.id, _AUTOMATIC),
                body=m.body,
            )
        )
    entries += [
        Entry(
            n.created_at,
            "note",
            label(CaseEventKind.NOTE_ADDED, "event"),
            who=people.get(str(n.author_id)),
            body=n.body,
        )
        for n in file.notes
    ]
    entries += [
        Entry(
            e.occurred_at,
            "event",
            label(e.kind, "event"),
            who=_who(e, people, partners),
            detail=event_detail(e.kind, e.data, names),
            reason=e.reason,
            rank=0 if e.kind is CaseEventKind.OPENED else 2,
        )
        for e in file.history
        if e.kind not in _SHOWN_AS_CONTENT
    ]
    entries.sort(key=lambda x: (x.at, x.rank))
    return entries


@dataclass(frozen=True)
class Access:
    """One line of the case's access log, in words."""

    at: dt.datetime
    who: str
    what: str  # "Case read (notes)"


def _access_log(file: CaseFile) -> tuple[list[Access], bool] | None:
    """Who looked at or changed the case (for those who may read the audit trail)."""
    if file.access_log is None:
        return None
    entries, more = file.access_log
    lines = [
        Access(
            e.occurred_at,
            e.who,
            f"{humanise(e.action.replace('.', ' '))} ({humanise(e.object_type).lower()})",
        )
        for e in entries
    ]
    return lines, more


def case_page_data(file: CaseFile) -> dict[str, Any]:
    """What the case page's template shows of ``file``."""
    case, now = file.case, file.now
    first: Report | None = file.reports[0].report if file.reports else None
    place = file.place
    return {
        "place": {
            "regions": place.regions,
            "categories": place.categories,
            "region": place.region,
            "category": place.category,
        }
        if place is not None
        else None,
        "perpetrator_roles": [r.value for r in PerpetratorRole],
        "case": case,
        "timeline": _timeline(file),
        "reports": file.reports,
        "category": file.category,
        "school": file.school,
        "region": file.region,
        "team": file.team,
        "assignee": file.assignee,
        "reporter_role": first.reporter_role.value if first else "unknown",
        "may_work": file.may_work,
        "supervising": file.supervising,
        "may_download": file.may_download,
        "contact": file.contact,
        "clocks": [
            {
                "name": CLOCK_NAMES[c.clock],
                "state": c.state(now),
                "due_at": c.due_at,
                "stopped_at": c.stopped_at,
                "seconds": int((c.due_at - now).total_seconds()) if c.due_at else None,
            }
            for c in file.clocks
        ],
        "referrals": file.referrals,
        "suggestions": file.suggestions,
        "attachments": file.attachments,
        "child_views": file.child_views,
        "closure_pending": file.closure_pending,
        "closed": case.status is CaseStatus.CLOSED,
        "caseworkers": file.caseworkers,
        "priorities": [p.value for p in Priority],
        "outcomes": sorted(OUTCOMES),
        "views_missing": sorted(VIEWS_MISSING_REASONS),
        "now": now,
        "access_log": _access_log(file),
    }
