"""Managing staff accounts: create, change password, disable, reset MFA, change role, teams.

Every change is audited with who made it. A change to a password, the second factor or the
role ends every session of that account at once. Password hashes are made by the caller
(outside the transaction: argon2id is slow on purpose).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.actors import Actor
from casework.audit.record import AuditAction, record_event
from casework.context import Unit
from casework.errors import InvalidInput, NotFound
from casework.partners.models import Partner
from casework.places.models import Region, School
from casework.places.repository import all_regions
from casework.protection.keys import Keyring
from casework.staff.models import (
    RecoveryCode,
    Role,
    StaffSchoolLink,
    StaffUser,
    Team,
    TeamMember,
    TeamRegion,
)
from casework.staff.passwords import PasswordProblem, password_problem
from casework.staff.sessions import revoke_all
from casework.staff.signin import normalise_username

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_PROBLEMS = {
    PasswordProblem.TOO_SHORT: "Use at least 12 characters; a few unrelated words work well.",
    PasswordProblem.TOO_LONG: "Use at most 128 characters.",
    PasswordProblem.COMMON: "This password is one of the most common ones; choose another.",
    PasswordProblem.GUESSABLE: "This password is too easy to guess; add more unrelated words.",
    PasswordProblem.CONTAINS_USERNAME: "The password must not contain the username.",
}


def check_new_password(password: str, *, username: str) -> None:
    """Raise InvalidInput (field ``password``) when a new password is not allowed."""
    problem = password_problem(password, username=normalise_username(username))
    if problem is not None:
        raise InvalidInput("password", _PROBLEMS[problem])


def _audit(
    session: Session,
    keyring: Keyring,
    action: AuditAction,
    *,
    actor: Actor,
    user: StaffUser,
    details: dict[str, object],
    now: dt.datetime,
) -> None:
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=actor,
        object_type="staff_user",
        object_id=str(user.id),
        details=details,
        now=now,
    )


def create_user(
    session: Session,
    *,
    keyring: Keyring,
    username: str,
    display_name: str,
    role: Role,
    password_hash: str,
    actor: Actor,
    now: dt.datetime,
    partner_id: uuid.UUID | None = None,
) -> StaffUser:
    """A new account (it must enrol TOTP at its first sign-in)."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise InvalidInput("username", "Use 3 to 64 letters, digits, dots, dashes or underscores.")
    if session.scalars(select(StaffUser.id).where(StaffUser.username == name)).first():
        raise InvalidInput("username", "That username is taken.")
    if (role is Role.PARTNER) != (partner_id is not None):
        raise InvalidInput("partner", "A partner user belongs to exactly one partner.")
    if partner_id is not None and session.get(Partner, partner_id) is None:
        raise InvalidInput("partner", "No such partner.")
    user = StaffUser(
        username=name,
        display_name=display_name.strip()[:120] or name,
        role=role,
        partner_id=partner_id,
        password_hash=password_hash,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    _audit(
        session,
        keyring,
        AuditAction.STAFF_USER_CREATED,
        actor=actor,
        user=user,
        details={"role": role.value},
        now=now,
    )
    return user


def user_by_username(session: Session, username: str) -> StaffUser:
    """An account by name (NotFound when there is none)."""
    user = session.scalars(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    ).first()
    if user is None:
        raise NotFound("no such user")
    return user


def set_password(
    session: Session,
    *,
    keyring: Keyring,
    user: StaffUser,
    password_hash: str,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """A new password: every session of the account ends."""
    user.password_hash = password_hash
    user.password_changed_at = now
    revoke_all(session, user.id, now=now)
    _audit(
        session,
        keyring,
        AuditAction.STAFF_PASSWORD_CHANGED,
        actor=actor,
        user=user,
        details={},
        now=now,
    )


def disable_user(
    session: Session, *, keyring: Keyring, user: StaffUser, actor: Actor, now: dt.datetime
) -> None:
    """No more sign-ins; every session ends."""
    user.active = False
    revoke_all(session, user.id, now=now)
    _audit(
        session,
        keyring,
        AuditAction.STAFF_USER_DISABLED,
        actor=actor,
        user=user,
        details={},
        now=now,
    )


def reset_mfa(
    session: Session, *, keyring: Keyring, user: StaffUser, actor: Actor, now: dt.datetime
) -> None:
    """Forget the second factor and recovery codes: enrolment again at the next sign-in."""
    user.totp_secret_ct = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_all(session, user.id, now=now)
    _audit(
        session, keyring, AuditAction.STAFF_MFA_RESET, actor=actor, user=user, details={}, now=now
    )


def set_role(
    session: Session,
    *,
    keyring: Keyring,
    user: StaffUser,
    role: Role,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """A new role; every session ends (the old role's access must not linger)."""
    if role is Role.PARTNER or user.role is Role.PARTNER:
        raise InvalidInput("role", "Partner accounts are separate accounts.")
    before = user.role
    user.role = role
    revoke_all(session, user.id, now=now)
    _audit(
        session,
        keyring,
        AuditAction.STAFF_ROLE_CHANGED,
        actor=actor,
        user=user,
        details={"from": before.value, "to": role.value},
        now=now,
    )


class UnknownRegions(InvalidInput):
    """A team was to cover regions that do not exist."""

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        super().__init__("regions", "Unknown region code.")
        self.unknown = unknown
        self.known = known


def team_named(session: Session, name: str) -> Team | None:
    """The team of this name, if any."""
    return session.scalars(select(Team).where(Team.name == name)).first()


def ensure_team(
    session: Session, *, name: str, region_codes: list[str], national: bool = False
) -> Team:
    """A team covering these regions (created, or its regions replaced); UnknownRegions
    names the codes that are no region."""
    regions = session.scalars(select(Region).where(Region.code.in_(region_codes))).all()
    if len(regions) != len(set(region_codes)):
        known = sorted(region.code for region in all_regions(session))
        raise UnknownRegions(sorted(set(region_codes) - set(known)), known)
    team = team_named(session, name)
    if team is None:
        team = Team(name=name, national=national)
        session.add(team)
        session.flush()
    team.national = national
    session.execute(delete(TeamRegion).where(TeamRegion.team_id == team.id))
    session.add_all(TeamRegion(team_id=team.id, region_id=r.id) for r in regions)
    session.flush()
    return team


def set_teams(
    session: Session,
    *,
    keyring: Keyring,
    user: StaffUser,
    team_names: list[str],
    actor: Actor,
    now: dt.datetime,
) -> None:
    """The teams a member of staff belongs to (replacing the old ones)."""
    teams = session.scalars(select(Team).where(Team.name.in_(team_names))).all()
    if len(teams) != len(set(team_names)):
        raise InvalidInput("teams", "Unknown team.")
    session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
    session.add_all(TeamMember(team_id=t.id, user_id=user.id) for t in teams)
    _audit(
        session,
        keyring,
        AuditAction.STAFF_TEAMS_CHANGED,
        actor=actor,
        user=user,
        details={"teams": sorted(t.name for t in teams)},
        now=now,
    )
    session.flush()


def link_school(
    session: Session,
    *,
    user: StaffUser,
    school_code: str,
    keyring: Keyring | None = None,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Record that a member of staff is connected to a school (a conflict of interest):
    from now on they never see a restricted case about that school."""
    school = session.scalars(select(School).where(School.code == school_code)).first()
    if school is None:
        raise InvalidInput("school", "Unknown school.")
    if session.get(StaffSchoolLink, (user.id, school.id)) is None:
        session.add(StaffSchoolLink(user_id=user.id, school_id=school.id))
        session.flush()
    if keyring is not None and actor is not None and now is not None:
        _audit(
            session,
            keyring,
            AuditAction.STAFF_SCHOOL_LINKED,
            actor=actor,
            user=user,
            details={"school": school.code},
            now=now,
        )


def upgrade_password_hash(unit: Unit, *, user_id: uuid.UUID, old_hash: str, new_hash: str) -> None:
    """Store a hash made with today's costs for the same password (no session ends)."""
    user = unit.session.get(StaffUser, user_id)
    if user is not None and user.password_hash == old_hash:
        user.password_hash = new_hash
        unit.session.flush()


@dataclass(frozen=True)
class AccountListing:
    """What an administrator sees of an account in a list: no secrets, no phone."""

    username: str
    display_name: str
    role: Role
    active: bool
    teams: tuple[str, ...]
    totp_set_up: bool


def list_accounts(session: Session) -> list[AccountListing]:
    """Every account, by username, with its teams."""
    teams: dict[uuid.UUID, list[str]] = defaultdict(list)
    for user_id, team_name in session.execute(
        select(TeamMember.user_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .order_by(Team.name)
    ):
        teams[user_id].append(team_name)
    rows = session.execute(
        select(
            StaffUser.id,
            StaffUser.username,
            StaffUser.display_name,
            StaffUser.role,
            StaffUser.active,
            StaffUser.totp_confirmed_at,
        ).order_by(StaffUser.username)
    )
    return [
        AccountListing(
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            active=row.active,
            teams=tuple(teams[row.id]),
            totp_set_up=row.totp_confirmed_at is not None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class TeamListing:
    """A team, the regions it covers (all of them when national) and how many are in it."""

    name: str
    national: bool
    regions: tuple[str, ...]
    members: int


def list_teams(session: Session) -> list[TeamListing]:
    """Every team, by name."""
    regions: dict[int, list[str]] = defaultdict(list)
    for team_id, code in session.execute(
        select(TeamRegion.team_id, Region.code)
        .join(Region, Region.id == TeamRegion.region_id)
        .order_by(Region.code)
    ):
        regions[team_id].append(code)
    members: dict[int, int] = {
        team_id: int(count)
        for team_id, count in session.execute(
            select(TeamMember.team_id, func.count()).group_by(TeamMember.team_id)
        )
    }
    return [
        TeamListing(
            name=team.name,
            national=team.national,
            regions=tuple(regions[team.id]),
            members=members.get(team.id, 0),
        )
        for team in session.scalars(select(Team).order_by(Team.name))
    ]
