"""Audit viewer: indexes to page the trail newest first, and a record of verification runs.

- ``audit_event``: indexes on ``(occurred_at, id)`` and on ``(case_id | actor_id | action,
  occurred_at, id)``, so the viewer pages the whole trail or one case, member of staff or
  action without scanning. The case one replaces the single-column ``ix_audit_event_case_id``
  (its first column serves the same lookups). Plain ``CREATE INDEX`` on SQLite too: a batch
  rebuild of the table would drop its append-only triggers.
- ``audit_verify_run``: each ``hotline audit verify`` of the database - passed or not, how
  many entries, the first bad position, the newest checkpoint at the time.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_audit_event_time": ["occurred_at", "id"],
    "ix_audit_event_case_time": ["case_id", "occurred_at", "id"],
    "ix_audit_event_actor_time": ["actor_id", "occurred_at", "id"],
    "ix_audit_event_action_time": ["action", "occurred_at", "id"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "audit_event", columns, unique=False)
    op.drop_index("ix_audit_event_case_id", table_name="audit_event")
    op.create_table(
        "audit_verify_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("checkpoints", sa.Integer(), nullable=False),
        sa.Column("first_bad_position", sa.BigInteger(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=True),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verify_run")),
    )
    op.create_index(
        op.f("ix_audit_verify_run_ran_at"), "audit_verify_run", ["ran_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_verify_run_ran_at"), table_name="audit_verify_run")
    op.drop_table("audit_verify_run")
    op.create_index("ix_audit_event_case_id", "audit_event", ["case_id"], unique=False)
    for name in _INDEXES:
        op.drop_index(name, table_name="audit_event")
