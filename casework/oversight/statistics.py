"""How many cases by status, priority and category: counts only, never content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, true

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.context import Acting
from casework.staff.models import Role
from casework.taxonomy.models import Category


def figures_scope(acting: Acting) -> ColumnElement[bool]:
    """The cases whose figures the person acting may see: a supervisor the cases they may see,
    auditors and administrators all (figures only, never content)."""
    if acting.principal.role is Role.SUPERVISOR:
        return case_filter(acting.principal, Action.CASE_READ, now=acting.now)
    return true()


@dataclass(frozen=True)
class CaseCounts:
    """Cases counted by status, by priority and by category code."""

    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]


def case_counts(acting: Acting) -> CaseCounts:
    """The counts (audited): supervisors count the cases they may see; auditors and
    administrators count all."""
    acting.require(Action.STATS_READ)
    session = acting.session
    scope = figures_scope(acting)

    def counted(column: Any) -> dict[str, int]:
        rows = session.execute(select(column, func.count()).where(scope).group_by(column))
        return {str(k): int(n) for k, n in rows}

    by_category = {
        code: int(n)
        for code, n in session.execute(
            select(Category.code, func.count(Case.id))
            .join(Case, Case.category_id == Category.id)
            .where(scope)
            .group_by(Category.code)
        )
    }
    record_event(
        session,
        keyring=acting.keyring,
        action=AuditAction.STATS_READ,
        actor=acting.principal.actor,
        object_type="statistics",
        object_id="-",
        details={},
        now=acting.now,
    )
    return CaseCounts(
        by_status=counted(Case.status),
        by_priority=counted(Case.priority),
        by_category=by_category,
    )
