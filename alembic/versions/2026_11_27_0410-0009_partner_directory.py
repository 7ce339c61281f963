"""Partner directory: what a partner is, where and for what it helps, in which languages, how
it hears of referrals (webhook, e-mail, polling), its sealed contact details, whether it is
active, and the school it belongs to (a school's safeguarding lead).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_category",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_partner_category_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_category_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("partner_id", "category_id", name=op.f("pk_partner_category")),
    )
    op.create_table(
        "partner_language",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_language_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("partner_id", "language", name=op.f("pk_partner_language")),
    )
    op.create_table(
        "partner_region",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_region_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_partner_region_region_id_region")
        ),
        sa.PrimaryKeyConstraint("partner_id", "region_id", name=op.f("pk_partner_region")),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column(
                "delivery",
                sa.Enum(
                    "webhook",
                    "email",
                    "poll",
                    name=op.f("ck_partner_partner_delivery"),
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=False,
                server_default="poll",
            )
        )
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("webhook_secret_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("webhook_disabled_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("email_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("contact_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_school_id_school"), "school", ["school_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_partner_school_id_school"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_partner_partner_delivery"), type_="check")
        batch_op.drop_column("school_id")
        batch_op.drop_column("contact_ct")
        batch_op.drop_column("email_ct")
        batch_op.drop_column("webhook_disabled_at")
        batch_op.drop_column("webhook_secret_ct")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("delivery")
        batch_op.drop_column("active")
    op.drop_table("partner_region")
    op.drop_table("partner_language")
    op.drop_table("partner_category")
