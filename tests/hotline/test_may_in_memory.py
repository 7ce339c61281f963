"""The access policy decided in memory (for a case not written yet) agrees with the policy as
SQL, cell by cell, for every member of staff and every case of the access world."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from casework.access.policy import Action
from casework.access.scope import case_filter, load_principal, may_in_memory
from casework.cases.models import Case
from casework.staff.models import StaffUser
from hotline.runtime.database import Database
from tests.hotline.staff_world import NOW, World


@pytest.mark.parametrize("action", [Action.CASE_READ, Action.CASE_WORK, Action.CASE_ASSIGN])
def test_in_memory_and_in_sql_agree(world: World, action: Action) -> None:
    def compare(s):  # type: ignore[no-untyped-def]
        disagree = []
        for (who, user_id), (name, case_id) in itertools.product(
            world.users.items(), world.cases.items()
        ):
            principal = load_principal(s, s.get_one(StaffUser, user_id))
            case = s.get_one(Case, case_id)
            in_sql = s.scalar(
                select(Case.id).where(Case.id == case_id, case_filter(principal, action, now=NOW))
            )
            if may_in_memory(s, principal, case, action, now=NOW) != (in_sql is not None):
                disagree.append((who, name))
        return disagree

    assert Database(world.engine).run(compare, write=False) == []
