"""The public transparency report: the hotline's "law in practice" for a region or the nation
over one calendar quarter that has ended - reports received, response times against targets,
referrals made and accepted by kind of partner, cases closed by outcome.

Safe to publish by construction: only counts and shares leave this module, never a child's
words, a reference, a school or a partner's name. Two rules keep published figures from being
subtracted from one another:

- one grid of periods: whole calendar quarters, which never overlap
  (``casework.oversight.quarters``), so no published period is another plus a remainder;
- one suppression per quarter and section: every region - and the cases not placed in one, a
  row published only inside the nation's totals - is a row of one table whose margins are the
  nation's figures, suppressed together (``suppression.suppress``). A region's report is its
  row, the nation's the margins, so the nation minus the other regions never recovers a count
  the region hides. Response times count the clocks ended per region and kind of clock the
  same way; a share within target or a median is shown only beside a published count of at
  least ``threshold``.

Nobody signs in to read it, so it is a ``Unit`` use case and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.context import Unit
from casework.enums import CaseStatus, Channel
from casework.errors import InvalidInput
from casework.handling.closure import OUTCOMES
from casework.intake.models import Report
from casework.oversight.periods import Month
from casework.oversight.quarters import Quarter, ended_quarters, published_quarter
from casework.oversight.suppression import Count, SuppressedTable, shown, suppress
from casework.partners.models import Partner, PartnerType, Referral, ReferralStatus
from casework.places.models import Region
from casework.sla.counting import clock_figures_of
from casework.sla.facts import NONE, Breakdown
from casework.sla.models import ClockKind
from casework.taxonomy.models import Category

# A referral counts as accepted once the partner took it on, whatever happened next.
ACCEPTED: Final = frozenset(
    {ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED}
)
CSV_HEADER: Final = ("area", "period", "section", "item", "measure", "value")
NATION: Final = "All regions"


@dataclass(frozen=True)
class Tally:
    """One area's counts of one list of items, as the quarter's joint suppression published
    them (``casework.oversight.suppression.Count``)."""

    items: list[str]
    counts: list[Count]
    total: Count
    threshold: int

    def shown(self, value: Count) -> int | str:
        """A count as published: the number or the one mark of a hidden count."""
        return shown(value, self.threshold)

    def pairs(self) -> list[tuple[str, int | str]]:
        """Each item with its count as published."""
        return [(item, self.shown(c)) for item, c in zip(self.items, self.counts, strict=True)]


@dataclass(frozen=True)
class ClockLine:
    """How one kind of response went against its targets."""

    clock: ClockKind
    ended: Count  # clocks that ended, as published
    within_target: float | None  # share of ended clocks met, 0..1 (None: too few to say)
    median_minutes: float | None


@dataclass(frozen=True)
class TransparencyReport:
    """What the hotline did in a region (or the nation) over one ended quarter."""

    region_code: str | None  # None: the nation
    area: str
    period: Quarter
    threshold: int
    reports_by_channel: Tally
    reports_by_chi_group: Tally
    response_times: list[ClockLine]
    referrals_made: Tally  # by kind of partner
    referrals_accepted: Tally
    cases_closed: Tally  # by outcome

    @property
    def first(self) -> Month:
        """The quarter's first month."""
        return self.period.first

    @property
    def last(self) -> Month:
        """The quarter's last month."""
        return self.period.last

    @property
    def reports_received(self) -> Count:
        """Reports received in the quarter, as published."""
        return self.reports_by_channel.total

    def csv_rows(self) -> Iterator[tuple[str, str, str, str, str, int | float | str]]:
        """The report as rows of ``CSV_HEADER``: counts as published, shares in percent."""
        head = (self.area, str(self.period))
        yield (*head, "reports_received", "all", "count", self.shown(self.reports_received))
        for section, tally in (
            ("reports_by_channel", self.reports_by_channel),
            ("reports_by_chi_group", self.reports_by_chi_group),
            ("referrals_made", self.referrals_made),
            ("referrals_accepted", self.referrals_accepted),
            ("cases_closed", self.cases_closed),
        ):
            for item, count in tally.pairs():
                yield (*head, section, item, "count", count)
        for line in self.response_times:
            clock = line.clock.value
            yield (*head, "response_times", clock, "ended", self.shown(line.ended))
            share = None if line.within_target is None else round(100 * line.within_target, 1)
            yield (*head, "response_times", clock, "within_target_percent", _or_blank(share))
            yield (*head, "response_times", clock, "median_minutes", _or_blank(line.median_minutes))

    def shown(self, value: Count) -> int | str:
        """A count as published."""
        return shown(value, self.threshold)

    def as_data(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "area": self.area,
            "region": self.region_code,
            "period": str(self.period),
            "from": str(self.first),
            "to": str(self.last),
            "threshold": self.threshold,
            "reports_received": self.shown(self.reports_received),
            "reports_by_channel": dict(self.reports_by_channel.pairs()),
            "reports_by_chi_group": dict(self.reports_by_chi_group.pairs()),
            "response_times": [
                {
                    "clock": line.clock.value,
                    "ended": self.shown(line.ended),
                    "within_target": line.within_target,
                    "median_minutes": line.median_minutes,
                }
                for line in self.response_times
            ],
            "referrals_made": dict(self.referrals_made.pairs()),
            "referrals_accepted": dict(self.referrals_accepted.pairs()),
            "cases_closed": dict(self.cases_closed.pairs()),
        }


def _or_blank(value: float | None) -> float | str:
    return "" if value is None else value


def public_regions(unit: Unit) -> list[tuple[str, str]]:
    """Every region's code and name, for choosing a report."""
    return [
        (code, name)
        for code, name in unit.session.execute(
            select(Region.code, Region.name).order_by(Region.name, Region.code)
        )
    ]


@dataclass(frozen=True)
class TransparencyPage:
    """What the public page shows: the regions to choose from, and the report asked for or
    what was wrong with the question."""

    regions: list[tuple[str, str]]
    quarters: list[Quarter]  # the latest ended quarters, newest first
    report: TransparencyReport | None
    problem: InvalidInput | None


def transparency_page(
    unit: Unit,
    *,
    region: str | None,
    period: str | None = None,
    threshold: int,
    first: str | None = None,
    last: str | None = None,
) -> TransparencyPage:
    """The page's report (as ``transparency_report``), or the problem with what was asked."""
    try:
        report = transparency_report(
            unit, region=region, period=period, first=first, last=last, threshold=threshold
        )
    except InvalidInput as problem:
        return TransparencyPage(public_regions(unit), ended_quarters(unit.now), None, problem)
    return TransparencyPage(public_regions(unit), ended_quarters(unit.now), report, None)


def transparency_report(
    unit: Unit,
    *,
    region: str | None,
    period: str | Quarter | None = None,
    threshold: int,
    first: str | None = None,
    last: str | None = None,
) -> TransparencyReport:
    """The public report for ``region`` (a code; None or empty: the nation) over the ended
    calendar quarter ``period`` (``YYYY-Qn``; or ``first``/``last`` months that are exactly one
    quarter; by default the last quarter that ended); InvalidInput for any other period or an
    unknown region.

    Every figure of the quarter comes from one suppression per section - every region (and the
    cases not placed yet) a row, the nation its margins - so a region's report, the other
    regions' and the nation's never differ by a hidden count."""
    session = unit.session
    quarter = published_quarter(period, first, last, now=unit.now)
    found = _region(session, region) if region else None
    areas: list[int | None] = [*session.scalars(select(Region.id).order_by(Region.id)), None]
    row = None if found is None else areas.index(found.id)
    by_channel, by_group = _reports(session, quarter, areas)
    made, accepted = _referrals(session, quarter, areas)
    groups = list(
        session.scalars(
            select(Category.chi_group)
            .group_by(Category.chi_group)
            .order_by(func.min(Category.sort_order), Category.chi_group)
        )
    )
    channels = _joint([c.value for c in Channel], areas, by_channel, threshold)
    chi_groups = _joint(groups, areas, by_group, threshold)
    # Both count the same reports: their margins must be published alike.
    channels, chi_groups = _agree(channels, chi_groups)
    kinds = [k.value for k in PartnerType]
    return TransparencyReport(
        region_code=None if found is None else found.code,
        area=NATION if found is None else found.name,
        period=quarter,
        threshold=threshold,
        reports_by_channel=channels.tally(row),
        reports_by_chi_group=chi_groups.tally(row),
        response_times=_response_times(unit, quarter, areas, row, threshold),
        referrals_made=_joint(kinds, areas, made, threshold).tally(row),
        referrals_accepted=_joint(kinds, areas, accepted, threshold).tally(row),
        cases_closed=_joint(
            sorted(OUTCOMES), areas, _closed(session, quarter, areas), threshold
        ).tally(row),
    )


# Counts per (row of the joint table, item).
Counts = dict[tuple[int, str], int]


@dataclass(frozen=True)
class _Joint:
    """One section of a quarter's report: a row per area (every region, then the cases not
    placed in one), a column per item, suppressed together; the nation is its margins."""

    items: list[str]
    table: SuppressedTable

    def tally(self, row: int | None) -> Tally:
        """One region's row as published (None: the nation's)."""
        t = self.table
        if row is None:
            return Tally(self.items, list(t.column_totals), t.grand_total, t.threshold)
        return Tally(self.items, list(t.cells[row]), t.row_totals[row], t.threshold)


def _joint(
    items: Sequence[str], areas: Sequence[int | None], counts: Counts, threshold: int
) -> _Joint:
    """``counts`` over ``items`` (and any other item that turned up) for every area,
    suppressed as one table."""
    every = list(items) + sorted({k for _, k in counts if k not in items})
    rows = [[counts.get((i, item), 0) for item in every] for i in range(len(areas))]
    return _Joint(every, suppress(rows, threshold=threshold))


def _agree(a: _Joint, b: _Joint) -> tuple[_Joint, _Joint]:
    """Two sections that count the same things by different items (their row totals and
    grand total are equal): a shared total is published only where both suppressions show
    it, so one section never gives away a total the other hides."""

    def both(x: Count, y: Count) -> Count:
        return y if isinstance(x, int) and not isinstance(y, int) else x

    rows = [both(x, y) for x, y in zip(a.table.row_totals, b.table.row_totals, strict=True)]
    grand = both(a.table.grand_total, b.table.grand_total)
    return (
        replace(a, table=replace(a.table, row_totals=rows, grand_total=grand)),
        replace(b, table=replace(b.table, row_totals=rows, grand_total=grand)),
    )


def _row_of(areas: Sequence[int | None]) -> dict[int | None, int]:
    """Each area's row; a region not listed (none should be) counts with the unplaced."""
    return {area: i for i, area in enumerate(areas)}


def _add(counts: Counts, row: int, item: str, count: int) -> None:
    counts[(row, item)] = counts.get((row, item), 0) + count


def _response_times(
    unit: Unit, quarter: Quarter, areas: Sequence[int | None], row: int | None, threshold: int
) -> list[ClockLine]:
    """Clocks ended per area and kind of clock, suppressed as one table; a share within
    target and a median only beside a published count of at least ``threshold``."""
    session, start, end, now = unit.session, quarter.start, quarter.end, unit.now
    per_area = clock_figures_of(
        session, opened_from=start, opened_to=end, now=now, by=Breakdown.REGION
    )
    kinds = [k for k in ClockKind if any(k in clocks for clocks in per_area.values())]
    if not kinds:
        return []
    at = _row_of(areas)
    unplaced = at[None]
    ended: Counts = {}
    for key, clocks in per_area.items():
        i = unplaced if key == NONE else at.get(int(key), unplaced)
        for kind, f in clocks.items():
            _add(ended, i, kind.value, f.stopped)
    tally = _joint([k.value for k in kinds], areas, ended, threshold).tally(row)
    if row is None:
        figures = clock_figures_of(session, opened_from=start, opened_to=end, now=now)
        timed = figures.get("all", {})
    else:
        timed = per_area.get(str(areas[row]), {})
    lines = []
    for kind, count in zip(kinds, tally.counts, strict=True):
        found = timed.get(kind)
        # A share or a median beside a hidden (or too small) count would tell about it.
        enough = isinstance(count, int) and count >= threshold
        lines.append(
            ClockLine(
                clock=kind,
                ended=count,
                within_target=found.within_target if enough and found else None,
                median_minutes=found.median_minutes if enough and found else None,
            )
        )
    return lines


def _region(session: Session, code: str) -> Region:
    found = session.scalars(select(Region).where(Region.code == code)).one_or_none()
    if found is None:
        codes = session.scalars(select(Region.code).order_by(Region.code)).all()
        raise InvalidInput("region", "There is no region with that code.", allowed=codes)
    return found


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
