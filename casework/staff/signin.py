"""Signing in: password, then TOTP (or a recovery code, or enrolment the first time).

The password check is split so the slow argon2id verification runs outside any transaction:
``check_login`` reads (account, throttle state), the caller verifies, ``finish_login`` counts
the outcome and opens a pending session. Every attempt, good or bad, is an audit event; a
failure says nothing about whether the name exists (same answer, same work, same counters).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from casework.actors import SYSTEM, Actor
from casework.audit.record import AuditAction, record_event
from casework.context import Acting, Unit
from casework.enums import ActorKind
from casework.protection.fields import open_text, seal_text
from casework.protection.keys import Keyring
from casework.staff.models import (
    RecoveryCode,
    SessionStage,
    StaffSession,
    StaffUser,
)
from casework.staff.passwords import PasswordHashing
from casework.staff.sessions import (
    CSRF_PURPOSE,
    SessionPolicy,
    csrf_token,
    find_session,
    open_session,
    revoke,
    revoke_all,
    token_hash,
)
from casework.staff.throttle import (
    Count,
    ThrottlePolicy,
    after_failure,
    delay_after,
    lock_count,
    store_count,
    throttle_key,
)
from casework.staff.totp import (
    accepted_step,
    hash_recovery_code,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_code_matches,
)

STAFF_PURPOSE = "staff"
THROTTLE_PURPOSE = "login-throttle"


@dataclass(frozen=True)
class StaffAuthConfig:
    """Costs and lifetimes of staff sign-in."""

    hashing: PasswordHashing = field(default_factory=PasswordHashing)
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    issuer: str = "Safeguarding Hotline"


class Outcome(enum.StrEnum):
    """Where a sign-in step leaves the person."""

    MFA = "mfa"  # password accepted: now the TOTP code
    ENROL = "enrol"  # password accepted: set up TOTP first
    ACTIVE = "active"  # signed in
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class StepResult:
    """The answer to one sign-in step."""

    outcome: Outcome
    token: str | None = None
    delay: float = 0.0  # seconds to wait before answering (slowing down guessing)
    retry_after: float | None = None  # when locked
    recovery_codes: tuple[str, ...] = ()
    csrf_token: str | None = None  # of the signed-in session (ACTIVE)

    def __repr__(self) -> str:
        return f"StepResult({self.outcome.value})"


@dataclass(frozen=True)
class LoginCheck:
    """What ``finish_login`` needs, read before the password is verified."""

    username: str
    address: str
    user_id: uuid.UUID | None
    password_hash: str | None

    def __repr__(self) -> str:
        return "LoginCheck(***)"


def normalise_username(username: str) -> str:
    """The stored form of a login name."""
    return username.strip().casefold()


def _actor(user: StaffUser) -> Actor:
    return Actor(ActorKind.STAFF, str(user.id))


def _throttle_secret(session: Session, keyring: Keyring) -> bytes:
    return keyring.purpose_key(session, THROTTLE_PURPOSE).secret


def _audit(
    session: Session,
    keyring: Keyring,
    action: AuditAction,
    *,
    user: StaffUser | None,
    now: dt.datetime,
    details: dict[str, object] | None = None,
) -> None:
    record_event(
        session,
        keyring=keyring,
        action=action,
        actor=_actor(user) if user else SYSTEM,
        object_type="staff_user",
        object_id=str(user.id) if user else "-",
        details=details or {},
        now=now,
    )


def check_login(unit: Unit, *, username: str) -> LoginCheck:
    """The account behind a name (if any, and active) and its password hash."""
    user = unit.session.scalars(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    ).first()
    if user is None or not user.active:
        return LoginCheck(normalise_username(username), "", None, None)
    return LoginCheck(user.username, "", user.id, user.password_hash)


_ACCOUNT, _SECOND_FACTOR, _ADDRESS = "account", "second-factor", "address"
Counted = list[tuple[str, Count, str]]  # (stored key, count, kind)


def _counts(session: Session, keyring: Keyring, wanted: list[tuple[str, str]]) -> Counted:
    """The counts of these (kind, name or address) pairs, each row locked."""
    secret = _throttle_secret(session, keyring)
    counted: Counted = []
    for kind, value in wanted:
        key = throttle_key(secret, kind, value)
        counted.append((key, lock_count(session, key), kind))
    return counted


def _locked_for(counts: Counted, now: dt.datetime) -> float | None:
    until = [c.locked_until for _, c, _ in counts if c.locked_until and c.locked_until > now]
    return max((u - now).total_seconds() for u in until) if until else None


def _fail(session: Session, counts: Counted, *, now: dt.datetime, policy: ThrottlePolicy) -> float:
    """Count a failure on every key; returns how long to wait before answering."""
    delay = 0.0
    for key, count, kind in counts:
        limit = policy.address_lock_after if kind == _ADDRESS else policy.account_lock_after
        after = after_failure(count, now=now, lock_after=limit, policy=policy)
        store_count(session, key, after)
        delay = max(delay, delay_after(after.failures, policy))
    return delay


def _clear(session: Session, counts: Counted, kind: str) -> None:
    for key, _, counted_kind in counts:
        if counted_kind == kind:
            store_count(session, key, Count(0, None, None))


def finish_login(
    unit: Unit, *, config: StaffAuthConfig, check: LoginCheck, address: str, password_ok: bool
) -> StepResult:
    """Count the attempt and, if the password was right and nothing is locked, go on."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    counts = _counts(session, keyring, [(_ACCOUNT, check.username), (_ADDRESS, address)])
    user = session.get(StaffUser, check.user_id) if check.user_id else None
    locked = _locked_for(counts, now)
    if locked is not None:
        _audit(session, keyring, AuditAction.STAFF_LOGIN_LOCKED, user=user, now=now)
        return StepResult(Outcome.LOCKED, retry_after=locked)
    if not password_ok or user is None or not user.active:
        delay = _fail(session, counts, now=now, policy=config.throttle)
        _audit(session, keyring, AuditAction.STAFF_LOGIN_FAILED, user=user, now=now)
        return StepResult(Outcome.FAILED, delay=delay)
    _clear(session, counts, _ACCOUNT)
    stage = SessionStage.MFA if user.totp_confirmed_at else SessionStage.ENROL
    token = open_session(session, user_id=user.id, stage=stage, now=now, policy=config.sessions)
    _audit(session, keyring, AuditAction.STAFF_PASSWORD_ACCEPTED, user=user, now=now)
    return StepResult(Outcome(stage.value), token=token)


def _pending(
    session: Session, token: str, stage: SessionStage, *, now: dt.datetime, config: StaffAuthConfig
) -> tuple[StaffSession, StaffUser] | None:
    found = find_session(session, token, now=now, policy=config.sessions)
    if found is None or found[0].stage is not stage:
        return None
    return found


def _activate(
    session: Session,
    keyring: Keyring,
    user: StaffUser,
    pending: StaffSession,
    *,
    now: dt.datetime,
    config: StaffAuthConfig,
    method: str,
    recovery_codes: tuple[str, ...] = (),
) -> StepResult:
    revoke(session, pending, now=now)
    token = open_session(
        session, user_id=user.id, stage=SessionStage.ACTIVE, now=now, policy=config.sessions
    )
    _audit(
        session,
        keyring,
        AuditAction.STAFF_SIGNED_IN,
        user=user,
        now=now,
        details={"method": method},
    )
    csrf = csrf_token(keyring.purpose_key(session, CSRF_PURPOSE).secret, token_hash(token))
    return StepResult(Outcome.ACTIVE, token=token, recovery_codes=recovery_codes, csrf_token=csrf)


def _second_factor_counts(
    session: Session, keyring: Keyring, user: StaffUser, address: str
) -> Counted:
    # Second-factor failures have their own count: a right password must not reset it.
    wanted = [(_SECOND_FACTOR, user.username), (_ACCOUNT, user.username), (_ADDRESS, address)]
    return _counts(session, keyring, wanted)


def _second_factor_refused(
    session: Session,
    keyring: Keyring,
    user: StaffUser,
    counts: Counted,
    *,
    now: dt.datetime,
    config: StaffAuthConfig,
) -> StepResult:
    """A wrong (or replayed) code: counted, audited, answered after the wait."""
    failing = [c for c in counts if c[2] != _ACCOUNT]
    delay = _fail(session, failing, now=now, policy=config.throttle)
    _audit(session, keyring, AuditAction.STAFF_MFA_FAILED, user=user, now=now)
    return StepResult(Outcome.FAILED, delay=delay)


def _second_factor_locked(
    session: Session, keyring: Keyring, user: StaffUser, counts: Counted, now: dt.datetime
) -> StepResult | None:
    locked = _locked_for(counts, now)
    if locked is None:
        return None
    _audit(session, keyring, AuditAction.STAFF_LOGIN_LOCKED, user=user, now=now)
    return StepResult(Outcome.LOCKED, retry_after=locked)


def _use_step(session: Session, user: StaffUser, step: int) -> bool:
    """Record a TOTP step as used; False if another request used it (or a later one) first."""
    result = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    user.totp_last_step = step
    return True


def _totp_secret(session: Session, keyring: Keyring, user: StaffUser) -> str | None:
    if user.totp_secret_ct is None:
        return None
    return open_text(
        keyring.purpose_key(session, STAFF_PURPOSE),
        table="staff_user",
        column="totp_secret",
        row_id=user.id,
        ciphertext=user.totp_secret_ct,
    )


def complete_mfa(
    unit: Unit, *, config: StaffAuthConfig, token: str, code: str, address: str
) -> StepResult:
    """The TOTP code after the password: a new, active session if right (and not replayed)."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    found = _pending(session, token, SessionStage.MFA, now=now, config=config)
    if found is None:
        return StepResult(Outcome.FAILED)
    pending, user = found
    counts = _second_factor_counts(session, keyring, user, address)
    if (locked := _second_factor_locked(session, keyring, user, counts, now)) is not None:
        return locked
    secret = _totp_secret(session, keyring, user)
    step = accepted_step(secret, code, now=now, last_step=user.totp_last_step) if secret else None
    if step is None or not _use_step(session, user, step):
        return _second_factor_refused(session, keyring, user, counts, now=now, config=config)
    _clear(session, counts, _SECOND_FACTOR)
    _clear(session, counts, _ACCOUNT)
    return _activate(session, keyring, user, pending, now=now, config=config, method="totp")


def complete_with_recovery_code(
    unit: Unit, *, config: StaffAuthConfig, token: str, code: str, address: str
) -> StepResult:
    """A recovery code instead of TOTP (each code works once)."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    found = _pending(session, token, SessionStage.MFA, now=now, config=config)
    if found is None:
        return StepResult(Outcome.FAILED)
    pending, user = found
    counts = _second_factor_counts(session, keyring, user, address)
    if (locked := _second_factor_locked(session, keyring, user, counts, now)) is not None:
        return locked
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    match = next((r for r in unused if recovery_code_matches(r.code_hash, code)), None)
    if match is None:
        return _second_factor_refused(session, keyring, user, counts, now=now, config=config)
    match.used_at = now
    _clear(session, counts, _SECOND_FACTOR)
    _audit(
        session,
        keyring,
        AuditAction.STAFF_RECOVERY_CODE_USED,
        user=user,
        now=now,
        details={"left": len(unused) - 1},
    )
    return _activate(session, keyring, user, pending, now=now, config=config, method="recovery")


@dataclass(frozen=True)
class Enrolment:
    """What an authenticator app needs: shown once, at enrolment."""

    secret: str
    uri: str

    def __repr__(self) -> str:
        return "Enrolment(***)"


def begin_enrolment(unit: Unit, *, config: StaffAuthConfig, token: str) -> Enrolment | None:
    """A new TOTP secret for an account that has none confirmed yet (None: not allowed)."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    found = _pending(session, token, SessionStage.ENROL, now=now, config=config)
    if found is None:
        return None
    _, user = found
    secret = new_secret()
    user.totp_secret_ct = seal_text(
        keyring.purpose_key(session, STAFF_PURPOSE),
        table="staff_user",
        column="totp_secret",
        row_id=user.id,
        text=secret,
    )
    _audit(session, keyring, AuditAction.STAFF_MFA_ENROLMENT_STARTED, user=user, now=now)
    session.flush()
    return Enrolment(secret, provisioning_uri(secret, username=user.username, issuer=config.issuer))


def confirm_enrolment(
    unit: Unit, *, config: StaffAuthConfig, token: str, code: str, address: str
) -> StepResult:
    """The first code from the new authenticator: TOTP is on; recovery codes shown once."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    found = _pending(session, token, SessionStage.ENROL, now=now, config=config)
    if found is None:
        return StepResult(Outcome.FAILED)
    pending, user = found
    counts = _second_factor_counts(session, keyring, user, address)
    if (locked := _second_factor_locked(session, keyring, user, counts, now)) is not None:
        return locked
    secret = _totp_secret(session, keyring, user)
    step = accepted_step(secret, code, now=now, last_step=None) if secret else None
    if step is None:
        return _second_factor_refused(session, keyring, user, counts, now=now, config=config)
    _clear(session, counts, _SECOND_FACTOR)
    user.totp_confirmed_at, user.totp_last_step = now, step
    codes = new_recovery_codes()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes)
    revoke_all(session, user.id, now=now)  # any other half-finished sign-in
    _audit(session, keyring, AuditAction.STAFF_MFA_ENROLLED, user=user, now=now)
    return _activate(
        session,
        keyring,
        user,
        pending,
        now=now,
        config=config,
        method="enrolment",
        recovery_codes=tuple(codes),
    )


def sign_out(acting: Acting, session_id: uuid.UUID) -> None:
    """End this session of the person acting."""
    session = acting.session
    staff_session = session.get_one(StaffSession, session_id)
    user = session.get_one(StaffUser, acting.principal.user_id)
    revoke(session, staff_session, now=acting.now)
    _audit(session, acting.keyring, AuditAction.STAFF_SIGNED_OUT, user=user, now=acting.now)


@dataclass(frozen=True)
class Reauthentication:
    """What checking a signed-in person's password needs, read before it is verified."""

    username: str
    password_hash: str
    locked_for: float | None  # seconds until they may try again (None: they may now)

    def __repr__(self) -> str:
        return "Reauthentication(***)"


def begin_reauthentication(acting: Acting, *, address: str) -> Reauthentication:
    """The person acting's password hash, and whether their name or address is locked."""
    session = acting.session
    user = session.get_one(StaffUser, acting.principal.user_id)
    counts = _counts(session, acting.keyring, [(_ACCOUNT, user.username), (_ADDRESS, address)])
    return Reauthentication(user.username, user.password_hash, _locked_for(counts, acting.now))


def reauthentication_failed(acting: Acting, *, config: StaffAuthConfig, address: str) -> float:
    """A wrong current password while signed in (e.g. changing it): counted like a sign-in;
    returns how long to wait before answering."""
    session, now = acting.session, acting.now
    user = session.get_one(StaffUser, acting.principal.user_id)
    counts = _counts(session, acting.keyring, [(_ACCOUNT, user.username), (_ADDRESS, address)])
    delay = _fail(session, counts, now=now, policy=config.throttle)
    _audit(
        session,
        acting.keyring,
        AuditAction.STAFF_LOGIN_FAILED,
        user=user,
        now=now,
        details={"step": "reauthentication"},
    )
    return delay
