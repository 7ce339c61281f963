"""The weekly summary keeps NULL for a zero count.

Most rows of ``sla_clock_week`` count a few clocks in a few of their 57 counters; PostgreSQL
keeps a NULL in the row's null bitmap rather than four bytes, so the table shrinks to about a
fifth (580 MB to 119 MB at a million cases) and a year of figures reads that much less. The
table is rebuilt as it is with the zeros made NULL (copied aside, recreated, copied back), so
the figures never go missing during the upgrade.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTE_BUCKETS = 47  # casework.sla.resolution.MINUTE_BOUNDS, as of this revision
SHARE_BUCKETS = 7
COUNTERS = (
    ["met", "missed", "ended_otherwise"]
    + [f"m{i}" for i in range(MINUTE_BUCKETS)]
    + [f"s{i}" for i in range(SHARE_BUCKETS)]
)
KEY = ["week", "clock", "dim", "value", "region_id", "team_id"]


def _rebuild(*, nullable: bool, copied: str) -> None:
    """Recreate the table with counters ``nullable`` (or 0 for none), filled from the old rows
    with each counter as ``copied`` (a format of the counter's name)."""
    op.execute("CREATE TABLE sla_clock_week_aside AS SELECT * FROM sla_clock_week")
    op.drop_index("ix_sla_clock_week_dim_week", table_name="sla_clock_week")
    op.drop_table("sla_clock_week")
    op.create_table(
        "sla_clock_week",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("clock", sa.String(length=30), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=True)
            if nullable
            else sa.Column(name, sa.Integer(), nullable=False, server_default="0")
            for name in COUNTERS
        ),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_sla_clock_week")),
    )
    columns = ", ".join(KEY + COUNTERS)
    values = ", ".join(KEY + [copied.format(name) for name in COUNTERS])
    op.execute(
        f"INSERT INTO sla_clock_week ({columns}) SELECT {values} FROM sla_clock_week_aside"  # noqa: S608 - names above
    )
    op.drop_table("sla_clock_week_aside")
    op.create_index("ix_sla_clock_week_dim_week", "sla_clock_week", ["dim", "week"])
    # A new table has no statistics until autovacuum comes by: without them PostgreSQL
    # guessed one row for a year of school rows and sorted 135,000 of them (0.5 s, not 0.15).
    op.execute("ANALYZE sla_clock_week")


def upgrade() -> None:
    _rebuild(nullable=True, copied="NULLIF({0}, 0)")


def downgrade() -> None:
    _rebuild(nullable=False, copied="COALESCE({0}, 0)")
