"""Index for searching a region's cases of one priority across statuses.

The queue (open cases) uses ``ix_case_region_queue`` (region, status, priority, opened);
a search across every status, closed ones included, needs the order without the status
first, or it sorts a region's whole history for one page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_region_priority", ["region_id", "priority", "opened_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_region_priority")
