"""An index on the weekly summary by breakdown and week.

The figures read the rows of one breakdown ("all", or the one they split or filter by) for a
range of weeks; with only the primary key (week first) PostgreSQL scanned the whole summary -
at a million cases 580 MB, three quarters of it per-school rows - for every figure.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sla_clock_week_dim_week", "sla_clock_week", ["dim", "week"])


def downgrade() -> None:
    op.drop_index("ix_sla_clock_week_dim_week", table_name="sla_clock_week")
