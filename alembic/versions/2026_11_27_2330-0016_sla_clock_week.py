"""The weekly summary of the clock facts, and durations in reporting buckets.

- ``sla_clock_week``: per week opened, clock, breakdown value, region and team, how many ended
  clocks were met, missed or ended otherwise, and how many fell in each reporting bucket of
  minutes (``m0``..) and of share of the allowed time (``s0``..) - kept by the SLA refresh in
  the same transaction as the facts, so a year of figures sums a few thousand rows.
- ``ix_sla_clock_fact_running``: the running clocks of a period (partial index), which the
  figures read from the facts.
- Facts now hold minutes rounded up to the reporting buckets: they are emptied and every case
  marked stale, so the worker rebuilds facts and summary in batches after the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTE_BUCKETS = 47  # casework.sla.resolution.MINUTE_BOUNDS, as of this revision
SHARE_BUCKETS = 7
COUNTERS = (
    ["met", "missed", "ended_otherwise"]
    + [f"m{i}" for i in range(MINUTE_BUCKETS)]
    + [f"s{i}" for i in range(SHARE_BUCKETS)]
)


def upgrade() -> None:
    op.create_table(
        "sla_clock_week",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("clock", sa.String(length=30), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTERS),
        sa.PrimaryKeyConstraint(
            "week", "clock", "dim", "value", "region_id", "team_id", name=op.f("pk_sla_clock_week")
        ),
    )
    op.create_index(
        "ix_sla_clock_fact_running",
        "sla_clock_fact",
        ["opened_at"],
        postgresql_where=sa.text("outcome IS NULL"),
        sqlite_where=sa.text("outcome IS NULL"),
    )
    op.execute("DELETE FROM sla_clock_fact")
    op.execute('UPDATE "case" SET sla_seq = 0')


def downgrade() -> None:
    op.drop_index("ix_sla_clock_fact_running", table_name="sla_clock_fact")
    op.drop_table("sla_clock_week")
