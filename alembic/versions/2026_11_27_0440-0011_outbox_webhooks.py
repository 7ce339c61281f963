"""The outbox delivers signed webhooks and e-mails (with a signed link) to partners too.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ["sms", "alert", "media_fetch", "media_delete", "staff_notice"]
_CONSTRAINT = "ck_outbox_message_outbox_message_kind"


def _allow(kinds: list[str]) -> None:
    """Let outbox_message.kind take exactly these values."""
    check = sa.column("kind").in_(kinds)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(_CONSTRAINT), "outbox_message", type_="check")
        op.create_check_constraint(op.f(_CONSTRAINT), "outbox_message", check)
        return
    with op.batch_alter_table("outbox_message", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(_CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(_CONSTRAINT), check)


def upgrade() -> None:
    _allow([*_KINDS, "webhook", "email"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox_message WHERE kind IN ('webhook', 'email')")
    _allow(_KINDS)
