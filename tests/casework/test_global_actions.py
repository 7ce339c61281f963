"""Use cases that are not about one case declare the global action they need themselves:
a role without it is refused (NotAllowed, 403 at the API) before anything is read or written,
and no route or page declares an action or queries the database itself."""

from __future__ import annotations

import datetime as dt
import pathlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from casework.access.policy import Action, may_globally
from casework.access.scope import Principal
from casework.administration.accounts import (
    accounts,
    add_account,
    change_account_role,
    change_account_teams,
    check_new_account,
    disable_account,
    link_account_school,
    reset_account_mfa,
    save_team,
)
from casework.administration.partners import (
    issue_api_key,
    partner_directory,
    save_partner_profile,
    withdraw_api_key,
)
from casework.administration.routing import (
    change_calendar,
    change_languages,
    change_phone,
    change_target,
    new_holiday,
    plan_shift,
    sla_targets,
    stop_shift,
)
from casework.clock import FixedClock
from casework.context import Acting
from casework.enums import Priority
from casework.errors import NotAllowed
from casework.oversight.audit_viewer import audit_entries, audit_status
from casework.oversight.statistics import case_counts
from casework.oversight.supervision import supervision
from casework.partners.directory import PartnerProfile
from casework.partners.models import PartnerType
from casework.protection.keys import Keyring
from casework.sla.models import ClockKind
from casework.staff.models import Role
from hotline.runtime.database import Database

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
SOMEONE = uuid.uuid4()
UseCase = Callable[..., Any]

# Each use case, how it is called, and the action it must need.
CASES: list[tuple[UseCase, dict[str, Any], Action]] = [
    (accounts, {}, Action.USERS_MANAGE),
    (check_new_account, {"username": "new.person", "password": "x"}, Action.USERS_MANAGE),
    (
        add_account,
        {
            "username": "new.person",
            "display_name": "N",
            "role": Role.CASEWORKER,
            "password_hash": "h",
        },
        Action.USERS_MANAGE,
    ),
    (disable_account, {"user_id": SOMEONE}, Action.USERS_MANAGE),
    (reset_account_mfa, {"user_id": SOMEONE}, Action.USERS_MANAGE),
    (change_account_role, {"user_id": SOMEONE, "role": Role.AUDITOR}, Action.USERS_MANAGE),
    (change_account_teams, {"user_id": SOMEONE, "teams": []}, Action.USERS_MANAGE),
    (link_account_school, {"user_id": SOMEONE, "school": "x"}, Action.USERS_MANAGE),
    (save_team, {"name": "T", "regions": [], "national": True}, Action.CONFIG_MANAGE),
    (partner_directory, {}, Action.CONFIG_MANAGE),
    (
        save_partner_profile,
        {"profile": PartnerProfile(name="P", kind=PartnerType.NGO)},
        Action.CONFIG_MANAGE,
    ),
    (issue_api_key, {"partner_id": SOMEONE, "label": "k"}, Action.CONFIG_MANAGE),
    (withdraw_api_key, {"key_id": SOMEONE}, Action.CONFIG_MANAGE),
    (change_languages, {"user_id": SOMEONE, "languages": ["en"]}, Action.ROTA_MANAGE),
    (
        change_phone,
        {"user_id": SOMEONE, "phone": None, "default_region": None},
        Action.ROTA_MANAGE,
    ),
    (
        plan_shift,
        {
            "user_id": SOMEONE,
            "region": None,
            "starts_at": NOW,
            "ends_at": NOW + dt.timedelta(hours=1),
            "on_call": False,
        },
        Action.ROTA_MANAGE,
    ),
    (stop_shift, {"shift": "shift:x"}, Action.ROTA_MANAGE),
    (sla_targets, {}, Action.CONFIG_MANAGE),
    (
        change_target,
        {
            "clock": ClockKind.TRIAGE,
            "priority": Priority.P1,
            "category": None,
            "minutes": 5,
            "business_hours": False,
        },
        Action.CONFIG_MANAGE,
    ),
    (change_calendar, {"region": "x", "timezone": "UTC", "hours": {}}, Action.CONFIG_MANAGE),
    (new_holiday, {"region": None, "day": NOW.date(), "name": "h"}, Action.CONFIG_MANAGE),
    (audit_entries, {}, Action.AUDIT_READ),
    (audit_status, {}, Action.AUDIT_READ),
    (case_counts, {}, Action.STATS_READ),
]


def _acting(session: Any, keyring: Keyring, role: Role) -> Acting:
    principal = Principal(uuid.uuid4(), role, frozenset(), frozenset(), False, frozenset())
    return Acting(session, keyring, FixedClock(NOW), NOW, principal)


@pytest.mark.parametrize(
    ("use_case", "kwargs", "action"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_a_role_without_the_action_is_refused_first(
    db: Database, keyring: Keyring, use_case: UseCase, kwargs: dict[str, Any], action: Action
) -> None:
    refused = [role for role in Role if not may_globally(role, action)]
    assert refused  # every one of these actions is denied to someone
    for role in refused:
        with pytest.raises(NotAllowed):
            db.run(lambda s, r=role: use_case(_acting(s, keyring, r), **kwargs), write=False)


def test_only_supervisors_see_the_supervision_page(db: Database, keyring: Keyring) -> None:
    for role in Role:
        if role is Role.SUPERVISOR:
            continue
        with pytest.raises(NotAllowed):
            db.run(
                lambda s, r=role: supervision(_acting(s, keyring, r), installation_phones=0),
                write=False,
            )


def test_no_route_or_page_declares_an_action_or_queries() -> None:
    """Routes and pages parse, call one use case and shape the answer: the action a use case
    needs is declared beside it, and the queries are in casework."""
    hotline = pathlib.Path(__file__).parents[2] / "hotline"
    modules = list(hotline.rglob("routes*.py"))
    assert len(modules) > 10
    offenders = [
        str(path)
        for path in modules
        for text in [path.read_text()]
        if "may_globally(" in text or "from sqlalchemy" in text or "select(" in text
    ]
    assert offenders == []
