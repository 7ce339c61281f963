"""The weekly summary's rows of "all", category and channel are split by priority too.

A priority filter beside a category or channel breakdown (P1 cases' response times by
category) was counted from the facts: 0.4 s for a supervisor's year at a million cases. With
priority a key column of those rows - as region and team are - the summary answers it. The
school and caseworker rows stay unsplit (priority ""): split, they would double.

The rows of "all", category and channel are recounted from the clock facts in SQL; the school
and caseworker rows are copied; the "priority" breakdown's rows go (they are now the "all"
rows split by priority). Downgrading adds the split rows back up and makes the "priority"
rows again from the "all" rows.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# casework.sla.resolution as of this revision
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
KEY = ["week", "clock", "dim", "value", "region_id", "team_id"]
SPLIT = ("all", "category", "channel")


def _create(*, with_priority: bool) -> None:
    op.create_table(
        "sla_clock_week",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("clock", sa.String(length=30), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        *([sa.Column("priority", sa.String(length=4), nullable=False)] if with_priority else []),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in COUNTERS),
        sa.PrimaryKeyConstraint(
            *KEY, *(["priority"] if with_priority else []), name=op.f("pk_sla_clock_week")
        ),
    )
    op.create_index("ix_sla_clock_week_dim_week", "sla_clock_week", ["dim", "week"])


def _set_aside() -> None:
    op.execute("CREATE TABLE sla_clock_week_aside AS SELECT * FROM sla_clock_week")
    op.drop_index("ix_sla_clock_week_dim_week", table_name="sla_clock_week")
    op.drop_table("sla_clock_week")


def _finish() -> None:
    op.drop_table("sla_clock_week_aside")
    op.execute("ANALYZE sla_clock_week")


def _counted(condition: str) -> str:
    return f"NULLIF(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def upgrade() -> None:
    _set_aside()
    _create(with_priority=True)
    columns = ", ".join([*KEY, "priority", *COUNTERS])
    op.execute(
        f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
        f"SELECT {', '.join(KEY)}, '', {', '.join(COUNTERS)} FROM sla_clock_week_aside "
        "WHERE dim IN ('school', 'caseworker')"
    )
    counters = [
        _counted("outcome = 'met'"),
        _counted("outcome = 'missed'"),
        _counted("outcome NOT IN ('met', 'missed')"),
        *(_counted(f"minutes = {bound}") for bound in MINUTE_BOUNDS),
        *(_counted(f"share_bucket = {i}") for i in range(SHARE_BUCKETS)),
    ]
    values = {
        "all": None,
        "category": "COALESCE(CAST(category_id AS VARCHAR(40)), 'none')",
        "channel": "COALESCE(channel, 'none')",
    }
    for dim in SPLIT:
        value = values[dim]
        grouped = [
            "opened_week",
            "clock",
            *([value] if value else []),
            "COALESCE(region_id, 0)",
            "COALESCE(team_id, 0)",
            "priority",
        ]
        keys = [*grouped[:2], f"'{dim}'", value or "''", *grouped[-3:]]
        op.execute(
            f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
            f"SELECT {', '.join(keys)}, {', '.join(counters)} FROM sla_clock_fact "
            f"WHERE outcome IS NOT NULL GROUP BY {', '.join(grouped)}"
        )
    _finish()


def downgrade() -> None:
    _set_aside()
    _create(with_priority=False)
    columns = ", ".join([*KEY, *COUNTERS])
    summed = ", ".join(f"NULLIF(SUM(COALESCE({name}, 0)), 0)" for name in COUNTERS)
    op.execute(
        f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
        f"SELECT {', '.join(KEY)}, {summed} FROM sla_clock_week_aside "
        f"GROUP BY {', '.join(KEY)}"
    )
    # The "priority" breakdown's rows: the "all" rows, one per priority.
    op.execute(
        f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
        f"SELECT week, clock, 'priority', priority, region_id, team_id, {', '.join(COUNTERS)} "
        "FROM sla_clock_week_aside WHERE dim = 'all'"
    )
    _finish()
