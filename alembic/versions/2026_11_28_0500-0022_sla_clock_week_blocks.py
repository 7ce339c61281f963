"""The weekly summary keeps the school and caseworker rows in blocks of 4 and 16 weeks too.

A year of figures by school read every week's school rows: 137,000 rows for a supervisor of
two regions at a million cases, 0.4-0.6 s. Blocks of weeks counted from Monday 5 January 1970
("school/4w", "school/16w"; ``week`` is the block's first Monday) answer the same year from a
few blocks and a few single weeks, about 20,000 rows. The dim column widens to hold the names.

The blocks are added up from the weekly rows in SQL; downgrading deletes them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# casework.sla as of this revision
MINUTE_BUCKETS = 47
SHARE_BUCKETS = 7
COUNTERS = (
    ["met", "missed", "ended_otherwise"]
    + [f"m{i}" for i in range(MINUTE_BUCKETS)]
    + [f"s{i}" for i in range(SHARE_BUCKETS)]
)
WIDE = ("school", "caseworker")
SPANS = (4, 16)


def _block_start(weeks: int) -> str:
    days = 7 * weeks
    if op.get_bind().dialect.name == "postgresql":
        return f"week - ((week - DATE '1970-01-05') % {days})"
    return (
        "date(week, '-' || (CAST(julianday(week) - julianday('1970-01-05') AS INTEGER) "
        f"% {days}) || ' days')"
    )


def upgrade() -> None:
    with op.batch_alter_table("sla_clock_week") as batch:
        batch.alter_column("dim", existing_type=sa.String(12), type_=sa.String(16))
    columns = ", ".join(
        ["week", "clock", "dim", "value", "region_id", "team_id", "priority", *COUNTERS]
    )
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)  # NULL when none, as kept
    wide = ", ".join(f"'{dim}'" for dim in WIDE)
    for weeks in SPANS:
        start = _block_start(weeks)
        op.execute(
            f"INSERT INTO sla_clock_week ({columns}) "  # noqa: S608 - names above
            f"SELECT {start}, clock, dim || '/{weeks}w', value, region_id, team_id, priority, "
            f"{sums} FROM sla_clock_week WHERE dim IN ({wide}) "
            f"GROUP BY {start}, clock, dim, value, region_id, team_id, priority"
        )
    op.execute("ANALYZE sla_clock_week")


def downgrade() -> None:
    blocks = ", ".join(f"'{dim}/{weeks}w'" for dim in WIDE for weeks in SPANS)
    op.execute(f"DELETE FROM sla_clock_week WHERE dim IN ({blocks})")  # noqa: S608 - names above
    with op.batch_alter_table("sla_clock_week") as batch:
        batch.alter_column("dim", existing_type=sa.String(16), type_=sa.String(12))
