"""Triage facts on cases and reports, workflow fields, SLA targets/calendars/clock index/notices, staff languages, shifts and on-call rota, case links, person mentions and pattern alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 02:34:52.717737
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_OLD_KINDS = [
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
]
_NEW_KINDS = [
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
_KIND = ("case_event", "kind", "ck_case_event_case_event_kind")
OLD_VALUES = {_KIND: _OLD_KINDS}
NEW_VALUES = {_KIND: _OLD_KINDS + _NEW_KINDS}
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
    op.create_table(
        "sla_notice",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "clock",
            sa.Enum(
                "acknowledge",
                "triage",
                "first_response",
                "referral_decision",
                "partner_acknowledgement",
                "closure_review",
                name=op.f("ck_sla_notice_sla_notice_clock"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("start_seq", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "case_id", "clock", "start_seq", "level", name=op.f("pk_sla_notice")
        ),
    )
    op.create_table(
        "holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_holiday_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday")),
    )
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_region_id"), ["region_id"], unique=False)

    op.create_table(
        "region_calendar",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_region_calendar_region_id_region")
        ),
        sa.PrimaryKeyConstraint("region_id", name=op.f("pk_region_calendar")),
    )
    op.create_table(
        "sla_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "clock",
            sa.Enum(
                "acknowledge",
                "triage",
                "first_response",
                "referral_decision",
                "partner_acknowledgement",
                "closure_review",
                name=op.f("ck_sla_target_sla_target_clock"),
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
                name=op.f("ck_sla_target_sla_target_priority"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_sla_target_category_id_category")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_target")),
        sa.UniqueConstraint(
            "clock",
            "priority",
            "category_id",
            name=op.f("uq_sla_target_clock_priority_category_id"),
        ),
    )
    op.create_table(
        "oncall_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_oncall_shift_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_oncall_shift_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_shift")),
    )
    with op.batch_alter_table("oncall_shift", schema=None) as batch_op:
        batch_op.create_index(
            "ix_oncall_shift_region_id_ends_at", ["region_id", "ends_at"], unique=False
        )

    op.create_table(
        "pattern_alert",
        sa.Column("name_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_pattern_alert_school_id_school")
        ),
        sa.PrimaryKeyConstraint("name_index", "school_id", name=op.f("pk_pattern_alert")),
    )
    op.create_table(
        "staff_language",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_language_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "language", name=op.f("pk_staff_language")),
    )
    op.create_table(
        "staff_shift",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_staff_shift_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_shift_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_shift")),
    )
    with op.batch_alter_table("staff_shift", schema=None) as batch_op:
        batch_op.create_index(
            "ix_staff_shift_region_id_ends_at", ["region_id", "ends_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_shift_user_id"), ["user_id"], unique=False)

    op.create_table(
        "case_link",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("other_case_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_link_case_id_case")),
        sa.ForeignKeyConstraint(
            ["other_case_id"], ["case.id"], name=op.f("fk_case_link_other_case_id_case")
        ),
        sa.PrimaryKeyConstraint("case_id", "other_case_id", name=op.f("pk_case_link")),
    )
    op.create_table(
        "person_mention",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_person_mention_case_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_person_mention_school_id_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_mention")),
    )
    with op.batch_alter_table("person_mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_mention_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_person_mention_name_index_school_id", ["name_index", "school_id"], unique=False
        )

    op.create_table(
        "sla_clock",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column(
            "clock",
            sa.Enum(
                "acknowledge",
                "triage",
                "first_response",
                "referral_decision",
                "partner_acknowledgement",
                "closure_review",
                name=op.f("ck_sla_clock_sla_clock_clock"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("start_seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_sla_clock_case_id_case")),
        sa.PrimaryKeyConstraint("case_id", "clock", "start_seq", name=op.f("pk_sla_clock")),
    )
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clock_next_notice_at",
            ["next_notice_at"],
            unique=False,
            postgresql_where=sa.text("next_notice_at IS NOT NULL"),
            sqlite_where=sa.text("next_notice_at IS NOT NULL"),
        )

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "perpetrator_role",
                sa.Enum(
                    "teacher",
                    "school_staff",
                    "official",
                    "carer",
                    "peer",
                    "online_stranger",
                    "other",
                    "unknown",
                    name=op.f("ck_case_case_perpetrator_role"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(
            sa.Column(
                "ongoing",
                sa.Enum(
                    "yes",
                    "no",
                    "unknown",
                    name=op.f("ck_case_case_ongoing"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(
            sa.Column(
                "injury",
                sa.Enum(
                    "yes",
                    "no",
                    "unknown",
                    name=op.f("ck_case_case_injury"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(sa.Column("child_age", sa.SmallInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("risk_score", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("triage_factors", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("child_views_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("child_views_missing", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("last_event_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("sla_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(
            "ix_case_region_queue", ["region_id", "status", "priority", "opened_at"], unique=False
        )
        batch_op.create_index(
            "ix_case_sla_stale",
            ["id"],
            unique=False,
            postgresql_where=sa.text("sla_seq < last_event_seq"),
            sqlite_where=sa.text("sla_seq < last_event_seq"),
        )

    _set_enum_values(NEW_VALUES)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "perpetrator_role",
                sa.Enum(
                    "teacher",
                    "school_staff",
                    "official",
                    "carer",
                    "peer",
                    "online_stranger",
                    "other",
                    "unknown",
                    name=op.f("ck_report_report_perpetrator_role"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(
            sa.Column(
                "ongoing",
                sa.Enum(
                    "yes",
                    "no",
                    "unknown",
                    name=op.f("ck_report_report_ongoing"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )
        batch_op.add_column(
            sa.Column(
                "injury",
                sa.Enum(
                    "yes",
                    "no",
                    "unknown",
                    name=op.f("ck_report_report_injury"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="unknown",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_report_report_perpetrator_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_report_report_ongoing"), type_="check")
        batch_op.drop_constraint(op.f("ck_report_report_injury"), type_="check")
        batch_op.drop_column("injury")
        batch_op.drop_column("ongoing")
        batch_op.drop_column("perpetrator_role")

    _set_enum_values(OLD_VALUES)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_case_sla_stale",
            postgresql_where=sa.text("sla_seq < last_event_seq"),
            sqlite_where=sa.text("sla_seq < last_event_seq"),
        )
        batch_op.drop_index("ix_case_region_queue")
        batch_op.drop_column("sla_seq")
        batch_op.drop_column("last_event_seq")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("child_views_missing")
        batch_op.drop_column("child_views_ct")
        batch_op.drop_column("outcome")
        batch_op.drop_column("triage_factors")
        batch_op.drop_column("risk_score")
        batch_op.drop_column("child_age")
        batch_op.drop_constraint(op.f("ck_case_case_perpetrator_role"), type_="check")
        batch_op.drop_constraint(op.f("ck_case_case_ongoing"), type_="check")
        batch_op.drop_constraint(op.f("ck_case_case_injury"), type_="check")
        batch_op.drop_column("injury")
        batch_op.drop_column("ongoing")
        batch_op.drop_column("perpetrator_role")

    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_clock_next_notice_at",
            postgresql_where=sa.text("next_notice_at IS NOT NULL"),
            sqlite_where=sa.text("next_notice_at IS NOT NULL"),
        )

    op.drop_table("sla_clock")
    with op.batch_alter_table("person_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_person_mention_name_index_school_id")
        batch_op.drop_index(batch_op.f("ix_person_mention_case_id"))

    op.drop_table("person_mention")
    op.drop_table("case_link")
    with op.batch_alter_table("staff_shift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_shift_user_id"))
        batch_op.drop_index("ix_staff_shift_region_id_ends_at")

    op.drop_table("staff_shift")
    op.drop_table("staff_language")
    op.drop_table("pattern_alert")
    with op.batch_alter_table("oncall_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_oncall_shift_region_id_ends_at")

    op.drop_table("oncall_shift")
    op.drop_table("sla_target")
    op.drop_table("region_calendar")
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_region_id"))

    op.drop_table("holiday")
    op.drop_table("sla_notice")
