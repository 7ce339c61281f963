"""Referrals: consent (who asked whom, when; or a supervisor's reasoned override), the fields
shared with the partner's type, the partner's last word (sealed), when the status changed; a
draft status, and the case event for each later step of a referral.

Downgrading works only before any referral has a later step: case events are append-only,
and the old constraint cannot hold ``referral_updated`` rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = [
    "opened",
    "report_received",
    "priority_assessed",
    "status_changed",
    "assigned",
    "restriction_changed",
    "note_added",
    "message_sent",
    "access_granted",
    "referred",
    "triaged",
    "priority_overridden",
    "acknowledged",
    "clock_paused",
    "clock_resumed",
    "closure_requested",
    "closure_rejected",
    "referral_decided",
    "message_received",
    "link_suggested",
    "pattern_alert",
    "referral_acknowledged",
]
_STATUSES = [
    "sent",
    "acknowledged",
    "accepted",
    "declined",
    "in_progress",
    "completed",
    "withdrawn",
]
_KIND = ("case_event", "kind", "ck_case_event_case_event_kind")
_STATUS = ("referral", "status", "ck_referral_referral_status")
OLD_VALUES = {_KIND: _KINDS, _STATUS: _STATUSES}
NEW_VALUES = {_KIND: [*_KINDS, "referral_updated"], _STATUS: ["draft", *_STATUSES]}
# SQLite rebuilds a table to change a CHECK constraint, which drops its triggers.
_SQLITE_CASE_EVENT_TRIGGERS = [
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
]


def _set_enum_values(values: dict[tuple[str, str, str], list[str]]) -> None:
    """Let an enum column take exactly these values (CHECK constraint and length)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for (table, column, constraint), allowed in values.items():
        check = sa.column(column).in_(allowed)
        length = max(len(v) for v in allowed)
        if not sqlite:
            op.drop_constraint(op.f(constraint), table, type_="check")
            op.alter_column(table, column, type_=sa.String(length), existing_nullable=False)
            op.create_check_constraint(op.f(constraint), table, check)
            continue
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.drop_constraint(op.f(constraint), type_="check")
            batch_op.alter_column(column, type_=sa.String(length), existing_nullable=False)
            batch_op.create_check_constraint(op.f(constraint), check)
        if table == "case_event":
            for statement in _SQLITE_CASE_EVENT_TRIGGERS:
                op.execute(statement)


def upgrade() -> None:
    _set_enum_values(NEW_VALUES)
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "consent",
                sa.Enum(
                    "given",
                    "refused",
                    "not_asked",
                    name=op.f("ck_referral_referral_consent"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="not_asked",
            )
        )
        batch_op.add_column(sa.Column("consent_from", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("consent_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("override_reason_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("override_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("shared", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("note_ct", sa.LargeBinary(), nullable=True))
    # Referrals made before this revision shared the category, priority and summary.
    op.execute("""UPDATE referral SET shared = '["category", "priority", "summary"]'""")


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_referral_referral_consent"), type_="check")
        batch_op.drop_column("note_ct")
        batch_op.drop_column("shared")
        batch_op.drop_column("override_by")
        batch_op.drop_column("override_reason_ct")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent_by")
        batch_op.drop_column("consent_from")
        batch_op.drop_column("consent")
        batch_op.drop_column("status_changed_at")
    op.execute("DELETE FROM referral WHERE status = 'draft'")
    _set_enum_values(OLD_VALUES)
