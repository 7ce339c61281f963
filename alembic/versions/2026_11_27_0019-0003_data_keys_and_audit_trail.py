"""Data keys (envelope encryption) and the audit trail, with append-only triggers.

``audit_event`` allows exactly one change: its position written once by the sequencer
(NULL to a value, nothing else touched). ``audit_node`` and ``audit_checkpoint`` allow none.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:19:35.288980
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_EVENT_COLUMNS = [
    "id",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "payload_ct",
]
_PG = [
    f"""CREATE FUNCTION hotline_audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.position IS NULL AND NEW.position IS NOT NULL
               AND ({", ".join("NEW." + c for c in _EVENT_COLUMNS)})
                   IS NOT DISTINCT FROM ({", ".join("OLD." + c for c in _EVENT_COLUMNS)}) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'table audit_event is append-only'
                USING ERRCODE = 'insufficient_privilege';
        END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION hotline_audit_event_guard()""",
    """CREATE TRIGGER audit_node_append_only BEFORE UPDATE OR DELETE ON audit_node
       FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change()""",
    """CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
       FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change()""",
]
_SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        WHEN NOT (OLD.position IS NULL AND NEW.position IS NOT NULL
                  AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in _EVENT_COLUMNS)})
        BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END""",
    *[
        f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
            BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"""
        for table in ("audit_node", "audit_checkpoint")
        for verb in ("UPDATE", "DELETE")
    ],
]


def _create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG if postgres else _SQLITE:
        op.execute(statement)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_event", "audit_node", "audit_checkpoint"):
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION hotline_audit_event_guard()")
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
        for table in ("audit_node", "audit_checkpoint"):
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_checkpoint")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("position", name=op.f("uq_audit_event_position")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_audit_event_pending",
            ["occurred_at", "id"],
            unique=False,
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )

    op.create_table(
        "audit_node",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_node")),
    )
    op.create_table(
        "data_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("key_id", sa.String(length=200), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rewrapped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_data_key_case_id_case"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_key")),
        sa.UniqueConstraint("case_id", name=op.f("uq_data_key_case_id")),
    )
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_key_key_id"), ["key_id"], unique=False)

    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("data_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_key_key_id"))

    op.drop_table("data_key")
    op.drop_table("audit_node")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_audit_event_pending",
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_audit_event_case_id"))

    op.drop_table("audit_event")
    op.drop_table("audit_checkpoint")
