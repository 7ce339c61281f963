"""The monthly case summary the CHI statistics count.

- ``case_stat``: how each case is counted (month opened, category, first report's channel,
  age band, region; its school, for a conflict of interest), kept by the SLA refresh.
- ``case_month``: cases per month, category, channel, age band and region, kept in the same
  transaction.
- Both are filled here from the cases, in SQL, as the refresh writes them: the statistics are
  whole from the moment the upgrade ends (a refresh of every case would take the worker hours
  at national size).

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

# casework.sla.case_months as of this revision
AGE_BANDS = (
    ("0-6 years", 6),
    ("7-9 years", 9),
    ("10-12 years", 12),
    ("13-15 years", 15),
    ("16-17 years", 17),
)


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
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_stat")),
    )
    op.create_index("ix_case_stat_school", "case_stat", ["school_id", "opened_month"])
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
    if op.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', c.opened_at AT TIME ZONE 'UTC') AS date)"
    else:  # SQLite keeps the UTC time as text
        month = "date(c.opened_at, 'start of month')"
    bands = " ".join(f"WHEN c.child_age <= {upper} THEN '{name}'" for name, upper in AGE_BANDS)
    op.execute(
        "INSERT INTO case_stat (case_id, opened_month, category_id, channel, age_band, "  # noqa: S608 - constants above
        f"region_id, school_id) SELECT c.id, {month}, c.category_id, "
        "COALESCE((SELECT r.channel FROM report r WHERE r.case_id = c.id "
        "ORDER BY r.received_at, r.id LIMIT 1), 'unknown'), "
        f"CASE WHEN c.child_age IS NULL THEN 'age unknown' {bands} "
        "ELSE '18 years and over' END, c.region_id, c.school_id "
        'FROM "case" c'
    )
    op.execute(
        "INSERT INTO case_month (month, category_id, channel, age_band, region_id, cases) "
        "SELECT opened_month, category_id, channel, age_band, COALESCE(region_id, 0), "
        "count(*) FROM case_stat "
        "GROUP BY opened_month, category_id, channel, age_band, COALESCE(region_id, 0)"
    )


def downgrade() -> None:
    op.drop_table("case_month")
    op.drop_index("ix_case_stat_school", table_name="case_stat")
    op.drop_table("case_stat")
