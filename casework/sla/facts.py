"""The clock facts: how every clock of every case came out, kept with the case's dimensions.

``record_facts`` runs inside the SLA refresh (``casework.sla.service.refresh_stale``), the same
pass that rebuilds the clock index from the event log whenever a case's history grows, so the
facts are the engine's own clocks (one definition of "met") and never more than one worker
pass behind; the weekly summary (``casework.sla.weekly``) changes with them in the same
transaction. ``casework.sla.counting`` counts the figures from both.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, or_, select
from sqlalchemy.orm import Session

from casework.intake.models import Report
from casework.sla import case_months, weekly
from casework.sla.clocks import ClockState
from casework.sla.figures import state_minutes
from casework.sla.models import ClockFact
from casework.sla.resolution import SHARE_BOUNDS, SHARE_LABELS


class Breakdown(enum.StrEnum):
    """What response-time figures may be split and filtered by."""

    PRIORITY = "priority"
    CATEGORY = "category"
    CHANNEL = "channel"
    REGION = "region"
    SCHOOL = "school"
    TEAM = "team"
    CASEWORKER = "caseworker"
    WEEK = "week"  # the week (from Monday, UTC) the case was opened


COLUMNS: dict[Breakdown, Any] = {
    Breakdown.PRIORITY: ClockFact.priority,
    Breakdown.CATEGORY: ClockFact.category_id,
    Breakdown.CHANNEL: ClockFact.channel,
    Breakdown.REGION: ClockFact.region_id,
    Breakdown.SCHOOL: ClockFact.school_id,
    Breakdown.TEAM: ClockFact.team_id,
    Breakdown.CASEWORKER: ClockFact.assignee_id,
    Breakdown.WEEK: ClockFact.opened_week,
}
NONE = "none"  # the group of clocks with no value (no region yet, nobody assigned...)
__all__ = ["COLUMNS", "NONE", "SHARE_LABELS", "Breakdown", "matching", "record_facts", "week_of"]


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (UTC) of the week ``moment`` falls in."""
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def share_bucket(state: ClockState) -> int | None:
    """Which share of its allowed time a stopped clock took (an index of ``SHARE_LABELS``)."""
    if state.stopped_at is None or state.due_at is None:
        return None
    allowed = state.due_at - state.started_at
    taken = state.stopped_at - state.started_at
    for index, bound in enumerate(SHARE_BOUNDS):
        if taken * 100 <= allowed * bound:
            return index
    return len(SHARE_BOUNDS)


def share_label(bucket: int | None) -> str | None:
    """The words for a share bucket (None while the clock runs)."""
    return None if bucket is None else SHARE_LABELS[bucket]


def _channels(session: Session, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The channel of each case's first report."""
    found: dict[uuid.UUID, str] = {}
    rows = session.execute(
        select(Report.case_id, Report.channel)
        .where(Report.case_id.in_(case_ids))
        .order_by(Report.case_id, Report.received_at, Report.id)
    )
    for case_id, channel in rows:
        found.setdefault(case_id, channel.value)
    return found


def record_facts(
    session: Session, cases: Sequence[Any], clocks: Mapping[uuid.UUID, list[ClockState]]
) -> None:
    """Replace the facts of these cases (rows with ``id, opened_at, category_id, child_age,
    region_id, school_id, team_id, assigned_to_id``) with how their clocks stand now, and
    count them again in the monthly case summary."""
    case_ids = [c.id for c in cases]
    if not case_ids:
        return
    channels = _channels(session, case_ids)
    removed = weekly.ended_facts(session, case_ids)
    session.execute(delete(ClockFact).where(ClockFact.case_id.in_(case_ids)))
    rows = []
    for c in cases:
        for state in clocks.get(c.id, []):
            outcome = state.outcome()
            rows.append(
                {
                    "case_id": c.id,
                    "clock": state.clock.value,
                    "start_seq": state.start_seq,
                    "opened_at": c.opened_at,
                    "opened_week": week_of(c.opened_at),
                    "started_at": state.started_at,
                    "due_at": state.due_at,
                    "stopped_at": state.stopped_at,
                    "outcome": outcome.value if outcome else None,
                    "minutes": state_minutes(state),
                    "target_minutes": state.target_minutes,
                    "share_bucket": share_bucket(state),
                    "priority": state.priority.value,
                    "category_id": c.category_id,
                    "channel": channels.get(c.id, "web"),
                    "region_id": c.region_id,
                    "school_id": c.school_id,
                    "team_id": c.team_id,
                    "assignee_id": c.assigned_to_id,
                }
            )
    if rows:
        session.execute(insert(ClockFact), rows)
    weekly.apply(session, removed=removed, added=rows)
    case_months.record(session, cases, channels)


def value_of(by: Breakdown, text: str) -> Any:
    """A filter value as the column holds it."""
    if by in (Breakdown.CATEGORY, Breakdown.REGION, Breakdown.SCHOOL, Breakdown.TEAM):
        return int(text)
    if by is Breakdown.CASEWORKER:
        return uuid.UUID(text)
    if by is Breakdown.WEEK:
        return dt.date.fromisoformat(text)
    return text


def matching(by: Breakdown, values: Sequence[str]) -> ColumnElement[bool]:
    """Facts whose ``by`` is one of ``values`` (as the facts hold them; 'none': no value)."""
    column = COLUMNS[by]
    wanted = [value_of(by, v) for v in values if v != NONE]
    clause: ColumnElement[bool] = column.in_(wanted)
    return or_(clause, column.is_(None)) if NONE in values else clause
