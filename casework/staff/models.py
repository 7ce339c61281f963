"""Staff users, teams and the regions they cover, sessions, recovery codes, login throttles.

Secrets are never stored: passwords and recovery codes as argon2id hashes, session tokens as
SHA-256 (they are 256-bit random, so a fast hash is enough), the TOTP secret sealed under the
installation's "staff" key (it must be read to check a code).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, str_enum
from casework.ids import new_id


class Role(enum.StrEnum):
    """What a member of staff is there to do."""

    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    PARTNER = "partner"  # a user of a partner organisation
    AUDITOR = "auditor"


class StaffUser(Base):
    """One person who signs in to the console or the staff API."""

    __tablename__ = "staff_user"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Case-folded; unique. A login name, not an e-mail address (nothing is sent to it).
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_user_role"))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partner.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # for on-duty alerts
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"StaffUser({self.username!r}, {self.role.value})"


class Team(Base):
    """A group of staff with a queue; it covers some regions (or all of them)."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # A national team covers every region, and cases whose region is not known.
    national: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"Team({self.name!r})"


class TeamRegion(Base):
    """A region a team covers."""

    __tablename__ = "team_region"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)


class TeamMember(Base):
    """A member of staff in a team."""

    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)


class StaffSchoolLink(Base):
    """A member of staff connected to a school (worked there, family there): a conflict of
    interest for restricted cases about that school's staff."""

    __tablename__ = "staff_school_link"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)


class RecoveryCode(Base):
    """One single-use recovery code (argon2id hash), for when the TOTP device is lost."""

    __tablename__ = "recovery_code"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SessionStage(enum.StrEnum):
    """How far a sign-in has come."""

    MFA = "mfa"  # password right; waiting for a TOTP or recovery code
    ENROL = "enrol"  # password right; TOTP not set up yet: only enrolment is allowed
    ACTIVE = "active"  # signed in


class StaffSession(Base):
    """A server-side session; the browser or client holds only the random token."""

    __tablename__ = "staff_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    stage: Mapped[SessionStage] = mapped_column(str_enum(SessionStage, "staff_session_stage"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"StaffSession({self.id}, {self.stage.value})"


class LoginThrottle(Base):
    """Failed sign-ins per account name (existing or not) and per client address.

    Keyed by an HMAC of the name or address, so neither is stored.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class GrantKind(enum.StrEnum):
    """Why someone may see a case outside their usual scope."""

    NAMED = "named"  # named on a restricted case
    BREAK_GLASS = "break_glass"  # opened in an emergency, with a reason, for a short time


class CaseAccessGrant(Base):
    """Access to one case for one member of staff beyond their role's scope."""

    __tablename__ = "case_access_grant"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[GrantKind] = mapped_column(str_enum(GrantKind, "case_access_grant_kind"))
    reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed under the case key
    granted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class StaffNotification(Base):
    """A notice for one member of staff, shown in the console (break-glass alerts...)."""

    __tablename__ = "staff_notification"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Identifiers and a fixed text only, never case content.
    text: Mapped[str] = mapped_column(String(300))
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
