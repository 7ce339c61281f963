"""Administering staff accounts and teams as use cases: each declares the action it needs
(``users.manage`` for accounts, ``config.manage`` for teams) and is audited with who did it -
a member of staff, or the operator at the command line, who names accounts, partners and
teams by name. The password hash of a new account is made by the caller, outside the
transaction, after ``check_new_account`` (or ``check_new_password``) accepted the password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from casework.access.policy import Action
from casework.administration.operator import Administering, audited_by
from casework.audit.record import AuditAction, record_event
from casework.errors import InvalidInput, NotFound
from casework.partners.directory import partner_named
from casework.staff.accounts import (
    check_new_password,
    create_user,
    disable_user,
    ensure_team,
    link_school,
    reset_mfa,
    set_role,
    set_teams,
    team_named,
    user_by_username,
)
from casework.staff.models import Role, StaffUser

# An account by its id, or by its username (as the command line names it).
AccountRef = uuid.UUID | str


def _account(who: Administering, user: AccountRef) -> StaffUser:
    """An account to administer, by id or by username (NotAllowed for a role that may not;
    NotFound)."""
    who.require(Action.USERS_MANAGE)
    if isinstance(user, str):
        return user_by_username(who.session, user)
    found = who.session.get(StaffUser, user)
    if found is None:
        raise NotFound("no such user")
    return found


def accounts(who: Administering) -> list[StaffUser]:
    """Every account, by username."""
    who.require(Action.USERS_MANAGE)
    return list(who.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def check_new_account(who: Administering, *, username: str, password: str) -> None:
    """Refuse, before its hash is made, a new account its maker may not create or whose
    password is not allowed."""
    who.require(Action.USERS_MANAGE)
    check_new_password(password, username=username)


def add_account(
    who: Administering,
    *,
    username: str,
    display_name: str,
    role: Role,
    password_hash: str,
    partner_id: uuid.UUID | None = None,
    partner_name: str | None = None,
    teams: list[str] | None = None,
) -> StaffUser:
    """A new account, in these teams, of the partner given by id or by name; it sets up TOTP
    at its first sign-in."""
    who.require(Action.USERS_MANAGE)
    if partner_name is not None:
        partner = partner_named(who.session, partner_name)
        if partner is None:
            raise InvalidInput("partner", "No such partner.")
        partner_id = partner.id
    user = create_user(
        **audited_by(who),
        username=username,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        partner_id=partner_id,
    )
    if teams:
        set_teams(**audited_by(who), user=user, team_names=teams)
    return user


def disable_account(who: Administering, user_id: AccountRef) -> None:
    """No more sign-ins; every session ends."""
    disable_user(**audited_by(who), user=_account(who, user_id))


def reset_account_mfa(who: Administering, user_id: AccountRef) -> None:
    """Forget the account's authenticator: it enrols again at the next sign-in."""
    reset_mfa(**audited_by(who), user=_account(who, user_id))


def change_account_role(who: Administering, user_id: AccountRef, *, role: Role) -> None:
    """A new role; every session of the account ends."""
    set_role(**audited_by(who), user=_account(who, user_id), role=role)


def change_account_teams(who: Administering, user_id: AccountRef, *, teams: list[str]) -> None:
    """The teams a member of staff is in (replacing the old ones)."""
    set_teams(**audited_by(who), user=_account(who, user_id), team_names=teams)


def link_account_school(who: Administering, user_id: AccountRef, *, school: str) -> None:
    """Record a conflict of interest: this person never sees restricted cases about the
    school."""
    link_school(**audited_by(who), user=_account(who, user_id), school_code=school)


@dataclass(frozen=True)
class SavedTeam:
    """A team as saved: its id, and whether it is new."""

    id: int
    new: bool


def save_team(who: Administering, *, name: str, regions: list[str], national: bool) -> SavedTeam:
    """A team and the regions it covers (created, or its regions replaced), recorded as a
    routing change; UnknownRegions names the codes that are no region."""
    who.require(Action.CONFIG_MANAGE)
    new = team_named(who.session, name) is None
    codes = sorted(set(regions))
    team = ensure_team(who.session, name=name, region_codes=codes, national=national)
    record_event(
        **audited_by(who),
        action=AuditAction.ROUTING_CHANGED,
        object_type="team",
        object_id=str(team.id),
        details={"name": name, "regions": codes, "national": national, "new": new},
    )
    return SavedTeam(team.id, new)
