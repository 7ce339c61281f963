"""Staff sign-in: password, then TOTP (or a recovery code; enrolment the first time).

A failed step answers the same whether or not the account exists, after the same work
(argon2id against a dummy hash) and, past a few failures, after a growing wait; a locked name
or address answers 429 with Retry-After. The password is verified outside any transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from casework.staff.me import my_account
from casework.staff.signin import (
    Enrolment,
    StepResult,
    begin_enrolment,
    complete_mfa,
    complete_with_recovery_code,
    confirm_enrolment,
    sign_out,
)
from hotline.context import Ctx
from hotline.deps import require_working_keys
from hotline.errors import ApiError, error_responses
from hotline.settings import Settings
from hotline.signin.auth import CurrentStaff, StaffCtx, clear_session_cookie, set_session_cookie
from hotline.signin.qr import qr_svg
from hotline.signin.steps import (
    client_address,
    code_step,
    password_change,
    password_step,
    refusal,
    secure_cookies,
)
from hotline.staff_api.schemas.signin import (
    CodeIn,
    EnrolmentOut,
    LoginIn,
    LoginStepOut,
    MeOut,
    PasswordChangeIn,
    SignedInOut,
    TokenIn,
)

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


async def _signed_in(result: StepResult, response: Response, settings: Settings) -> SignedInOut:
    if result.token is None or result.csrf_token is None:
        raise await refusal(result, code="code_failed", message="That code is not right.")
    set_session_cookie(
        response,
        result.token,
        secure=secure_cookies(settings),
        max_age=int(settings.staff_auth.sessions.absolute.total_seconds()),
    )
    response.headers.update(_NO_STORE)
    return SignedInOut(
        token=result.token,
        csrf_token=result.csrf_token,
        recovery_codes=list(result.recovery_codes),
    )


@router.post("/auth/login", response_model=LoginStepOut, responses=_REFUSED)
async def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> LoginStepOut:
    """Username and password; the answer asks for the second factor (or enrolment)."""
    result = await password_step(
        ctx, username=body.username, password=body.password, address=client_address(request)
    )
    if result.token is None:
        raise await refusal(
            result, code="login_failed", message="The username or password is not right."
        )
    response.headers.update(_NO_STORE)
    return LoginStepOut(stage=result.outcome.value, token=result.token)


@router.post("/auth/mfa", response_model=SignedInOut, responses=_REFUSED)
async def mfa(body: CodeIn, request: Request, response: Response, ctx: Ctx) -> SignedInOut:
    """The code from the authenticator app: signed in."""
    result = await code_step(ctx, complete_mfa, request, token=body.token, code=body.code)
    return await _signed_in(result, response, ctx.settings)


@router.post("/auth/recovery", response_model=SignedInOut, responses=_REFUSED)
async def recovery(body: CodeIn, request: Request, response: Response, ctx: Ctx) -> SignedInOut:
    """A recovery code instead of the authenticator (each works once)."""
    result = await code_step(
        ctx, complete_with_recovery_code, request, token=body.token, code=body.code
    )
    return await _signed_in(result, response, ctx.settings)


@router.post("/auth/enrol/start", response_model=EnrolmentOut, responses={401: {}})
async def enrol_start(body: TokenIn, response: Response, ctx: Ctx) -> EnrolmentOut:
    """A new authenticator secret, as text and as a QR code (shown only now)."""
    enrolment: Enrolment | None = await ctx.write(
        begin_enrolment, config=ctx.settings.staff_auth, token=body.token
    )
    if enrolment is None:
        raise ApiError(401, "not_signed_in", "Sign in with your password first.")
    response.headers.update(_NO_STORE)
    return EnrolmentOut(
        secret=enrolment.secret, otpauth_uri=enrolment.uri, qr_svg=qr_svg(enrolment.uri)
    )


@router.post("/auth/enrol/confirm", response_model=SignedInOut, responses=_REFUSED)
async def enrol_confirm(
    body: CodeIn, request: Request, response: Response, ctx: Ctx
) -> SignedInOut:
    """The first code from the new authenticator: signed in, with recovery codes (once)."""
    result = await code_step(ctx, confirm_enrolment, request, token=body.token, code=body.code)
    return await _signed_in(result, response, ctx.settings)


@router.post("/auth/logout", status_code=204)
async def logout(staff: CurrentStaff, ctx: StaffCtx) -> Response:
    """End this session."""
    await ctx.act(sign_out, staff.session_id)
    response = Response(status_code=204)
    clear_session_cookie(response, secure=secure_cookies(ctx.settings))
    return response


@router.get("/me", response_model=MeOut)
async def me(staff: CurrentStaff, ctx: StaffCtx) -> MeOut:
    """Who is signed in."""
    user = await ctx.look(my_account)
    return MeOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        csrf_token=staff.csrf_token,
    )


@router.post("/me/password", status_code=204, responses={401: {}, 422: {}, 429: {}})
async def change_password(body: PasswordChangeIn, request: Request, ctx: StaffCtx) -> Response:
    """A new password; every session of the account ends (sign in again)."""
    await password_change(
        ctx,
        current_password=body.current_password,
        new_password=body.new_password,
        address=client_address(request),
    )
    response = Response(status_code=204)
    clear_session_cookie(response, secure=secure_cookies(ctx.settings))
    return response
