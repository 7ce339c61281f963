"""Initial schema: reference data, cases, reports, follow-up, inbox, idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:36:10.583863
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The case history is append-only: the database itself refuses to change or remove an event.
_PG_IMMUTABLE = [
    """CREATE FUNCTION hotline_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME
               USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event
       FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change()""",
]
_SQLITE_IMMUTABLE = [
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
       BEGIN SELECT RAISE(ABORT, 'table case_event is append-only'); END""",
]


def _create_append_only_triggers() -> None:
    statements = _PG_IMMUTABLE if op.get_bind().dialect.name == "postgresql" else _SQLITE_IMMUTABLE
    for statement in statements:
        op.execute(statement)


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_event_append_only ON case_event")
        op.execute("DROP FUNCTION hotline_refuse_change()")
    else:
        op.execute("DROP TRIGGER case_event_no_update")
        op.execute("DROP TRIGGER case_event_no_delete")


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("chi_group", sa.String(length=40), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
    )
    op.create_table(
        "follow_up_throttle",
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_follow_up_throttle")),
    )
    with op.batch_alter_table("follow_up_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_throttle_last_failure_at"), ["last_failure_at"], unique=False
        )

    op.create_table(
        "region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region")),
        sa.UniqueConstraint("code", name=op.f("uq_region_code")),
    )
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_school_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("code", name=op.f("uq_school_code")),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_region_id"), ["region_id"], unique=False)

    op.create_table(
        "case",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "triaged",
                "assigned",
                "in_progress",
                "referred",
                "closed",
                name=op.f("ck_case_case_status"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "P1",
                "P2",
                "P3",
                "P4",
                name=op.f("ck_case_case_priority"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_case_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_case_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_case_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_reference")),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_category_id"), ["category_id"], unique=False)
        batch_op.create_index("ix_case_queue", ["status", "priority", "opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_school_id"), ["school_id"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "opened",
                "report_received",
                "priority_assessed",
                "status_changed",
                name=op.f("ck_case_event_case_event_kind"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "actor_kind",
            sa.Enum(
                "reporter",
                "staff",
                "system",
                name=op.f("ck_case_event_case_event_actor_kind"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_event_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("uq_case_event_case_id_seq", ["case_id", "seq"], unique=True)

    op.create_table(
        "report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "app",
                "sms",
                "voice",
                name=op.f("ck_report_report_channel"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("narrative_ct", sa.LargeBinary(), nullable=False),
        sa.Column(
            "immediate_danger",
            sa.Enum(
                "yes",
                "no",
                "unknown",
                name=op.f("ck_report_report_danger"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("place_ct", sa.LargeBinary(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("child_age", sa.SmallInteger(), nullable=True),
        sa.Column(
            "reporter_role",
            sa.Enum(
                "self",
                "other_child",
                "parent",
                "teacher",
                "other",
                "unknown",
                name=op.f("ck_report_report_reporter_role"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "contact_method",
            sa.Enum(
                "follow_up_only",
                "sms",
                name=op.f("ck_report_report_contact_method"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.LargeBinary(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_report_case_id_case")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_report_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_report_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_report_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_phone_index"), ["phone_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_school_id"), ["school_id"], unique=False)

    op.create_table(
        "follow_up_credential",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_follow_up_credential_case_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_follow_up_credential_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_credential")),
        sa.UniqueConstraint("report_id", name=op.f("uq_follow_up_credential_report_id")),
    )
    with op.batch_alter_table("follow_up_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_credential_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("code_salt", sa.LargeBinary(length=32), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        # Checked at commit: the idempotency claim is written before the report it names.
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_idempotency_record_report_id_report"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("scope", "key_hash", name=op.f("uq_idempotency_record_scope_key_hash")),
    )
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "app",
                "sms",
                "voice",
                name=op.f("ck_inbound_message_inbound_message_channel"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("provider_message_id", sa.String(length=64), nullable=False),
        sa.Column("payload_ct", sa.LargeBinary(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processed",
                "failed",
                name=op.f("ck_inbound_message_inbound_message_status"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_inbound_message_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint(
            "channel",
            "provider_message_id",
            name=op.f("uq_inbound_message_channel_provider_message_id"),
        ),
    )
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_table("inbound_message")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("follow_up_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_credential_case_id"))

    op.drop_table("follow_up_credential")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_school_id"))
        batch_op.drop_index(batch_op.f("ix_report_phone_index"))
        batch_op.drop_index(batch_op.f("ix_report_case_id"))

    op.drop_table("report")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("uq_case_event_case_id_seq")

    op.drop_table("case_event")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_school_id"))
        batch_op.drop_index(batch_op.f("ix_case_region_id"))
        batch_op.drop_index("ix_case_queue")
        batch_op.drop_index(batch_op.f("ix_case_category_id"))

    op.drop_table("case")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_region_id"))

    op.drop_table("school")
    op.drop_table("region")
    with op.batch_alter_table("follow_up_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_throttle_last_failure_at"))

    op.drop_table("follow_up_throttle")
    op.drop_table("category")
