"""Staff accounts, teams and sessions for tests (cheap argon2id; TOTP already set up)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.places.models import School
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.staff.accounts import create_user, ensure_team, link_school, set_teams
from casework.staff.models import Role, SessionStage, StaffUser
from casework.staff.passwords import PasswordHashing
from casework.staff.sessions import SessionPolicy, open_session
from casework.staff.signin import STAFF_PURPOSE
from casework.staff.totp import new_secret
from hotline.settings import Settings

CHEAP = PasswordHashing(time_cost=1, memory_kib=1024, parallelism=1)
PASSWORD = "correct horse battery staple 42"


def staff_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Development settings with cheap password hashing, no waits, a low lockout limit."""
    values: dict[str, object] = {
        "_env_file": None,
        "env": "development",
        "data_dir": tmp_path,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "password_hash_parallelism": 1,
        "login_slow_seconds": 0,
        "login_lock_after": 5,
        "intake_build_inline": True,  # see tests/conftest.py: settings
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Staff:
    """A test account: its id, name, password and TOTP secret."""

    id: uuid.UUID
    username: str
    password: str
    totp_secret: str | None


def make_staff(
    session: Session,
    keyring: Keyring,
    *,
    username: str,
    role: Role,
    now: dt.datetime,
    teams: tuple[str, ...] = (),
    schools: tuple[str, ...] = (),
    partner_id: uuid.UUID | None = None,
    enrolled: bool = True,
) -> Staff:
    """An active account, in these teams, linked to these schools, with TOTP set up."""
    user = create_user(
        session,
        keyring=keyring,
        username=username,
        display_name=username,
        role=role,
        password_hash=CHEAP.hash(PASSWORD),
        partner_id=partner_id,
        actor=SYSTEM,
        now=now,
    )
    if teams:
        set_teams(
            session, keyring=keyring, user=user, team_names=list(teams), actor=SYSTEM, now=now
        )
    for school in schools:
        link_school(session, user=user, school_code=school)
    secret = None
    if enrolled:
        secret = new_secret()
        user.totp_secret_ct = seal_text(
            keyring.purpose_key(session, STAFF_PURPOSE),
            table="staff_user",
            column="totp_secret",
            row_id=user.id,
            text=secret,
        )
        user.totp_confirmed_at = now
    session.flush()
    return Staff(user.id, user.username, PASSWORD, secret)


def make_team(session: Session, name: str, *regions: str) -> int:
    """A team covering these regions."""
    return ensure_team(session, name=name, region_codes=list(regions)).id


def signed_in(session: Session, user_id: uuid.UUID, *, now: dt.datetime) -> str:
    """An active session token for a user (as if they had signed in)."""
    return open_session(
        session, user_id=user_id, stage=SessionStage.ACTIVE, now=now, policy=SessionPolicy()
    )


def bearer(token: str) -> dict[str, str]:
    """The header an API client sends its session in."""
    return {"Authorization": f"Bearer {token}"}


def school_id(session: Session, code: str) -> int:
    """A demo school's id."""
    return session.scalars(select(School.id).where(School.code == code)).one()


__all__ = ["StaffUser"]
