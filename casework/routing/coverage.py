"""Can every report reach a person? The configuration gaps that would leave one with nobody.

Checked at start-up, on ``/readyz`` and on the supervision page, so a gap is seen before a
child's report falls into it:

- **no_national_desk** (critical): no national team with an active caseworker or supervisor,
  so reports whose region is not known (most SMS reports at first, web and app reports
  without a school) are in nobody's queue;
- **region_uncovered**: a region no team with active members covers - critical with no
  national desk to fall back on, a warning when its reports go to the desk;
- **no_alert_phone** (critical): a danger alert for some cases would reach no phone now -
  nobody on call for them (nor nationally) has a phone on file, and the installation has no
  on-call phones configured;
- **desk_unstaffed** (warning): nobody is on shift on the national desk or on call nationally
  right now, so unplaced reports wait in its queue.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from casework.places.models import Region
from casework.routing.models import OnCallShift, StaffShift
from casework.routing.people import staffed_teams
from casework.staff.models import StaffUser, Team, TeamRegion


class Severity(enum.StrEnum):
    """How bad a gap is."""

    CRITICAL = "critical"  # some report would reach nobody
    WARNING = "warning"  # some report would wait until someone comes on duty


@dataclass(frozen=True)
class Gap:
    """One way a report could reach nobody, said so an operator can fix it."""

    code: str
    severity: Severity
    message: str
    region: str | None = None


def _on_call_with_phone(session: Session, now: dt.datetime) -> set[int | None]:
    """Regions (None: national) with someone on call now who has a phone."""
    rows = session.scalars(
        select(OnCallShift.region_id)
        .join(StaffUser, StaffUser.id == OnCallShift.user_id)
        .where(
            OnCallShift.starts_at <= now,
            OnCallShift.ends_at > now,
            StaffUser.active,
            StaffUser.phone_ct.is_not(None),
        )
        .distinct()
    )
    return set(rows)


def coverage_gaps(session: Session, *, now: dt.datetime, installation_phones: int) -> list[Gap]:
    """Every gap in who would receive, and be alerted about, a report arriving now."""
    gaps: list[Gap] = []
    desk = session.scalar(select(func.count()).where(Team.national, Team.id.in_(staffed_teams())))
    if not desk:
        gaps.append(
            Gap(
                "no_national_desk",
                Severity.CRITICAL,
                "No national desk: reports whose region is not known (SMS reports until the "
                "child names a school, web and app reports without one) are in nobody's queue. "
                'Create one (hotline teams add "Intake desk" --national) and put caseworkers '
                "and a supervisor in it.",
            )
        )
    staffed_regions = set(
        session.scalars(select(TeamRegion.region_id).where(TeamRegion.team_id.in_(staffed_teams())))
    )
    regions = session.execute(select(Region.id, Region.code).order_by(Region.code)).all()
    for rid, code in regions:
        if rid in staffed_regions:
            continue
        if desk:
            gaps.append(
                Gap(
                    "region_uncovered",
                    Severity.WARNING,
                    f"Region {code}: no team with active staff covers it; its reports go to the "
                    "national desk.",
                    region=code,
                )
            )
        else:
            gaps.append(
                Gap(
                    "region_uncovered",
                    Severity.CRITICAL,
                    f"Region {code}: no team with active staff covers it, and there is no "
                    "national desk to fall back on: its reports are in nobody's queue.",
                    region=code,
                )
            )
    if installation_phones == 0:
        phones = _on_call_with_phone(session, now)
        if None not in phones:
            unreached = [code for rid, code in regions if rid not in phones]
            where = "reports without a region" + (
                f" and in {', '.join(unreached)}" if unreached else ""
            )
            gaps.append(
                Gap(
                    "no_alert_phone",
                    Severity.CRITICAL,
                    f"A danger alert about {where} would reach no phone now: nobody on call "
                    "for them (or nationally) has a phone on file. Put someone with a phone "
                    "on call (POST /api/staff/v1/shifts with on_call) or set "
                    "HOTLINE_ONCALL_PHONES.",
                )
            )
    if desk:
        duty = session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(
                StaffUser.active,
                or_(
                    StaffUser.id.in_(
                        select(StaffShift.user_id).where(
                            StaffShift.region_id.is_(None),
                            StaffShift.starts_at <= now,
                            StaffShift.ends_at > now,
                        )
                    ),
                    StaffUser.id.in_(
                        select(OnCallShift.user_id).where(
                            OnCallShift.region_id.is_(None),
                            OnCallShift.starts_at <= now,
                            OnCallShift.ends_at > now,
                        )
                    ),
                ),
            )
        )
        if not duty:
            gaps.append(
                Gap(
                    "desk_unstaffed",
                    Severity.WARNING,
                    "Nobody is on shift on the national desk or on call nationally now: reports "
                    "without a region wait in its queue until someone comes on duty.",
                )
            )
    return gaps
