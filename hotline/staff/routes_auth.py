"""Staff sign-in: password, then TOTP (or a recovery code; enrolment the first time).

A failed step answers the same whether or not the account exists, after the same work
(argon2id against a dummy hash) and, past a few failures, after a growing wait; a locked name
or address answers 429 with Retry-After. The password is verified outside any transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from casework.staff.accounts import check_new_password, set_password
from casework.staff.models import StaffSession, StaffUser
from casework.staff.sessions import csrf_token, token_hash
from casework.staff.signin import (
    CSRF_PURPOSE,
    Enrolment,
    Outcome,
    StepResult,
    begin_enrolment,
    complete_mfa,
    complete_with_recovery_code,
    confirm_enrolment,
    reauthentication_failed,
    reauthentication_locked,
    sign_out,
)
from hotline.deps import ClockDep, DbDep, KeyringDep, SettingsDep, require_working_keys
from hotline.errors import ApiError, error_responses
from hotline.settings import Settings
from hotline.staff.auth import CurrentStaff, clear_session_cookie, set_session_cookie
from hotline.staff.qr import qr_svg
from hotline.staff.schemas import (
    CodeIn,
    EnrolmentOut,
    LoginIn,
    LoginStepOut,
    MeOut,
    PasswordChangeIn,
    SignedInOut,
    TokenIn,
)
from hotline.staff.signin_steps import client_address, password_step, refusal, secure_cookies

router = APIRouter(
    prefix="/api/staff/v1",
    tags=["staff sign-in"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401),
)
_NO_STORE = {"Cache-Control": "no-store"}
_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not right"},
    429: {"description": "Too many attempts"},
}


async def _signed_in(
    result: StepResult, response: Response, db: DbDep, keyring: KeyringDep, settings: Settings
) -> SignedInOut:
    if result.token is None:
        raise await refusal(result, code="code_failed", message="That code is not right.")
    token = result.token
    secret = await db.run_async(lambda s: keyring.purpose_key(s, CSRF_PURPOSE).secret, write=False)
    set_session_cookie(
        response,
        token,
        secure=secure_cookies(settings),
        max_age=int(settings.staff_auth.sessions.absolute.total_seconds()),
    )
    response.headers.update(_NO_STORE)
    return SignedInOut(
        token=token,
        csrf_token=csrf_token(secret, token_hash(token)),
        recovery_codes=list(result.recovery_codes),
    )


@router.post("/auth/login", response_model=LoginStepOut, responses=_REFUSED)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> LoginStepOut:
    """Username and password; the answer asks for the second factor (or enrolment)."""
    result = await password_step(
        db,
        keyring,
        clock,
        settings,
        username=body.username,
        password=body.password,
        address=client_address(request),
    )
    if result.token is None:
        raise await refusal(
            result, code="login_failed", message="The username or password is not right."
        )
    response.headers.update(_NO_STORE)
    return LoginStepOut(stage=result.outcome.value, token=result.token)


@router.post("/auth/mfa", response_model=SignedInOut, responses=_REFUSED)
async def mfa(
    body: CodeIn,
    request: Request,
    response: Response,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> SignedInOut:
    """The code from the authenticator app: signed in."""
    result = await db.run_async(
        lambda s: complete_mfa(
            s,
            keyring=keyring,
            config=settings.staff_auth,
            token=body.token,
            code=body.code,
            address=client_address(request),
            now=clock.now(),
        ),
        write=True,
    )
    return await _signed_in(result, response, db, keyring, settings)


@router.post("/auth/recovery", response_model=SignedInOut, responses=_REFUSED)
async def recovery(
    body: CodeIn,
    request: Request,
    response: Response,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> SignedInOut:
    """A recovery code instead of the authenticator (each works once)."""
    result = await db.run_async(
        lambda s: complete_with_recovery_code(
            s,
            keyring=keyring,
            config=settings.staff_auth,
            token=body.token,
            code=body.code,
            address=client_address(request),
            now=clock.now(),
        ),
        write=True,
    )
    return await _signed_in(result, response, db, keyring, settings)


@router.post("/auth/enrol/start", response_model=EnrolmentOut, responses={401: {}})
async def enrol_start(
    body: TokenIn,
    response: Response,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> EnrolmentOut:
    """A new authenticator secret, as text and as a QR code (shown only now)."""
    enrolment: Enrolment | None = await db.run_async(
        lambda s: begin_enrolment(
            s, keyring=keyring, config=settings.staff_auth, token=body.token, now=clock.now()
        ),
        write=True,
    )
    if enrolment is None:
        raise ApiError(401, "not_signed_in", "Sign in with your password first.")
    response.headers.update(_NO_STORE)
    return EnrolmentOut(
        secret=enrolment.secret, otpauth_uri=enrolment.uri, qr_svg=qr_svg(enrolment.uri)
    )


@router.post("/auth/enrol/confirm", response_model=SignedInOut, responses=_REFUSED)
async def enrol_confirm(
    body: CodeIn,
    request: Request,
    response: Response,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> SignedInOut:
    """The first code from the new authenticator: signed in, with recovery codes (once)."""
    result = await db.run_async(
        lambda s: confirm_enrolment(
            s,
            keyring=keyring,
            config=settings.staff_auth,
            token=body.token,
            code=body.code,
            address=client_address(request),
            now=clock.now(),
        ),
        write=True,
    )
    return await _signed_in(result, response, db, keyring, settings)


@router.post("/auth/logout", status_code=204)
async def logout(
    staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    """End this session."""

    def end(s: Session) -> None:
        staff_session = s.get_one(StaffSession, staff.session_id)
        user = s.get_one(StaffUser, staff.principal.user_id)
        sign_out(s, keyring=keyring, staff_session=staff_session, user=user, now=clock.now())

    await db.run_async(end, write=True)
    response = Response(status_code=204)
    clear_session_cookie(response, secure=secure_cookies(settings))
    return response


@router.get("/me", response_model=MeOut)
async def me(staff: CurrentStaff, db: DbDep) -> MeOut:
    """Who is signed in."""
    user = await db.run_async(lambda s: s.get_one(StaffUser, staff.principal.user_id), write=False)
    return MeOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        csrf_token=staff.csrf_token,
    )


@router.post("/me/password", status_code=204, responses={401: {}, 422: {}, 429: {}})
async def change_password(
    body: PasswordChangeIn,
    request: Request,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """A new password; every session of the account ends (sign in again)."""
    config = settings.staff_auth
    hashing = config.hashing
    user = await db.run_async(lambda s: s.get_one(StaffUser, staff.principal.user_id), write=False)
    address = client_address(request)
    locked = await db.run_async(
        lambda s: reauthentication_locked(
            s, keyring=keyring, username=user.username, address=address, now=clock.now()
        ),
        write=True,
    )
    if locked is not None:
        raise await refusal(StepResult(Outcome.LOCKED, retry_after=locked), code="", message="")
    if not await run_in_threadpool(hashing.verify, user.password_hash, body.current_password):
        delay = await db.run_async(
            lambda s: reauthentication_failed(
                s,
                keyring=keyring,
                config=config,
                user=s.get_one(StaffUser, user.id),
                address=address,
                now=clock.now(),
            ),
            write=True,
        )
        raise await refusal(
            StepResult(Outcome.FAILED, delay=delay),
            code="password_wrong",
            message="The current password is not right.",
        )
    check_new_password(body.new_password, username=user.username)
    new_hash = await run_in_threadpool(hashing.hash, body.new_password)
    await db.run_async(
        lambda s: set_password(
            s,
            keyring=keyring,
            user=s.get_one(StaffUser, user.id),
            password_hash=new_hash,
            actor=staff.principal.actor,
            now=clock.now(),
        ),
        write=True,
    )
    response = Response(status_code=204)
    clear_session_cookie(response, secure=secure_cookies(settings))
    return response
