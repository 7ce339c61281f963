"""What a quarter's transparency reports are made of, counted once for every area, and kept.

Every area's report of a quarter - each region's and the nation's - is one row or the margins
of the same tables (``casework.oversight.transparency``), so the counting is done once per
quarter: reports received by channel and CHI group, referrals made and accepted by kind of
partner, cases closed by outcome (each per area: every region, then the cases not placed in
one) and the response-time figures per area. At a million cases that counting takes about half
a second (reports joined to their cases over a quarter).

The report is public and anyone may ask for it, so the counts of the latest ended quarters are
kept as a snapshot (``TransparencySnapshot``), recounted by the worker every quarter of an hour
(``casework.oversight.jobs``): a reader is served the snapshot while it is fresh and the count
is made afresh otherwise (an older quarter, a region added since, a worker not yet run). A
quarter has ended, so little changes: a late referral answer or a case re-categorised shows
within the hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.enums import CaseStatus, Channel
from casework.handling.closure import OUTCOMES
from casework.intake.models import Report
from casework.oversight.models import TransparencySnapshot
from casework.oversight.quarters import Quarter, ended_quarters
from casework.partners.models import Partner, PartnerType, Referral, ReferralStatus
from casework.places.models import Region
from casework.sla.counting import clock_figures_of
from casework.sla.facts import NONE, Breakdown
from casework.sla.models import ClockKind
from casework.sql import dialect_insert
from casework.taxonomy.models import Category

# A referral counts as accepted once the partner took it on, whatever happened next.
ACCEPTED: Final = frozenset(
    {ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED}
)
FRESH: Final = dt.timedelta(hours=1)  # a snapshot older than this is counted again
KEPT_QUARTERS: Final = 4  # the latest ended quarters the worker keeps counted
NATION_KEY: Final = "all"  # the nation's response-time figures

# Counts per (row of the joint table, item).
Counts = dict[tuple[int, str], int]


@dataclass(frozen=True)
class Timed:
    """One area's figures for one kind of clock: share within target (0..1) and median."""

    within_target: float | None
    median_minutes: float | None


@dataclass(frozen=True)
class QuarterCounts:
    """Everything a quarter's reports are made of, before suppression. Rows are ``areas``:
    each region by id, then None (the cases not placed in one)."""

    counted_at: dt.datetime
    areas: list[int | None]
    groups: list[str]  # the CHI groups, in their order
    by_channel: Counts
    by_group: Counts
    made: Counts  # referrals made, by kind of partner
    accepted: Counts
    closed: Counts  # by outcome
    kinds: list[ClockKind]  # the kinds of clock that ran in the quarter
    ended: Counts  # clocks ended, by kind
    # Response-time figures per area (a region id as text, or ``NATION_KEY``) and kind.
    timed: dict[str, dict[ClockKind, Timed]] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """As JSON-ready data (``from_data`` reads it back)."""

        def counts(c: Counts) -> list[list[Any]]:
            return [[row, item, n] for (row, item), n in sorted(c.items())]

        return {
            "counted_at": self.counted_at.isoformat(),
            "areas": self.areas,
            "groups": self.groups,
            "by_channel": counts(self.by_channel),
            "by_group": counts(self.by_group),
            "made": counts(self.made),
            "accepted": counts(self.accepted),
            "closed": counts(self.closed),
            "kinds": [k.value for k in self.kinds],
            "ended": counts(self.ended),
            "timed": {
                area: {k.value: [t.within_target, t.median_minutes] for k, t in kinds.items()}
                for area, kinds in self.timed.items()
            },
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> QuarterCounts:
        """Read back what ``to_data`` wrote."""

        def counts(rows: list[list[Any]]) -> Counts:
            return {(int(row), str(item)): int(n) for row, item, n in rows}

        return cls(
            counted_at=dt.datetime.fromisoformat(data["counted_at"]),
            areas=[None if a is None else int(a) for a in data["areas"]],
            groups=[str(g) for g in data["groups"]],
            by_channel=counts(data["by_channel"]),
            by_group=counts(data["by_group"]),
            made=counts(data["made"]),
            accepted=counts(data["accepted"]),
            closed=counts(data["closed"]),
            kinds=[ClockKind(k) for k in data["kinds"]],
            ended=counts(data["ended"]),
            timed={
                area: {ClockKind(k): Timed(*pair) for k, pair in kinds.items()}
                for area, kinds in data["timed"].items()
            },
        )


def quarter_counts(session: Session, quarter: Quarter, *, now: dt.datetime) -> QuarterCounts:
    """The quarter's counts: the snapshot while it is fresh and counts today's regions, else
    counted now."""
    areas = _areas(session)
    kept = session.get(TransparencySnapshot, str(quarter))
    if kept is not None and now - kept.counted_at <= FRESH:
        found = replace(QuarterCounts.from_data(kept.counts), counted_at=kept.counted_at)
        if found.areas == areas:
            return found
    return count_quarter(session, quarter, now=now)


def keep_snapshots(session: Session, *, now: dt.datetime) -> int:
    """Count the latest ended quarters again and keep them (the worker's job); returns how
    many."""
    quarters = ended_quarters(now, KEPT_QUARTERS)
    rows = [
        {
            "quarter": str(q),
            "counted_at": now,
            "counts": count_quarter(session, q, now=now).to_data(),
        }
        for q in quarters
    ]
    statement = dialect_insert(session, TransparencySnapshot)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["quarter"],
            set_={"counted_at": statement.excluded.counted_at, "counts": statement.excluded.counts},
        ),
        rows,
    )
    return len(rows)


def count_quarter(session: Session, quarter: Quarter, *, now: dt.datetime) -> QuarterCounts:
    """Count the quarter for every area now."""
    areas = _areas(session)
    by_channel, by_group = _reports(session, quarter, areas)
    made, accepted = _referrals(session, quarter, areas)
    groups = list(
        session.scalars(
            select(Category.chi_group)
            .group_by(Category.chi_group)
            .order_by(func.min(Category.sort_order), Category.chi_group)
        )
    )
    kinds, ended, timed = _response_times(session, quarter, areas, now)
    return QuarterCounts(
        counted_at=now,
        areas=areas,
        groups=groups,
        by_channel=by_channel,
        by_group=by_group,
        made=made,
        accepted=accepted,
        closed=_closed(session, quarter, areas),
        kinds=kinds,
        ended=ended,
        timed=timed,
    )


def _areas(session: Session) -> list[int | None]:
    return [*session.scalars(select(Region.id).order_by(Region.id)), None]


def _row_of(areas: Sequence[int | None]) -> dict[int | None, int]:
    """Each area's row; a region not listed (none should be) counts with the unplaced."""
    return {area: i for i, area in enumerate(areas)}


def _add(counts: Counts, row: int, item: str, count: int) -> None:
    counts[(row, item)] = counts.get((row, item), 0) + count


def _response_times(
    session: Session, quarter: Quarter, areas: Sequence[int | None], now: dt.datetime
) -> tuple[list[ClockKind], Counts, dict[str, dict[ClockKind, Timed]]]:
    """Clocks ended per area and kind of clock, and each area's and the nation's figures."""
    start, end = quarter.start, quarter.end
    per_area = clock_figures_of(
        session, opened_from=start, opened_to=end, now=now, by=Breakdown.REGION
    )
    kinds = [k for k in ClockKind if any(k in clocks for clocks in per_area.values())]
    if not kinds:
        return [], {}, {}
    at = _row_of(areas)
    unplaced = at[None]
    ended: Counts = {}
    for key, clocks in per_area.items():
        i = unplaced if key == NONE else at.get(int(key), unplaced)
        for kind, f in clocks.items():
            _add(ended, i, kind.value, f.stopped)
    nation = clock_figures_of(session, opened_from=start, opened_to=end, now=now)
    timed = {
        area: {k: Timed(f.within_target, f.median_minutes) for k, f in clocks.items()}
        for area, clocks in {**per_area, NATION_KEY: nation.get("all", {})}.items()
    }
    return kinds, ended, timed


def _reports(
    session: Session, quarter: Quarter, areas: Sequence[int | None]
) -> tuple[Counts, Counts]:
    """Reports received in the quarter per area, by channel and by the CHI group of their
    case."""
    received = (
        select(Case.region_id, Report.channel, Category.chi_group, func.count())
        .join(Case, Case.id == Report.case_id)
        .join(Category, Category.id == Case.category_id)
        .where(Report.received_at >= quarter.start, Report.received_at < quarter.end)
        .group_by(Case.region_id, Report.channel, Category.chi_group)
    )
    at = _row_of(areas)
    by_channel: Counts = {}
    by_group: Counts = {}
    for region_id, channel, group, count in session.execute(received):
        i = at.get(region_id, at[None])
        _add(by_channel, i, Channel(channel).value, int(count))
        _add(by_group, i, str(group), int(count))
    return by_channel, by_group


def _referrals(
    session: Session, quarter: Quarter, areas: Sequence[int | None]
) -> tuple[Counts, Counts]:
    """Referrals made in the quarter (drafts are not made) per area, and how many of them
    were accepted, by kind of partner."""
    accepted = func.sum(case((Referral.status.in_(sorted(ACCEPTED)), 1), else_=0))
    query = (
        select(Case.region_id, Partner.kind, func.count(), accepted)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(Case, Case.id == Referral.case_id)
        .where(
            Referral.status != ReferralStatus.DRAFT,
            Referral.created_at >= quarter.start,
            Referral.created_at < quarter.end,
        )
        .group_by(Case.region_id, Partner.kind)
    )
    at = _row_of(areas)
    made: Counts = {}
    taken: Counts = {}
    known = {k.value for k in PartnerType}
    for region_id, kind, count, yes in session.execute(query):
        i = at.get(region_id, at[None])
        # A kind outside the list (typed by hand once) is published as "other", never as
        # whatever was typed.
        key = kind if kind in known else PartnerType.OTHER.value
        _add(made, i, key, int(count))
        _add(taken, i, key, int(yes or 0))
    return made, taken


def _closed(session: Session, quarter: Quarter, areas: Sequence[int | None]) -> Counts:
    """Cases closed in the quarter (and still closed) per area, by outcome."""
    query = (
        select(Case.region_id, Case.outcome, func.count())
        .where(
            Case.status == CaseStatus.CLOSED,
            Case.closed_at >= quarter.start,
            Case.closed_at < quarter.end,
        )
        .group_by(Case.region_id, Case.outcome)
    )
    at = _row_of(areas)
    found: Counts = {}
    for region_id, outcome, count in session.execute(query):
        # Outcomes are a closed list; anything else is never echoed to the public.
        key = outcome if outcome in OUTCOMES else "other"
        _add(found, at.get(region_id, at[None]), key, int(count))
    return found
