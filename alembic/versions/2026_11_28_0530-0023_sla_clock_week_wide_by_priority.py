"""The weekly summary keeps the school and caseworker rows split by priority too, apart.

A priority filter or split beside a school or caseworker breakdown (P1 cases by school) was
counted from the facts: 0.5-1 s for a supervisor's quarter or year at a million cases. Their
rows split by priority are kept as dims of their own ("school/p", "caseworker/p", and in
blocks of 4 and 16 weeks: "school/p/4w"...), beside the unsplit rows that every plain figure by
school reads (a third as many).

The split weekly rows are counted from the clock facts in SQL, their blocks added up from them;
downgrading deletes them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# casework.sla as of this revision
MINUTE_BOUNDS = (
    *(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60),
    *(75, 90, 105, 120, 150, 180, 240),
    *(300, 360, 480, 600, 720, 960, 1200, 1440),
    *(1800, 2160, 2880, 4320, 5760, 7200, 8640, 10080),
    *(14400, 20160, 30240, 40320, 60480, 86400, 129600, 525600),
)
SHARE_BUCKETS = 7
COUNTERS = (
    ["met", "missed", "ended_otherwise"]
    + [f"m{i}" for i in range(len(MINUTE_BOUNDS))]
    + [f"s{i}" for i in range(SHARE_BUCKETS)]
)
KEY = ["week", "clock", "dim", "value", "region_id", "team_id", "priority"]
SPANS = (4, 16)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _values() -> dict[str, str]:
    if _postgresql():
        assignee = "CAST(assignee_id AS VARCHAR(40))"
    else:  # SQLite keeps a UUID as 32 hex digits; the summary as Python writes it
        spans = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        dashed = " || '-' || ".join(f"substr(assignee_id, {a}, {n})" for a, n in spans)
        assignee = f"lower({dashed})"
    return {
        "school": "COALESCE(CAST(school_id AS VARCHAR(40)), 'none')",
        "caseworker": f"COALESCE({assignee}, 'none')",
    }


def _counted(condition: str) -> str:
    return f"NULLIF(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def _block_start(weeks: int) -> str:
    days = 7 * weeks
    if _postgresql():
        return f"week - ((week - DATE '1970-01-05') % {days})"
    return (
        "date(week, '-' || (CAST(julianday(week) - julianday('1970-01-05') AS INTEGER) "
        f"% {days}) || ' days')"
    )


def upgrade() -> None:
    columns = ", ".join([*KEY, *COUNTERS])
    counters = [
        _counted("outcome = 'met'"),
        _counted("outcome = 'missed'"),
        _counted("outcome NOT IN ('met', 'missed')"),
        *(_counted(f"minutes = {bound}") for bound in MINUTE_BOUNDS),
        *(_counted(f"share_bucket = {i}") for i in range(SHARE_BUCKETS)),
    ]
    for dim, value in _values().items():
        grouped = ["opened_week", "clock", value, "COALESCE(region_id, 0)", "COALESCE(team_id, 0)"]
        keys = [*grouped[:2], f"'{dim}/p'", *grouped[2:], "priority"]
        op.execute(
            f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
            f"SELECT {', '.join(keys)}, {', '.join(counters)} FROM sla_clock_fact "
            f"WHERE outcome IS NOT NULL GROUP BY {', '.join(grouped)}, priority"
        )
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)  # NULL when none, as kept
    for weeks in SPANS:
        start = _block_start(weeks)
        op.execute(
            f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
            f"SELECT {start}, clock, dim || '/{weeks}w', value, region_id, team_id, priority, "
            f"{sums} FROM sla_clock_week WHERE dim IN ('school/p', 'caseworker/p') "
            f"GROUP BY {start}, clock, dim, value, region_id, team_id, priority"
        )
    op.execute("ANALYZE sla_clock_week")


def downgrade() -> None:
    split = ("school/p", "caseworker/p")
    dims = [*split, *(f"{dim}/{weeks}w" for dim in split for weeks in SPANS)]
    listed = ", ".join(f"'{dim}'" for dim in dims)
    op.execute(f"DELETE FROM sla_clock_week WHERE dim IN ({listed})")  # noqa: S608 - names above
