"""The monthly case summary the CHI statistics count.

- ``case_stat``: how each case is counted (month opened, category, first report's channel,
  age band, region; school and restriction for a conflict of interest), kept by the SLA refresh.
- ``case_month``: cases per month, category, channel, age band and region, kept in the same
  transaction.
- Every case is marked stale, so the worker counts them all in batches after the upgrade.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_stat",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("opened_month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_stat")),
    )
    op.create_index(
        "ix_case_stat_restricted_school",
        "case_stat",
        ["school_id", "opened_month"],
        postgresql_where=sa.text("restricted"),
        sqlite_where=sa.text("restricted"),
    )
    op.create_table(
        "case_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint(
            "month",
            "category_id",
            "channel",
            "age_band",
            "region_id",
            name=op.f("pk_case_month"),
        ),
    )
    op.execute('UPDATE "case" SET sla_seq = 0')


def downgrade() -> None:
    op.drop_table("case_month")
    op.drop_index("ix_case_stat_restricted_school", table_name="case_stat")
    op.drop_table("case_stat")
