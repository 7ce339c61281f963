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

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.context import Unit
from casework.enums import Channel
from casework.errors import InvalidInput
from casework.handling.closure import OUTCOMES
from casework.oversight.periods import Month
from casework.oversight.quarters import Quarter, ended_quarters, published_quarter
from casework.oversight.suppression import Count, SuppressedTable, shown, suppress
from casework.oversight.transparency_counts import NATION_KEY, Counts, QuarterCounts, quarter_counts
from casework.partners.models import PartnerType
from casework.places.models import Region
from casework.sla.models import ClockKind

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
    counted_at: dt.datetime  # when its figures were counted (a snapshot up to an hour old)
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
    counts = quarter_counts(session, quarter, now=unit.now)
    areas = counts.areas
    row = None if found is None else areas.index(found.id)
    channels = _joint([c.value for c in Channel], areas, counts.by_channel, threshold)
    chi_groups = _joint(counts.groups, areas, counts.by_group, threshold)
    # Both count the same reports: their margins must be published alike.
    channels, chi_groups = _agree(channels, chi_groups)
    kinds = [k.value for k in PartnerType]
    return TransparencyReport(
        region_code=None if found is None else found.code,
        area=NATION if found is None else found.name,
        period=quarter,
        threshold=threshold,
        counted_at=counts.counted_at,
        reports_by_channel=channels.tally(row),
        reports_by_chi_group=chi_groups.tally(row),
        response_times=_response_times(counts, row, threshold),
        referrals_made=_joint(kinds, areas, counts.made, threshold).tally(row),
        referrals_accepted=_joint(kinds, areas, counts.accepted, threshold).tally(row),
        cases_closed=_joint(sorted(OUTCOMES), areas, counts.closed, threshold).tally(row),
    )


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


def _response_times(counts: QuarterCounts, row: int | None, threshold: int) -> list[ClockLine]:
    """Clocks ended per area and kind of clock, suppressed as one table; a share within
    target and a median only beside a published count of at least ``threshold``."""
    if not counts.kinds:
        return []
    ended = _joint([k.value for k in counts.kinds], counts.areas, counts.ended, threshold)
    tally = ended.tally(row)
    timed = counts.timed.get(NATION_KEY if row is None else str(counts.areas[row]), {})
    lines = []
    for kind, count in zip(counts.kinds, tally.counts, strict=True):
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
