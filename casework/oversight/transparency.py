"""The public transparency report: the hotline's "law in practice" for a region or the nation
over whole months that have ended - reports received, response times against targets,
referrals made and accepted by kind of partner, cases closed by outcome.

Safe to publish by construction: only counts and shares leave this module, never a child's
words, a reference, a school or a partner's name. Every count goes through small-cell
suppression with complementary suppression (each list is a one-row table whose total is
published, so hiding one small count hides another too; the per-item totals of a one-row
table would repeat its cells and are never published). A response-time share or median is
shown only when at least ``threshold`` clocks ended. Nobody signs in to read it, so it is a
``Unit`` use case and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.context import Unit
from casework.enums import CaseStatus, Channel
from casework.errors import InvalidInput
from casework.handling.closure import OUTCOMES
from casework.intake.models import Report
from casework.oversight.periods import Month, MonthPeriod, last_ended_month, month_period
from casework.oversight.suppression import Count, shown, suppress
from casework.partners.models import Partner, PartnerType, Referral, ReferralStatus
from casework.places.models import Region
from casework.sla.counting import Scope, clock_figures_of
from casework.sla.models import ClockKind
from casework.taxonomy.models import Category

# A referral counts as accepted once the partner took it on, whatever happened next.
ACCEPTED: Final = frozenset(
    {ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED}
)
CSV_HEADER: Final = ("area", "from", "to", "section", "item", "measure", "value")
NATION: Final = "All regions"


@dataclass(frozen=True)
class Tally:
    """Counts of one list of items, suppressed (``casework.oversight.suppression.Count``)."""

    items: list[str]
    counts: list[Count]
    total: Count
    threshold: int

    def shown(self, value: Count) -> int | str:
        """A count as published: the number, "<threshold" or "hidden"."""
        return shown(value, self.threshold)

    def pairs(self) -> list[tuple[str, int | str]]:
        """Each item with its count as published."""
        return [(item, self.shown(c)) for item, c in zip(self.items, self.counts, strict=True)]


@dataclass(frozen=True)
class ClockLine:
    """How one kind of response went against its targets."""

    clock: ClockKind
    ended: int | None  # clocks that ended (None: fewer than the threshold, hidden)
    within_target: float | None  # share of ended clocks met, 0..1 (None: too few to say)
    median_minutes: float | None


@dataclass(frozen=True)
class TransparencyReport:
    """What the hotline did in a region (or the nation) over whole ended months."""

    region_code: str | None  # None: the nation
    area: str
    first: Month
    last: Month
    threshold: int
    reports_by_channel: Tally
    reports_by_chi_group: Tally
    response_times: list[ClockLine]
    referrals_made: Tally  # by kind of partner
    referrals_accepted: Tally
    cases_closed: Tally  # by outcome

    @property
    def reports_received(self) -> Count:
        """Reports received in the period (None: too few to show)."""
        return self.reports_by_channel.total

    def csv_rows(self) -> Iterator[tuple[str, str, str, str, str, str, int | float | str]]:
        """The report as rows of ``CSV_HEADER``: counts as published, shares in percent."""
        head = (self.area, str(self.first), str(self.last))
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
    report: TransparencyReport | None
    problem: InvalidInput | None


def transparency_page(
    unit: Unit,
    *,
    region: str | None,
    first: str | None,
    last: str | None,
    threshold: int,
) -> TransparencyPage:
    """The page's report (as ``transparency_report``), or the problem with what was asked."""
    try:
        report = transparency_report(
            unit, region=region, first=first, last=last, threshold=threshold
        )
    except InvalidInput as problem:
        return TransparencyPage(public_regions(unit), None, problem)
    return TransparencyPage(public_regions(unit), report, None)


def transparency_report(
    unit: Unit,
    *,
    region: str | None,
    first: str | Month | None,
    last: str | Month | None,
    threshold: int,
) -> TransparencyReport:
    """The public report for ``region`` (a code; None or empty: the nation) over the ended
    months ``first`` to ``last`` (``YYYY-MM``, at most 12; by default the last month that
    ended, and ``first`` the same as ``last``); InvalidInput for a bad period or an unknown
    region."""
    session = unit.session
    last = last or last_ended_month(unit.now)
    period = month_period(first or last, last, now=unit.now, ended_only=True)
    found = _region(session, region) if region else None
    cases: ColumnElement[bool] = true() if found is None else Case.region_id == found.id
    facts = None if found is None else Scope(regions=frozenset({found.id}))
    by_channel, by_group = _reports(session, period, cases)
    made, accepted = _referrals(session, period, cases)
    groups = list(
        session.scalars(
            select(Category.chi_group)
            .group_by(Category.chi_group)
            .order_by(func.min(Category.sort_order), Category.chi_group)
        )
    )
    channels = [c.value for c in Channel]
    kinds = [k.value for k in PartnerType]
    outcomes = sorted(OUTCOMES)
    figures = clock_figures_of(
        session, opened_from=period.start, opened_to=period.end, now=unit.now, scope=facts
    ).get("all", {})
    lines = []
    for kind in ClockKind:
        if kind not in figures:
            continue
        f = figures[kind]
        enough = f.stopped >= threshold
        lines.append(
            ClockLine(
                clock=kind,
                ended=f.stopped if enough or f.stopped == 0 else None,
                within_target=f.within_target if enough else None,
                median_minutes=f.median_minutes if enough else None,
            )
        )
    return TransparencyReport(
        region_code=None if found is None else found.code,
        area=NATION if found is None else found.name,
        first=period.first,
        last=period.last,
        threshold=threshold,
        reports_by_channel=_tally(channels, by_channel, threshold),
        reports_by_chi_group=_tally(groups, by_group, threshold),
        response_times=lines,
        referrals_made=_tally(kinds, made, threshold),
        referrals_accepted=_tally(kinds, accepted, threshold),
        cases_closed=_tally(outcomes, _closed(session, period, cases), threshold),
    )


def _tally(items: Sequence[str], counts: dict[str, int], threshold: int) -> Tally:
    """``counts`` over ``items`` (and any other item that turned up), suppressed."""
    every = list(items) + sorted(k for k in counts if k not in items)
    table = suppress([[counts.get(item, 0) for item in every]], threshold=threshold)
    return Tally(every, table.cells[0], table.grand_total, threshold)


def _region(session: Session, code: str) -> Region:
    found = session.scalars(select(Region).where(Region.code == code)).one_or_none()
    if found is None:
        codes = session.scalars(select(Region.code).order_by(Region.code)).all()
        raise InvalidInput("region", "There is no region with that code.", allowed=codes)
    return found


def _reports(
    session: Session, period: MonthPeriod, cases: ColumnElement[bool]
) -> tuple[dict[str, int], dict[str, int]]:
    """Reports received in the period by channel and by the CHI group of their case."""
    received = (
        select(Report.channel, Category.chi_group, func.count())
        .join(Case, Case.id == Report.case_id)
        .join(Category, Category.id == Case.category_id)
        .where(cases, Report.received_at >= period.start, Report.received_at < period.end)
        .group_by(Report.channel, Category.chi_group)
    )
    by_channel: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for channel, group, count in session.execute(received):
        code = Channel(channel).value
        by_channel[code] = by_channel.get(code, 0) + int(count)
        by_group[str(group)] = by_group.get(str(group), 0) + int(count)
    return by_channel, by_group


def _referrals(
    session: Session, period: MonthPeriod, cases: ColumnElement[bool]
) -> tuple[dict[str, int], dict[str, int]]:
    """Referrals made in the period (drafts are not made), and how many of them were
    accepted, by kind of partner."""
    accepted = func.sum(case((Referral.status.in_(sorted(ACCEPTED)), 1), else_=0))
    query = (
        select(Partner.kind, func.count(), accepted)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(Case, Case.id == Referral.case_id)
        .where(
            cases,
            Referral.status != ReferralStatus.DRAFT,
            Referral.created_at >= period.start,
            Referral.created_at < period.end,
        )
        .group_by(Partner.kind)
    )
    made: dict[str, int] = {}
    taken: dict[str, int] = {}
    known = {k.value for k in PartnerType}
    for kind, count, yes in session.execute(query):
        # A kind outside the list (typed by hand once) is published as "other", never as
        # whatever was typed.
        key = kind if kind in known else PartnerType.OTHER.value
        made[key] = made.get(key, 0) + int(count)
        taken[key] = taken.get(key, 0) + int(yes or 0)
    return made, taken


def _closed(session: Session, period: MonthPeriod, cases: ColumnElement[bool]) -> dict[str, int]:
    """Cases closed in the period (and still closed), by outcome."""
    query = (
        select(Case.outcome, func.count())
        .where(
            cases,
            Case.status == CaseStatus.CLOSED,
            Case.closed_at >= period.start,
            Case.closed_at < period.end,
        )
        .group_by(Case.outcome)
    )
    found: dict[str, int] = {}
    for outcome, count in session.execute(query):
        # Outcomes are a closed list; anything else is never echoed to the public.
        key = outcome if outcome in OUTCOMES else "other"
        found[key] = found.get(key, 0) + int(count)
    return found
