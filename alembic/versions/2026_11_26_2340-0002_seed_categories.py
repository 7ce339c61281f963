"""Seed the report categories (Child Helpline International taxonomy, school-specific ones).

Data migration, kept apart from schema changes. The list is written out here, not imported,
so this migration means the same thing forever. ``code`` never changes; ``chi_group`` is the
Child Helpline International top-level category used in statistics exports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = [
    # code, staff-facing name, CHI group
    ("physical_abuse", "Physical abuse", "violence"),
    ("sexual_abuse", "Sexual abuse", "violence"),
    ("emotional_abuse", "Emotional abuse", "violence"),
    ("neglect", "Neglect", "violence"),
    ("corporal_punishment", "Corporal punishment", "violence"),
    ("bullying", "Bullying", "violence"),
    ("cyberbullying", "Cyberbullying", "violence"),
    ("online_sexual_exploitation", "Online sexual exploitation", "exploitation"),
    ("child_marriage", "Child marriage", "exploitation"),
    ("child_labour", "Child labour", "exploitation"),
    ("trafficking", "Trafficking", "exploitation"),
    ("domestic_violence", "Domestic violence", "violence"),
    ("self_harm", "Self-harm or suicidal thoughts", "mental_health"),
    ("discrimination", "Discrimination (including LGBTIQ)", "discrimination"),
    ("radicalisation", "Radicalisation", "other"),
    ("other", "Other", "other"),
]

category = sa.table(
    "category",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("chi_group", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(
        category,
        [
            {
                "id": i,
                "code": code,
                "name": name,
                "chi_group": group,
                "sort_order": i * 10,
                "active": True,
            }
            for i, (code, name, group) in enumerate(CATEGORIES, start=1)
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids were inserted; move the sequence past them for categories added later.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('category', 'id'), (SELECT max(id) FROM category))"
        )


def downgrade() -> None:
    codes = [code for code, _, _ in CATEGORIES]
    op.execute(category.delete().where(category.c.code.in_(codes)))
