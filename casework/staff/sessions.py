"""Server-side staff sessions.

The client holds a random 256-bit token (cookie or bearer); the database holds only its
SHA-256, so a copy of the table opens nothing. A session is refused once revoked, past its
absolute lifetime, or idle for longer than the idle timeout. Sign-in goes through a short
pending stage (password accepted, waiting for TOTP or enrolment) that opens nothing else; the
active session gets a new token (no session fixation). The CSRF token of a browser session is
an HMAC of its token hash under a server key: nothing more to store, and useless elsewhere.
``signed_in`` is what every signed-in request runs first: the session, the CSRF check, the
activity, and who the member of staff is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from casework.access.scope import Principal, load_principal
from casework.context import Unit
from casework.errors import DomainError
from casework.staff.models import SessionStage, StaffSession, StaffUser

CSRF_PURPOSE = "csrf"
# last_seen_at is written at most this often: a page's dozen requests need not each write.
_TOUCH_EVERY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    pending: dt.timedelta = dt.timedelta(minutes=5)  # between password and second factor


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session,
    *,
    user_id: uuid.UUID,
    stage: SessionStage,
    now: dt.datetime,
    policy: SessionPolicy,
) -> str:
    """Start a session; returns the token (shown to the client once, never stored)."""
    token = secrets.token_urlsafe(32)
    lifetime = policy.absolute if stage is SessionStage.ACTIVE else policy.pending
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user_id,
            stage=stage,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def find_session(
    session: Session, token: str, *, now: dt.datetime, policy: SessionPolicy
) -> tuple[StaffSession, StaffUser] | None:
    """The live session of ``token`` and its (active) user, or None."""
    if not token or len(token) > 100:
        return None
    row = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    staff_session, user = row
    if (
        staff_session.revoked_at is not None
        or now >= staff_session.expires_at
        or (
            staff_session.stage is SessionStage.ACTIVE
            and now - staff_session.last_seen_at > policy.idle
        )
        or not user.active
    ):
        return None
    return staff_session, user


def touch(session: Session, staff_session: StaffSession, *, now: dt.datetime) -> None:
    """Record activity (keeps an active session from idling out)."""
    if now - staff_session.last_seen_at >= _TOUCH_EVERY:
        staff_session.last_seen_at = now
        session.flush()


def revoke(session: Session, staff_session: StaffSession, *, now: dt.datetime) -> None:
    """End one session."""
    staff_session.revoked_at = staff_session.revoked_at or now
    session.flush()


def revoke_all(session: Session, user_id: uuid.UUID, *, now: dt.datetime) -> int:
    """End every session of a user (password, MFA or role changed; account disabled)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def csrf_token(secret: bytes, session_token_hash: str) -> str:
    """The CSRF token of a browser session (from the hash of its token)."""
    return hmac.new(secret, session_token_hash.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, staff_session: StaffSession, presented: str | None) -> bool:
    """Whether a state-changing browser request carries its session's CSRF token."""
    expected = csrf_token(secret, staff_session.token_hash).encode()
    return presented is not None and hmac.compare_digest(expected, presented.encode())


def purge_ended_sessions(session: Session, *, now: dt.datetime) -> int:
    """Forget sessions that ended more than a day ago (expired or revoked)."""
    cutoff = now - dt.timedelta(days=1)
    result = session.execute(
        delete(StaffSession).where(
            or_(StaffSession.expires_at < cutoff, StaffSession.revoked_at < cutoff)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


class CsrfRefused(DomainError):
    """A change sent with the session cookie came without its session's CSRF token."""


@dataclass(frozen=True)
class SignedIn:
    """The member of staff behind a request, and their session."""

    principal: Principal
    session_id: uuid.UUID
    csrf_token: str


def signed_in(
    unit: Unit,
    token: str,
    *,
    policy: SessionPolicy,
    check_csrf: bool,
    csrf_presented: str | None,
) -> SignedIn | None:
    """Who the live, active session of ``token`` belongs to (its activity recorded), or None;
    with ``check_csrf`` (a change sent with the cookie), CsrfRefused unless ``csrf_presented``
    is the session's CSRF token."""
    found = find_session(unit.session, token, now=unit.now, policy=policy)
    if found is None or found[0].stage is not SessionStage.ACTIVE:
        return None
    staff_session, user = found
    secret = unit.keyring.purpose_key(unit.session, CSRF_PURPOSE).secret
    if check_csrf and not csrf_ok(secret, staff_session, csrf_presented):
        raise CsrfRefused("the session's CSRF token is missing or wrong")
    touch(unit.session, staff_session, now=unit.now)
    return SignedIn(
        load_principal(unit.session, user),
        staff_session.id,
        csrf_token(secret, staff_session.token_hash),
    )
