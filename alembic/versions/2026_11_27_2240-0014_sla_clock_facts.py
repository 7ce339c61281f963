"""How every SLA clock came out, for response-time figures at national scale.

``sla_clock_fact`` holds one row per clock of a case (running or stopped) with the case's
dimensions (priority, category, channel, region, school, team, assignee), rebuilt by the SLA
refresh whenever the case's history grows. Existing cases are marked stale (``sla_seq = 0``)
so the worker fills the table in batches after the upgrade, without a long migration.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_clock_fact",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("clock", sa.String(length=30), nullable=False),
        sa.Column("start_seq", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_week", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        sa.Column("share_bucket", sa.SmallInteger(), nullable=True),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "clock", "start_seq", name=op.f("pk_sla_clock_fact")),
    )
    op.create_index("ix_sla_clock_fact_opened_at", "sla_clock_fact", ["opened_at"])
    op.create_index(
        "ix_sla_clock_fact_region_opened_at", "sla_clock_fact", ["region_id", "opened_at"]
    )
    op.create_index(
        "ix_sla_clock_fact_assignee_opened_at", "sla_clock_fact", ["assignee_id", "opened_at"]
    )
    # Let the worker's SLA refresh compute the facts of the cases already there.
    op.execute('UPDATE "case" SET sla_seq = 0')


def downgrade() -> None:
    op.drop_table("sla_clock_fact")
