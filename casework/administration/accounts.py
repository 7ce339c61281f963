"""Administering staff accounts and teams as use cases: each declares the action it needs
(``users.manage`` for accounts, ``config.manage`` for teams) and is audited with who did it.
The password hash of a new account is made by the caller, outside the transaction, after
``check_new_account`` accepted the password."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from casework.access.policy import Action
from casework.audit.acting import audited_as
from casework.context import Acting
from casework.errors import NotFound
from casework.staff.accounts import (
    check_new_password,
    create_user,
    disable_user,
    ensure_team,
    link_school,
    reset_mfa,
    set_role,
    set_teams,
)
from casework.staff.models import Role, StaffUser


def _account(acting: Acting, user_id: uuid.UUID) -> StaffUser:
    """An account to administer (NotAllowed for a role that may not; NotFound)."""
    acting.require(Action.USERS_MANAGE)
    user = acting.session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def accounts(acting: Acting) -> list[StaffUser]:
    """Every account, by username."""
    acting.require(Action.USERS_MANAGE)
    return list(acting.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def check_new_account(acting: Acting, *, username: str, password: str) -> None:
    """Refuse, before its hash is made, a new account its maker may not create or whose
    password is not allowed."""
    acting.require(Action.USERS_MANAGE)
    check_new_password(password, username=username)


def add_account(
    acting: Acting,
    *,
    username: str,
    display_name: str,
    role: Role,
    password_hash: str,
    partner_id: uuid.UUID | None = None,
    teams: list[str] | None = None,
) -> StaffUser:
    """A new account, in these teams; it sets up TOTP at its first sign-in."""
    acting.require(Action.USERS_MANAGE)
    user = create_user(
        **audited_as(acting),
        username=username,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        partner_id=partner_id,
    )
    if teams:
        set_teams(**audited_as(acting), user=user, team_names=teams)
    return user


def disable_account(acting: Acting, user_id: uuid.UUID) -> None:
    """No more sign-ins; every session ends."""
    disable_user(**audited_as(acting), user=_account(acting, user_id))


def reset_account_mfa(acting: Acting, user_id: uuid.UUID) -> None:
    """Forget the account's authenticator: it enrols again at the next sign-in."""
    reset_mfa(**audited_as(acting), user=_account(acting, user_id))


def change_account_role(acting: Acting, user_id: uuid.UUID, *, role: Role) -> None:
    """A new role; every session of the account ends."""
    set_role(**audited_as(acting), user=_account(acting, user_id), role=role)


def change_account_teams(acting: Acting, user_id: uuid.UUID, *, teams: list[str]) -> None:
    """The teams a member of staff is in (replacing the old ones)."""
    set_teams(**audited_as(acting), user=_account(acting, user_id), team_names=teams)


def link_account_school(acting: Acting, user_id: uuid.UUID, *, school: str) -> None:
    """Record a conflict of interest: this person never sees restricted cases about the
    school."""
    link_school(**audited_as(acting), user=_account(acting, user_id), school_code=school)


def save_team(acting: Acting, *, name: str, regions: list[str], national: bool) -> int:
    """A team and the regions it covers (created or updated); returns its id."""
    acting.require(Action.CONFIG_MANAGE)
    return ensure_team(acting.session, name=name, region_codes=regions, national=national).id
