"""The transparency report's counts of the latest ended quarters, kept by the worker.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transparency_snapshot",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("quarter", name=op.f("pk_transparency_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("transparency_snapshot")
