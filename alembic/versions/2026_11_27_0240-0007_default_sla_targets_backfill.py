"""Default SLA targets, and each existing case's history length (so its clocks get built).

Data migration, kept apart from schema changes. Targets are in minutes; ``business_hours``
clocks follow the region's calendar (P1 always runs around the clock). Administrators edit
them later; these are the defaults the service ships with:

- acknowledge: P1 15 min, P2 1 h, P3 8 h, P4 24 h
- triage: P1 30 min, P2 4 h, P3 24 h, P4 72 h
- first response to the reporter: P1 1 h, P2 8 h, P3 48 h, P4 72 h
- referral decision: P1 and P2 24 h
- partner acknowledgement: P1 1 h, P2 24 h, P3 and P4 72 h
- closure review: 48 h

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

H = 60
TARGETS = {
    # clock: (P1, P2, P3, P4) in minutes (None: no target), counted in business hours?
    "acknowledge": ((15, 1 * H, 8 * H, 24 * H), False),
    "triage": ((30, 4 * H, 24 * H, 72 * H), True),
    "first_response": ((1 * H, 8 * H, 48 * H, 72 * H), True),
    "referral_decision": ((24 * H, 24 * H, None, None), False),
    "partner_acknowledgement": ((1 * H, 24 * H, 72 * H, 72 * H), True),
    "closure_review": ((48 * H, 48 * H, 48 * H, 48 * H), True),
}


def upgrade() -> None:
    target = sa.table(
        "sla_target",
        sa.column("clock", sa.String),
        sa.column("priority", sa.String),
        sa.column("category_id", sa.Integer),
        sa.column("minutes", sa.Integer),
        sa.column("business_hours", sa.Boolean),
    )
    rows = [
        {
            "clock": clock,
            "priority": f"P{n + 1}",
            "category_id": None,
            "minutes": minutes,
            "business_hours": business,
        }
        for clock, (by_priority, business) in TARGETS.items()
        for n, minutes in enumerate(by_priority)
        if minutes is not None
    ]
    op.bulk_insert(target, rows)
    op.execute(
        'UPDATE "case" SET last_event_seq = '
        '(SELECT COALESCE(MAX(seq), 0) FROM case_event WHERE case_event.case_id = "case".id)'
    )


def downgrade() -> None:
    op.execute("DELETE FROM sla_target")
