"""Data keys (envelope encryption) and the audit trail, with append-only triggers.

``audit_event`` allows exactly one change: its position, written once by the sequencer (NULL
to a value, nothing else touched, and only where the leaf for that position is stored).
``audit_node`` and ``audit_checkpoint`` allow none. ``data_key`` rows are only re-wrapped or
destroyed. TRUNCATE is refused on PostgreSQL, where row triggers would not see it.

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
_KEY_COLUMNS = ["id", "purpose", "case_id", "created_at"]
# A position may be written only once, only onto a pending event, and only where the
# sequencer has already stored the leaf for it: a stray UPDATE cannot take a position and
# wedge the sequencer.
_SEQUENCER_WRITE = (
    "OLD.position IS NULL AND NEW.position IS NOT NULL AND {same}"
    " AND EXISTS (SELECT 1 FROM audit_node WHERE level = 0 AND idx = NEW.position)"
)
# A data key may be re-wrapped (rotation) or destroyed (erasure, which must say when), never
# brought back, deleted or moved to another case.
_KEY_CHANGE = (
    "{same} AND NOT (OLD.wrapped IS NULL AND NEW.wrapped IS NOT NULL)"
    " AND (NEW.wrapped IS NOT NULL OR NEW.destroyed_at IS NOT NULL)"
)


def _pg_same(columns: list[str]) -> str:
    new = ", ".join("NEW." + c for c in columns)
    old = ", ".join("OLD." + c for c in columns)
    return f"({new}) IS NOT DISTINCT FROM ({old})"


def _sqlite_same(columns: list[str]) -> str:
    return " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)


_APPEND_ONLY = ("audit_event", "audit_node", "audit_checkpoint")
_PG = [
    f"""CREATE FUNCTION hotline_audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND {_SEQUENCER_WRITE.format(same=_pg_same(_EVENT_COLUMNS))} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'table audit_event is append-only'
                USING ERRCODE = 'insufficient_privilege';
        END $$""",
    f"""CREATE FUNCTION hotline_data_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND {_KEY_CHANGE.format(same=_pg_same(_KEY_COLUMNS))} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'data keys are only re-wrapped or destroyed'
                USING ERRCODE = 'insufficient_privilege';
        END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION hotline_audit_event_guard()""",
    """CREATE TRIGGER audit_node_append_only BEFORE UPDATE OR DELETE ON audit_node
       FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change()""",
    """CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
       FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change()""",
    """CREATE TRIGGER data_key_guard BEFORE UPDATE OR DELETE ON data_key
       FOR EACH ROW EXECUTE FUNCTION hotline_data_key_guard()""",
    # Row triggers do not fire on TRUNCATE: refuse it per statement.
    *[
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION hotline_refuse_change()"""
        for table in (*_APPEND_ONLY, "case_event", "data_key")
    ],
]
_SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        WHEN NOT ({_SEQUENCER_WRITE.format(same=_sqlite_same(_EVENT_COLUMNS))})
        BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END""",
    *[
        f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
            BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"""
        for table in ("audit_node", "audit_checkpoint")
        for verb in ("UPDATE", "DELETE")
    ],
    f"""CREATE TRIGGER data_key_no_update BEFORE UPDATE ON data_key
        WHEN NOT ({_KEY_CHANGE.format(same=_sqlite_same(_KEY_COLUMNS))})
        BEGIN SELECT RAISE(ABORT, 'data keys are only re-wrapped or destroyed'); END""",
    """CREATE TRIGGER data_key_no_delete BEFORE DELETE ON data_key
       BEGIN SELECT RAISE(ABORT, 'data keys are only re-wrapped or destroyed'); END""",
]


def _create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG if postgres else _SQLITE:
        op.execute(statement)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP TRIGGER data_key_guard ON data_key")
        for table in (*_APPEND_ONLY, "case_event", "data_key"):
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION hotline_audit_event_guard()")
        op.execute("DROP FUNCTION hotline_data_key_guard()")
    else:
        for table in ("audit_event", "audit_node", "audit_checkpoint", "data_key"):
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
