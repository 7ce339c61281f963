"""Figures from the weekly summary and the clock facts equal the same figures counted in
Python over the facts (``Tally``, nearest-rank percentiles), for any period, breakdown, scope
and filter; and the summary kept fact by fact equals the summary rebuilt from the facts."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from casework.sla import weekly
from casework.sla.counting import Scope, count_clocks
from casework.sla.facts import NONE, Breakdown, week_of
from casework.sla.figures import ClockFigures, Tally
from casework.sla.models import WEEK_KEY, ClockFact, ClockKind, clock_week
from casework.sla.resolution import MINUTE_BOUNDS
from hotline.runtime.database import Database

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)  # a Thursday
OUTCOMES = ("met", "met", "met", "missed", "stopped", None)
USERS = [uuid.UUID(int=1000 + n) for n in range(3)]
Fact = dict[str, Any]


def _fact(rng: random.Random, i: int) -> Fact:
    # Half of them over a year and more: long periods read the blocks of weeks.
    days = 45 if i % 2 else 400
    opened = NOW - dt.timedelta(minutes=rng.randint(1, days * 24 * 60))
    outcome = rng.choice(OUTCOMES)
    target = rng.choice((60, 480, 1440))
    return {
        "case_id": uuid.UUID(int=i + 1),
        "clock": rng.choice((ClockKind.ACKNOWLEDGE, ClockKind.TRIAGE)).value,
        "start_seq": 1,
        "opened_at": opened,
        "opened_week": week_of(opened),
        "started_at": opened,
        "due_at": opened + dt.timedelta(minutes=target),
        "stopped_at": None if outcome is None else opened + dt.timedelta(minutes=1),
        "outcome": outcome,
        "minutes": None if outcome is None else rng.choice(MINUTE_BOUNDS[:30]),
        "target_minutes": target,
        "share_bucket": None if outcome is None else rng.choice((None, 0, 1, 3, 4, 6)),
        "priority": rng.choice(("P1", "P2", "P3")),
        "category_id": rng.choice((1, 2)),
        "channel": rng.choice(("web", "sms")),
        "region_id": rng.choice((1, 2, 3, None)),
        "school_id": rng.choice((10, 11, None)),
        "team_id": rng.choice((1, 2, None)),
        "assignee_id": rng.choice((*USERS, None)),
    }


FIELD = {
    Breakdown.REGION: "region_id",
    Breakdown.PRIORITY: "priority",
    Breakdown.CATEGORY: "category_id",
    Breakdown.CHANNEL: "channel",
    Breakdown.SCHOOL: "school_id",
    Breakdown.TEAM: "team_id",
    Breakdown.CASEWORKER: "assignee_id",
    Breakdown.WEEK: "opened_week",
}


def _text(value: object) -> str:
    if value is None:
        return NONE
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _expected(
    rows: list[Fact],
    by: Breakdown | None,
    start: dt.datetime,
) -> tuple[dict[str, dict[ClockKind, ClockFigures]], dict[ClockKind, list[int]]]:
    tallies: dict[str, dict[ClockKind, Tally]] = {}
    for r in rows:
        if not start <= r["opened_at"] < NOW:
            continue
        late = r["outcome"] is None and r["due_at"] < NOW
        tally = tallies.setdefault(_text(r[FIELD[by]]) if by else "all", {}).setdefault(
            ClockKind(r["clock"]), Tally()
        )
        if r["outcome"] is None:
            tally.add(None, None, 1, int(late))
        else:
            tally.add(r["outcome"], r["minutes"], 1, 0)
            if r["share_bucket"] is not None:
                tally.shares[r["share_bucket"]] += 1
    figures = {
        key: {kind: t.figures(kind) for kind, t in per_clock.items()}
        for key, per_clock in tallies.items()
    }
    shares = {kind: t.shares for kind, t in tallies.get("all", {}).items()} if not by else {}
    return figures, shares


SCOPES: list[tuple[Scope | None, Callable[[Fact], bool]]] = [
    (None, lambda _: True),
    (Scope(regions=frozenset({1, 2})), lambda r: r["region_id"] in (1, 2)),
    # No case is restricted here: the facts answer, and the same.
    (Scope(regions=frozenset({1}), hidden_schools=frozenset({10})), lambda r: r["region_id"] == 1),
    (Scope(assignee=USERS[0]), lambda r: r["assignee_id"] == USERS[0]),
]
FILTERS: list[tuple[dict[Breakdown, list[str]], Callable[[Fact], bool]]] = [
    ({}, lambda _: True),
    ({Breakdown.REGION: ["1", NONE]}, lambda r: r["region_id"] in (1, None)),  # summarised
    ({Breakdown.TEAM: ["2"]}, lambda r: r["team_id"] == 2),  # summarised
    # Summarised (the priority rows) unless split by another breakdown kept in the summary.
    ({Breakdown.PRIORITY: ["P1"]}, lambda r: r["priority"] == "P1"),
    # Priority beside another breakdown: summarised with category (its rows are split by
    # priority) and with school (its rows split by priority apart).
    (
        {Breakdown.PRIORITY: ["P1", "P2"], Breakdown.CATEGORY: ["1"]},
        lambda r: r["priority"] in ("P1", "P2") and r["category_id"] == 1,
    ),
    (
        {Breakdown.PRIORITY: ["P2"], Breakdown.SCHOOL: ["10"]},
        lambda r: r["priority"] == "P2" and r["school_id"] == 10,
    ),
    # Category beside school, caseworker or channel: their rows split by category (by school,
    # by caseworker or their own cases; by category within schools or a channel).
    ({Breakdown.CATEGORY: ["1"]}, lambda r: r["category_id"] == 1),
    ({Breakdown.CATEGORY: ["2", "9"]}, lambda r: r["category_id"] == 2),
    ({Breakdown.SCHOOL: ["10", NONE]}, lambda r: r["school_id"] in (10, None)),
    ({Breakdown.CHANNEL: ["sms"]}, lambda r: r["channel"] == "sms"),
    ({Breakdown.CHANNEL: ["web", "app"]}, lambda r: r["channel"] == "web"),
    (
        {Breakdown.CHANNEL: ["sms"], Breakdown.CATEGORY: ["2"]},
        lambda r: r["channel"] == "sms" and r["category_id"] == 2,
    ),
    # Category and school with priority: the school rows split by category, and by priority.
    (
        {Breakdown.CATEGORY: ["1"], Breakdown.PRIORITY: ["P3"], Breakdown.SCHOOL: ["11"]},
        lambda r: r["category_id"] == 1 and r["priority"] == "P3" and r["school_id"] == 11,
    ),
    # Category, channel and school: the facts alone.
    (
        {Breakdown.CATEGORY: ["2"], Breakdown.CHANNEL: ["web"], Breakdown.SCHOOL: ["10"]},
        lambda r: r["category_id"] == 2 and r["channel"] == "web" and r["school_id"] == 10,
    ),
    # The caseworker rows, an id as typed and nobody assigned: facts alone for their own cases.
    (
        {Breakdown.CASEWORKER: [str(USERS[0]).upper(), NONE]},
        lambda r: r["assignee_id"] in (USERS[0], None),
    ),
]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("days", [3, 30, 40, 200, 366])
@pytest.mark.parametrize("by", [None, *Breakdown])
def test_summary_and_facts_count_as_python_does(
    db: Database, seed: int, days: int, by: Breakdown | None
) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    rows = [_fact(rng, i) for i in range(rng.randint(50, 400))]
    # Not on a week's boundary: whole weeks from the summary, the ends from the facts.
    start = NOW - dt.timedelta(days=days, hours=5, minutes=17)

    def run(s: Session) -> None:
        s.execute(insert(ClockFact), rows)
        weekly.rebuild(s)
        for scope, in_scope in SCOPES:
            for filters, matches in FILTERS:
                counted = count_clocks(
                    s,
                    opened_from=start,
                    opened_to=NOW,
                    now=NOW,
                    scope=scope,
                    by=by,
                    filters=filters,
                )
                wanted = [r for r in rows if in_scope(r) and matches(r)]
                expected, shares = _expected(wanted, by, start)
                assert counted.figures() == expected, (scope, filters)
                # The groups add up to the whole (how a split's overall figures are counted).
                whole, _ = _expected(wanted, None, start)
                assert counted.total().figures() == whole, (scope, filters)
                if by is None:  # how long they took against the time allowed
                    found = {k: t.shares for k, t in counted.tallies.get("all", {}).items()}
                    assert found == shares

    db.run(run, write=True)


def _summary(s: Session) -> dict[tuple[Any, ...], tuple[int, ...]]:
    rows = s.execute(select(clock_week)).all()
    keys = len(WEEK_KEY)
    return {tuple(r[:keys]): tuple(r[keys:]) for r in rows if any(r[keys:])}


def test_the_summary_kept_fact_by_fact_equals_the_summary_rebuilt(db: Database) -> None:
    rng = random.Random(7)  # noqa: S311 - test data
    first = [_fact(rng, i) for i in range(300)]

    def run(s: Session) -> None:
        s.execute(insert(ClockFact), first)
        weekly.apply(s, removed=(), added=first)
        # Refreshes replace the facts of some cases: clocks end, cases move, get assigned.
        facts = {r["case_id"]: r for r in first}
        for round_ in range(5):
            changed = rng.sample(sorted(facts), 40)
            removed = [f for f in (facts[c] for c in changed) if f["outcome"] is not None]
            added = [
                {**_fact(rng, 1000 * (round_ + 1) + n), "case_id": c} for n, c in enumerate(changed)
            ]
            s.execute(delete(ClockFact).where(ClockFact.case_id.in_(changed)))
            s.execute(insert(ClockFact), added)
            weekly.apply(s, removed=removed, added=added)
            facts.update({r["case_id"]: r for r in added})
        kept = _summary(s)
        weekly.rebuild(s)
        assert kept == _summary(s)
        assert kept  # something was counted

    db.run(run, write=True)


class _Categories:
    """A session that knows these categories (all ``_summary_rows`` may ask one)."""

    def __init__(self, *ids: int) -> None:
        self.ids = list(ids)

    def scalars(self, _query: Any) -> list[int]:
        return self.ids


def test_priority_goes_with_the_rows_split_by_it() -> None:
    from casework.sla import counting
    from casework.sla.counting import _Rows

    def _summary_rows(*args: Any) -> _Rows | None:
        return counting._summary_rows(_Categories(1, 2), *args)  # type: ignore[arg-type]

    p1 = {Breakdown.PRIORITY: ["P1"]}
    assert _summary_rows(Breakdown.CATEGORY, None, p1) == _Rows("category", None, ["P1"])
    assert _summary_rows(Breakdown.PRIORITY, None, {}) == _Rows("all")
    assert _summary_rows(None, Scope(regions=frozenset({1})), p1) == _Rows("all", None, ["P1"])
    # School and caseworker rows are split by priority apart.
    assert _summary_rows(Breakdown.SCHOOL, None, p1) == _Rows("school/p", None, ["P1"])
    own = _summary_rows(Breakdown.PRIORITY, Scope(assignee=USERS[0]), {})
    assert own == _Rows("caseworker/p", [str(USERS[0])])
    # Category beside school, caseworker or channel: their rows split by category.
    bullying = {Breakdown.CATEGORY: ["1"]}
    assert _summary_rows(Breakdown.SCHOOL, None, bullying) == _Rows(
        "school", None, second="category", seconds={"school/c1": "1"}
    )
    assert _summary_rows(None, Scope(assignee=USERS[0]), bullying) == _Rows(
        "caseworker", [str(USERS[0])], second="category", seconds={"caseworker/c1": "1"}
    )
    sms = {Breakdown.CHANNEL: ["sms"]}
    assert _summary_rows(Breakdown.CATEGORY, None, sms) == _Rows(
        "channel", ["sms"], second="category", seconds={"channel/c1": "1", "channel/c2": "2"}
    )
    # Split by category within a school: every category's rows.
    assert _summary_rows(Breakdown.CATEGORY, None, {Breakdown.SCHOOL: ["10"]}) == _Rows(
        "school", ["10"], second="category", seconds={"school/c1": "1", "school/c2": "2"}
    )
    # Channel beside school or caseworker: their rows split by channel.
    assert _summary_rows(Breakdown.SCHOOL, None, sms) == _Rows(
        "school", None, second="channel", seconds={"school/hsms": "sms"}
    )
    everyone = {f"caseworker/h{c}": c for c in ("web", "app", "sms", "voice")}
    assert _summary_rows(Breakdown.CHANNEL, Scope(assignee=USERS[0]), {}) == _Rows(
        "caseworker", [str(USERS[0])], second="channel", seconds=everyone
    )
    # Those rows are split by priority too.
    assert _summary_rows(Breakdown.SCHOOL, None, {**bullying, **p1}) == _Rows(
        "school", None, ["P1"], second="category", seconds={"school/c1": "1"}
    )
    assert _summary_rows(Breakdown.PRIORITY, None, {**sms, **bullying}) == _Rows(
        "channel", ["sms"], second="category", seconds={"channel/c1": "1"}
    )
    # No category yet: nothing to read the split rows of.
    empty = counting._summary_rows(
        _Categories(),  # type: ignore[arg-type]
        Breakdown.CATEGORY,
        None,
        {Breakdown.SCHOOL: ["10"]},
    )
    assert empty is None
    # Not kept together, or three of them: the facts answer.
    assert _summary_rows(Breakdown.SCHOOL, None, {Breakdown.CASEWORKER: [str(USERS[0])]}) is None
    assert _summary_rows(Breakdown.SCHOOL, None, {**bullying, **sms}) is None


@pytest.mark.parametrize("weeks", [0, 1, 3, 4, 5, 15, 16, 17, 31, 52, 53])
@pytest.mark.parametrize("offset", range(16))
def test_whole_weeks_are_read_as_the_fewest_blocks_that_cover_them(weeks: int, offset: int) -> None:
    first = weekly.EPOCH + dt.timedelta(weeks=2900 + offset)
    last = first + dt.timedelta(weeks=weeks)
    found = weekly.pieces(first, last)
    covered = sorted(
        start + dt.timedelta(weeks=k)
        for span, starts in found.items()
        for start in starts
        for k in range(span)
    )
    # Every week once, nothing outside; each block on its own boundary.
    assert covered == [first + dt.timedelta(weeks=k) for k in range(weeks)]
    for span, starts in found.items():
        assert all(weekly.block_start(start, span) == start for start in starts)
    # At most three of a span either side of the longer blocks.
    assert len(found.get(1, [])) <= 6
    assert len(found.get(4, [])) <= 6


def test_a_block_starts_on_a_monday_counted_from_the_epoch() -> None:
    week = dt.date(2026, 11, 23)
    for span in weekly.SPANS:
        start = weekly.block_start(week, span)
        assert start.weekday() == 0
        assert start <= week < start + dt.timedelta(weeks=span)
        assert (start - weekly.EPOCH).days % (7 * span) == 0
