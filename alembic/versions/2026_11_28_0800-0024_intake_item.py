"""The intake inbox: one row per report received, the claim, the reservation and the copy;
and an index of the texts waiting to be handled.

Every channel's request now writes one ``intake_item`` row and answers; the case is built
from it by the builder job (issue 16). The row's unique ``(scope, key_hash)`` is the
idempotency claim that ``idempotency_record`` was, so the claims already made are copied
into it as built rows (a resend of an old key still gets its first receipt), and
``idempotency_record`` goes. Downgrading copies the built, keyed rows back.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create intake_item, move the idempotency claims into it, drop idempotency_record."""
    op.create_table(
        "intake_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("code_salt", sa.LargeBinary(length=32), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "app",
                "sms",
                "voice",
                name=op.f("ck_intake_item_intake_item_channel"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=True),
        sa.Column("code_ct", sa.LargeBinary(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_item")),
        sa.UniqueConstraint("reference", name=op.f("uq_intake_item_reference")),
        sa.UniqueConstraint("scope", "key_hash", name=op.f("uq_intake_item_scope_key_hash")),
    )
    op.create_index(op.f("ix_intake_item_case_id"), "intake_item", ["case_id"])
    op.create_index(
        "ix_intake_item_unbuilt",
        "intake_item",
        [sa.text("urgent DESC"), "received_at"],
        postgresql_where=sa.text("case_id IS NULL"),
        sqlite_where=sa.text("case_id IS NULL"),
    )
    # Texts stored but not handled yet: the sms.inbox job's queue.
    op.create_index(
        "ix_inbound_message_waiting",
        "inbound_message",
        ["received_at"],
        postgresql_where=sa.text("status = 'received'"),
        sqlite_where=sa.text("status = 'received'"),
    )
    op.execute(
        """
        INSERT INTO intake_item (id, scope, key_hash, reference, request_hash, code_salt,
                                 channel, urgent, received_at, case_id, built_at, attempts)
        SELECT r.id, i.scope, i.key_hash, c.reference, i.request_hash, i.code_salt,
               r.channel, false, r.received_at, r.case_id, i.created_at, 0
        FROM idempotency_record i
        JOIN report r ON r.id = i.report_id
        JOIN "case" c ON c.id = r.case_id
        """
    )
    op.drop_table("idempotency_record")


def downgrade() -> None:
    """Bring idempotency_record back with the keyed claims of the built rows."""
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("code_salt", sa.LargeBinary(length=32), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_idempotency_record_report_id_report"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("scope", "key_hash", name=op.f("uq_idempotency_record_scope_key_hash")),
    )
    op.execute(
        """
        INSERT INTO idempotency_record (id, scope, key_hash, request_hash, code_salt,
                                        report_id, created_at)
        SELECT i.id, i.scope, i.key_hash, i.request_hash, i.code_salt, i.id, i.built_at
        FROM intake_item i JOIN report r ON r.id = i.id
        WHERE i.code_salt IS NOT NULL AND i.built_at IS NOT NULL
        """
    )
    op.drop_index("ix_inbound_message_waiting", table_name="inbound_message")
    op.drop_index("ix_intake_item_unbuilt", table_name="intake_item")
    op.drop_index(op.f("ix_intake_item_case_id"), table_name="intake_item")
    op.drop_table("intake_item")
