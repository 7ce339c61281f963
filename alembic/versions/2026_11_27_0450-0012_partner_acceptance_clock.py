"""An SLA clock for a partner's decision (accept or decline), with default targets: P1 4 h,
P2 24 h, P3 and P4 72 h, in business hours (P1 around the clock).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLOCKS = [
    "acknowledge",
    "triage",
    "first_response",
    "referral_decision",
    "partner_acknowledgement",
    "closure_review",
]
_COLUMNS = [
    ("sla_target", "clock", "ck_sla_target_sla_target_clock"),
    ("sla_clock", "clock", "ck_sla_clock_sla_clock_clock"),
    ("sla_notice", "clock", "ck_sla_notice_sla_notice_clock"),
]
H = 60
DEFAULTS = {"P1": 4 * H, "P2": 24 * H, "P3": 72 * H, "P4": 72 * H}


def _allow(clocks: list[str]) -> None:
    """Let every SLA clock column take exactly these values."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, constraint in _COLUMNS:
        check = sa.column(column).in_(clocks)
        length = max(len(c) for c in clocks)
        if not sqlite:
            op.drop_constraint(op.f(constraint), table, type_="check")
            op.alter_column(table, column, type_=sa.String(length), existing_nullable=False)
            op.create_check_constraint(op.f(constraint), table, check)
            continue
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.drop_constraint(op.f(constraint), type_="check")
            batch_op.alter_column(column, type_=sa.String(length), existing_nullable=False)
            batch_op.create_check_constraint(op.f(constraint), check)


def upgrade() -> None:
    _allow([*_CLOCKS, "partner_acceptance"])
    target = sa.table(
        "sla_target",
        sa.column("clock", sa.String),
        sa.column("priority", sa.String),
        sa.column("category_id", sa.Integer),
        sa.column("minutes", sa.Integer),
        sa.column("business_hours", sa.Boolean),
    )
    op.bulk_insert(
        target,
        [
            {
                "clock": "partner_acceptance",
                "priority": priority,
                "category_id": None,
                "minutes": minutes,
                "business_hours": True,
            }
            for priority, minutes in DEFAULTS.items()
        ],
    )


def downgrade() -> None:
    for table, _, _ in _COLUMNS:
        op.execute(f"DELETE FROM {table} WHERE clock = 'partner_acceptance'")  # noqa: S608
    _allow(_CLOCKS)
