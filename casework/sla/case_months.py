"""The monthly case summary: cases opened per month, category, first channel, age band and
region - what the statistics in the Child Helpline International framework count.

A year of a national hotline is half a million cases; counting them with their first report's
channel took 1.5 s at a million cases. ``case_month`` holds the counts instead, and the CHI
statistics sum a few thousand of its rows. It is kept by the SLA refresh in the same
transaction as the clock facts (``casework.sla.facts.record_facts``), the pass that runs
whenever a case's history grows: ``case_stat`` remembers how each case was counted, so a case
re-categorised, moved to another region or whose age was learnt leaves its old cell and joins
its new one. ``rebuild`` recomputes the summary from ``case_stat``, which the tests compare
against.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.sla.models import MONTH_KEY, CaseStat, case_month
from casework.sql import adding_upsert

# CHI's age groups for children, adults apart; no age given is "age unknown". Written
# "10-12 years" because a spreadsheet reads a bare "10-12" as a date.
AGE_BANDS: Final = (
    ("0-6 years", 6),
    ("7-9 years", 9),
    ("10-12 years", 12),
    ("13-15 years", 15),
    ("16-17 years", 17),
)
ADULT: Final = "18 years and over"
AGE_UNKNOWN: Final = "age unknown"
UNKNOWN_CHANNEL: Final = "unknown"  # a case with no report (none should be)

# (month, category id, channel, age band, region id or None) -> cases
MonthKey = tuple[dt.date, int, str, str, int | None]
_STAT_COLUMNS: Final = (
    "case_id",
    "opened_month",
    "category_id",
    "channel",
    "age_band",
    "region_id",
    "school_id",
)


def age_band_of(age: int | None) -> str:
    """The CHI age band of an age."""
    if age is None:
        return AGE_UNKNOWN
    return next((name for name, upper in AGE_BANDS if age <= upper), ADULT)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day (UTC) of the month ``moment`` falls in."""
    return moment.astimezone(dt.UTC).date().replace(day=1)


def _summary_key(stat: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        stat["opened_month"],
        stat["category_id"],
        stat["channel"],
        stat["age_band"],
        stat["region_id"] or 0,
    )


def record(session: Session, cases: Sequence[Any], channels: Mapping[uuid.UUID, str]) -> None:
    """Count these cases (rows with ``id, opened_at, category_id, child_age, region_id,
    school_id``; ``channels``: each one's first report's) as they stand now, taking
    away how they were counted before: a few statements per batch, none for a case unchanged."""
    ids = [c.id for c in cases]
    columns = [CaseStat.__table__.c[name] for name in _STAT_COLUMNS]
    before = {
        row.case_id: dict(row._mapping)
        for row in session.execute(select(*columns).where(CaseStat.case_id.in_(ids)))
    }
    changed = []
    for c in cases:
        now = {
            "case_id": c.id,
            "opened_month": month_of(c.opened_at),
            "category_id": c.category_id,
            "channel": channels.get(c.id, UNKNOWN_CHANNEL),
            "age_band": age_band_of(c.child_age),
            "region_id": c.region_id,
            "school_id": c.school_id,
        }
        if before.get(c.id) != now:
            changed.append(now)
    if not changed:
        return
    taken = [before[s["case_id"]] for s in changed if s["case_id"] in before]
    if taken:
        session.execute(delete(CaseStat).where(CaseStat.case_id.in_([s["case_id"] for s in taken])))
    session.execute(insert(CaseStat), changed)
    apply(session, removed=taken, added=changed)


def apply(
    session: Session, *, removed: Iterable[Mapping[str, Any]], added: Iterable[Mapping[str, Any]]
) -> None:
    """One upsert of the net change (keys in order, so two workers never wait in a circle)."""
    totals: dict[tuple[Any, ...], int] = {}
    for stats, sign in ((removed, -1), (added, 1)):
        for stat in stats:
            key = _summary_key(stat)
            totals[key] = totals.get(key, 0) + sign
    changes = [
        {**dict(zip(MONTH_KEY, key, strict=True)), "cases": n}
        for key, n in sorted(totals.items())
        if n
    ]
    if changes:
        session.execute(adding_upsert(session, case_month, MONTH_KEY, ["cases"]), changes)


def rebuild(session: Session) -> None:
    """Recompute the whole summary from ``case_stat`` (after a bulk load, or to check it)."""
    session.execute(delete(case_month))
    session.execute(insert(case_month).from_select([*MONTH_KEY, "cases"], _counted_stats()))


def _stat_keys() -> tuple[Any, ...]:
    """``case_stat``'s columns as the summary's key (``MONTH_KEY``; region 0: none)."""
    stat = CaseStat.__table__.c
    return (
        stat.opened_month,
        stat.category_id,
        stat.channel,
        stat.age_band,
        func.coalesce(stat.region_id, 0),
    )


def _counted_stats() -> Any:
    """``case_stat`` counted as the summary counts it."""
    keys = _stat_keys()
    return select(*keys, func.count()).group_by(*keys)


def count_months(
    session: Session,
    *,
    first: dt.date,
    end: dt.date,
    regions: frozenset[int] | None = None,
    hidden_schools: frozenset[int] = frozenset(),
) -> dict[MonthKey, int]:
    """Cases opened in the months from ``first`` to before ``end`` (first days), in
    ``regions`` (None: everywhere, unplaced too), without the restricted cases about
    ``hidden_schools`` (which a conflict of interest hides from the person counting)."""
    month = case_month.c
    counted: Any = select(*(month[name] for name in MONTH_KEY), month.cases.label("n")).where(
        month.month >= first,
        month.month < end,
        true() if regions is None else month.region_id.in_(sorted(regions)),
        month.cases != 0,
    )
    if hidden_schools:
        # Few cases: each taken away from the cell it was counted in, chosen by whether the
        # case is restricted and about one of the schools now (not as last counted), in the
        # same statement as the counts so both read the same moment.
        stat = CaseStat.__table__.c
        keys = _stat_keys()
        schools = sorted(hidden_schools)
        hidden = (
            select(*keys, -func.count())
            .join(Case, Case.id == stat.case_id)
            .where(
                stat.school_id.in_(schools),
                Case.restricted,
                Case.school_id.in_(schools),
                stat.opened_month >= first,
                stat.opened_month < end,
                true() if regions is None else stat.region_id.in_(sorted(regions)),
            )
            .group_by(*keys)
        )
        both = union_all(counted, hidden).subquery()
        grouped = [both.c[name] for name in MONTH_KEY]
        counted = select(*grouped, func.sum(both.c.n)).group_by(*grouped)
    found: dict[MonthKey, int] = {}
    for *key, n in session.execute(counted):
        if int(n) > 0:
            found[_key(key)] = int(n)
    return found


def _key(row: Sequence[Any]) -> MonthKey:
    month, category_id, channel, band, region_id = row
    return (month, int(category_id), str(channel), str(band), int(region_id or 0) or None)


def differs_from_rebuild(session: Session) -> int:
    """How many rows of the summary differ from one rebuilt from ``case_stat`` (0: none)."""
    rebuilt = {tuple(row[:-1]): int(row[-1]) for row in session.execute(_counted_stats())}
    kept = {
        tuple(row[:-1]): int(row[-1])
        for row in session.execute(
            select(*(case_month.c[name] for name in MONTH_KEY), case_month.c.cases).where(
                case_month.c.cases != 0
            )
        )
    }
    return sum(1 for key in rebuilt.keys() | kept.keys() if rebuilt.get(key) != kept.get(key))
