"""The weekly summary keeps school, caseworker and channel rows split by category, and school
and caseworker rows split by channel.

A category or channel filter beside a school or caseworker breakdown (bullying by school, SMS
by caseworker), a category beside a channel, or a split by one within the other (a school's
cases by category, a caseworker's own by channel) was counted from the facts: 0.6 s for a
supervisor's year at a million cases. Those split rows are kept as dims of their own, one per
value ("school/c3", "school/hsms", and for the wide breakdowns in blocks of 4 and 16 weeks:
"school/c3/4w"), split by priority as well (a priority filter beside the two); ``dim`` grows
to 32 characters to hold them.

The split weekly rows are counted from the clock facts in SQL, their blocks added up from them;
downgrading deletes them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
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
WIDE = ("school", "caseworker")
# The second breakdowns: letter, column, the dims split by it.
SECOND = {
    "category": ("c", "category_id", ("school", "caseworker", "channel")),
    "channel": ("h", "channel", WIDE),
}


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
        "channel": "COALESCE(CAST(channel AS VARCHAR(40)), 'none')",
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


def _dim_holds(length: int) -> None:
    # On SQLite the table is copied (it cannot alter a column); on PostgreSQL a longer VARCHAR
    # is a change of the catalogue only.
    with op.batch_alter_table("sla_clock_week") as batch:
        batch.alter_column(
            "dim",
            type_=sa.String(length),
            existing_type=sa.String(48 - length),  # 16 <-> 32
            existing_nullable=False,
        )


def _split(bases: Sequence[str]) -> str:
    """The rows split by a second breakdown of these dims."""
    return " OR ".join(
        f"dim LIKE '{dim}/{letter}%'"
        for letter, _column, dims in SECOND.values()
        for dim in dims
        if dim in bases
    )


def upgrade() -> None:
    _dim_holds(32)
    columns = ", ".join([*KEY, *COUNTERS])
    counters = [
        _counted("outcome = 'met'"),
        _counted("outcome = 'missed'"),
        _counted("outcome NOT IN ('met', 'missed')"),
        *(_counted(f"minutes = {bound}") for bound in MINUTE_BOUNDS),
        *(_counted(f"share_bucket = {i}") for i in range(SHARE_BUCKETS)),
    ]
    values = _values()
    for letter, column, dims in SECOND.values():
        for dim in dims:
            grouped = [
                "opened_week",
                "clock",
                values[dim],
                "COALESCE(region_id, 0)",
                "COALESCE(team_id, 0)",
            ]
            named = f"'{dim}/{letter}' || CAST({column} AS VARCHAR(12))"
            keys = [*grouped[:2], named, *grouped[2:], "priority"]
            op.execute(
                f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
                f"SELECT {', '.join(keys)}, {', '.join(counters)} FROM sla_clock_fact "
                f"WHERE outcome IS NOT NULL GROUP BY {', '.join(grouped)}, {column}, priority"
            )
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)  # NULL when none, as kept
    for weeks in SPANS:
        start = _block_start(weeks)
        op.execute(
            f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
            f"SELECT {start}, clock, dim || '/{weeks}w', value, region_id, team_id, priority, "
            f"{sums} FROM sla_clock_week WHERE ({_split(WIDE)}) AND dim NOT LIKE '%/%/%' "
            f"GROUP BY {start}, clock, dim, value, region_id, team_id, priority"
        )
    op.execute("ANALYZE sla_clock_week")


def downgrade() -> None:
    split = _split(("school", "caseworker", "channel"))
    op.execute(f"DELETE FROM sla_clock_week WHERE {split}")  # noqa: S608 - names above
    _dim_holds(16)
