"""Staff identity (users, teams, sessions, throttles), case access (assignment, restriction, grants, notes), partners, API keys and referrals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:02:04.175542
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_CASE_EVENT_KINDS = ["opened", "report_received", "priority_assessed", "status_changed"]
_NEW_CASE_EVENT_KINDS = [
    "assigned",
    "restriction_changed",
    "note_added",
    "message_sent",
    "access_granted",
    "referred",
]
_OUTBOX_KINDS = ["sms", "alert", "media_fetch", "media_delete"]
# (table, column, constraint name) -> values
_ACTOR_KINDS = ["reporter", "staff", "system"]
OLD_VALUES = {
    ("case_event", "kind", "ck_case_event_case_event_kind"): _CASE_EVENT_KINDS,
    ("case_event", "actor_kind", "ck_case_event_case_event_actor_kind"): _ACTOR_KINDS,
    ("outbox_message", "kind", "ck_outbox_message_outbox_message_kind"): _OUTBOX_KINDS,
}
NEW_VALUES = {
    ("case_event", "kind", "ck_case_event_case_event_kind"): _CASE_EVENT_KINDS
    + _NEW_CASE_EVENT_KINDS,
    ("case_event", "actor_kind", "ck_case_event_case_event_actor_kind"): [
        *_ACTOR_KINDS,
        "partner",
    ],
    ("outbox_message", "kind", "ck_outbox_message_outbox_message_kind"): [
        *_OUTBOX_KINDS,
        "staff_notice",
    ],
}
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
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttle_locked_until"), ["locked_until"], unique=False
        )

    op.create_table(
        "partner",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_name")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("name", name=op.f("uq_team_name")),
    )
    op.create_table(
        "partner_api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_api_key_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_partner_api_key_prefix")),
    )
    with op.batch_alter_table("partner_api_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_api_key_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "caseworker",
                "supervisor",
                "administrator",
                "partner",
                "auditor",
                name=op.f("ck_staff_user_staff_user_role"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret_ct", sa.LargeBinary(), nullable=True),
        sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_staff_user_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_user_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "team_region",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_team_region_region_id_region")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_team_region_team_id_team")),
        sa.PrimaryKeyConstraint("team_id", "region_id", name=op.f("pk_team_region")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_recovery_code_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_user_id"), ["user_id"], unique=False)

    op.create_table(
        "staff_notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("source_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_notification_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notification")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_staff_notification_source_ref")),
    )
    with op.batch_alter_table("staff_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_notification_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "staff_school_link",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_staff_school_link_school_id_school")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_school_link_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "school_id", name=op.f("pk_staff_school_link")),
    )
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "mfa",
                "enrol",
                "active",
                name=op.f("ck_staff_session_staff_session_stage"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_session_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_session_token_hash")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_session_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staff_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_team_member_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_member")),
    )
    op.create_table(
        "case_access_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "named",
                "break_glass",
                name=op.f("ck_case_access_grant_case_access_grant_kind"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_access_grant_case_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_case_access_grant_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_access_grant")),
    )
    with op.batch_alter_table("case_access_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_access_grant_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_access_grant_user_id"), ["user_id"], unique=False)

    op.create_table(
        "case_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff_user.id"], name=op.f("fk_case_note_author_id_staff_user")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_note_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "acknowledged",
                "accepted",
                "declined",
                "in_progress",
                "completed",
                "withdrawn",
                name=op.f("ck_referral_referral_status"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("summary_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_referral_case_id_case")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_referral_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_case_assigned_to_id"), ["assigned_to_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_team_id"), ["team_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_assigned_to_id_staff_user"),
            "staff_user",
            ["assigned_to_id"],
            ["id"],
        )
        batch_op.create_foreign_key(batch_op.f("fk_case_team_id_team"), "team", ["team_id"], ["id"])

    _set_enum_values(NEW_VALUES)


def downgrade() -> None:
    _set_enum_values(OLD_VALUES)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_team_id_team"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_case_assigned_to_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_team_id"))
        batch_op.drop_index(batch_op.f("ix_case_assigned_to_id"))
        batch_op.drop_column("restricted")
        batch_op.drop_column("team_id")
        batch_op.drop_column("assigned_to_id")

    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_partner_id"))
        batch_op.drop_index(batch_op.f("ix_referral_case_id"))

    op.drop_table("referral")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))

    op.drop_table("case_note")
    with op.batch_alter_table("case_access_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_access_grant_user_id"))
        batch_op.drop_index(batch_op.f("ix_case_access_grant_case_id"))

    op.drop_table("case_access_grant")
    op.drop_table("team_member")
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_session_expires_at"))

    op.drop_table("staff_session")
    op.drop_table("staff_school_link")
    with op.batch_alter_table("staff_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notification_user_id"))

    op.drop_table("staff_notification")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_user_id"))

    op.drop_table("recovery_code")
    op.drop_table("team_region")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_user_partner_id"))

    op.drop_table("staff_user")
    with op.batch_alter_table("partner_api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_api_key_partner_id"))

    op.drop_table("partner_api_key")
    op.drop_table("team")
    op.drop_table("partner")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_locked_until"))

    op.drop_table("login_throttle")
