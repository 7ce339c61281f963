"""The national desk on the rota, the SMS intake's state, and staff reasons on case events.

- ``staff_shift.region_id`` and ``oncall_shift.region_id`` may be empty: a shift on the
  national desk, or a national on-call turn (unplaced cases, regions nobody else covers).
- ``sms_conversation.told`` (the first text already told what happened) and ``asked_again``
  (the current question was asked a second time), so answers land on the right question.
- ``case_event.reason_ct``: a member of staff's reason, sealed under the case key (shown on
  the case page; shredded with the case).
- ``case_event.kind`` may be ``placed``: where a case belongs (region, school, category, the
  alleged perpetrator's role) was found in the child's words or corrected by staff.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHIFTS = ("staff_shift", "oncall_shift")
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
    "referral_updated",
]
_CONSTRAINT = "ck_case_event_case_event_kind"
# SQLite rebuilds a table to change a CHECK constraint, which drops its triggers.
_SQLITE_CASE_EVENT_TRIGGERS = [
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
]


def _allow_kinds(kinds: list[str]) -> None:
    """Let case_event.kind take exactly these values (CHECK constraint and length)."""
    check = sa.column("kind").in_(kinds)
    length = max(len(k) for k in kinds)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(_CONSTRAINT), "case_event", type_="check")
        op.alter_column("case_event", "kind", type_=sa.String(length), existing_nullable=False)
        op.create_check_constraint(op.f(_CONSTRAINT), "case_event", check)
        return
    with op.batch_alter_table("case_event", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(_CONSTRAINT), type_="check")
        batch_op.alter_column("kind", type_=sa.String(length), existing_nullable=False)
        batch_op.create_check_constraint(op.f(_CONSTRAINT), check)
    for statement in _SQLITE_CASE_EVENT_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    """Apply."""
    for table in _SHIFTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("region_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("sms_conversation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("told", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("asked_again", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _allow_kinds([*_KINDS, "placed"])
    # Not in batch mode: recreating case_event on SQLite would drop its append-only triggers.
    op.add_column("case_event", sa.Column("reason_ct", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert (desk shifts and national on-call turns are ended: they have no region)."""
    op.drop_column("case_event", "reason_ct")
    _allow_kinds(_KINDS)
    with op.batch_alter_table("sms_conversation", schema=None) as batch_op:
        batch_op.drop_column("asked_again")
        batch_op.drop_column("told")
    for table in _SHIFTS:
        op.execute(sa.text(f"DELETE FROM {table} WHERE region_id IS NULL"))  # noqa: S608
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("region_id", existing_type=sa.Integer(), nullable=False)
