"""Signing in to the console: password, then the authenticator's code (or a recovery code);
the first time, setting up the authenticator. Then back to the page that asked for it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from casework.staff.signin import (
    Outcome,
    StepResult,
    begin_enrolment,
    complete_mfa,
    complete_with_recovery_code,
    confirm_enrolment,
    sign_out,
)
from hotline.console.session import FormCtx, FormStaff, safe_next
from hotline.context import Ctx
from hotline.deps import require_working_keys
from hotline.errors import ApiError
from hotline.runtime.forms import (
    NO_STORE,
    field,
    form_token,
    form_token_ok,
    read_form,
    render,
    set_form_cookie,
)
from hotline.settings import Settings
from hotline.signin.auth import clear_session_cookie, set_session_cookie
from hotline.signin.qr import qr_svg
from hotline.signin.steps import (
    client_address,
    code_step,
    password_step,
    refusal,
    secure_cookies,
)

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(require_working_keys)]
)
# The half-signed-in session (password accepted, code not yet): only the sign-in pages see it.
STEP_COOKIE = "hotline_signin"
_STEP_PATH = "/console/login"
_STEP_SECONDS = 600
_REFUSED = "The username or password is not right."


def _form_page(
    request: Request,
    settings: Settings,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    token = form_token(request)
    response = render(request, name, {**context, "form_token": token}, status=status)
    set_form_cookie(response, token, settings)
    return response


async def _problem(result: StepResult, code: str, message: str) -> tuple[str, int, dict[str, str]]:
    error = await refusal(result, code=code, message=message)
    return error.message, error.status, error.headers


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, ctx: Ctx, next: str = "") -> HTMLResponse:  # noqa: A002
    """The sign-in form."""
    return _form_page(request, ctx.settings, "login.html", {"next": safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, ctx: Ctx) -> Response:
    """Check the password; then ask for the code (or to set up the authenticator)."""
    settings = ctx.settings
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    if not form_token_ok(request, form):
        raise ApiError(403, "csrf_failed", "Reload the page and try again.")
    username = field(form, "username", limit=200)
    password = field(form, "password", limit=1000)
    context: dict[str, Any] = {"next": next_path, "username": username}
    if not username or not password:
        context["problem"] = "Write your username and password."
        return _form_page(request, settings, "login.html", context, 422)
    result = await password_step(
        ctx, username=username, password=password, address=client_address(request)
    )
    if result.token is None:
        context["problem"], status, headers = await _problem(result, "login_failed", _REFUSED)
        refused = _form_page(request, settings, "login.html", context, status)
        refused.headers.update(headers)
        return refused
    step = "enrol" if result.outcome is Outcome.ENROL else "code"
    response = RedirectResponse(
        f"/console/login/{step}?next={next_path}", status_code=303, headers=NO_STORE
    )
    response.set_cookie(
        STEP_COOKIE,
        result.token,
        max_age=_STEP_SECONDS,
        path=_STEP_PATH,
        secure=secure_cookies(settings),
        httponly=True,
        samesite="strict",
    )
    return response


def _step_token(request: Request) -> str:
    token = request.cookies.get(STEP_COOKIE)
    if not token:
        raise ApiError(401, "not_signed_in", "Sign in with your password first.")
    return token


def _signed_in(result: StepResult, settings: Settings, response: Response) -> None:
    assert result.token is not None  # noqa: S101 - checked by the caller
    set_session_cookie(
        response,
        result.token,
        secure=secure_cookies(settings),
        max_age=int(settings.staff_auth.sessions.absolute.total_seconds()),
    )
    response.delete_cookie(
        STEP_COOKIE, path=_STEP_PATH, secure=secure_cookies(settings), httponly=True
    )


@router.get("/login/code", response_class=HTMLResponse)
async def code_page(request: Request, ctx: Ctx, next: str = "") -> HTMLResponse:  # noqa: A002
    """The authenticator code form."""
    return _form_page(request, ctx.settings, "login_code.html", {"next": safe_next(next)})


@router.post("/login/code", response_class=HTMLResponse)
async def code(request: Request, ctx: Ctx) -> Response:
    """The code from the authenticator app, or a recovery code: signed in."""
    settings = ctx.settings
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    if not form_token_ok(request, form):
        raise ApiError(403, "csrf_failed", "Reload the page and try again.")
    token = _step_token(request)
    totp, recovery = field(form, "code", limit=20), field(form, "recovery_code", limit=40)
    step = complete_with_recovery_code if recovery and not totp else complete_mfa
    result = await code_step(ctx, step, request, token=token, code=totp or recovery)
    if result.token is None:
        message, status, headers = await _problem(result, "code_failed", "That code is not right.")
        refused = _form_page(
            request, settings, "login_code.html", {"next": next_path, "problem": message}, status
        )
        refused.headers.update(headers)
        return refused
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    _signed_in(result, settings, response)
    return response


@router.get("/login/enrol", response_class=HTMLResponse)
async def enrol_page(request: Request, ctx: Ctx, next: str = "") -> HTMLResponse:  # noqa: A002
    """A new authenticator secret as a QR code and as text, and the form for its first code."""
    token = _step_token(request)
    enrolment = await ctx.write(begin_enrolment, config=ctx.settings.staff_auth, token=token)
    if enrolment is None:
        raise ApiError(401, "not_signed_in", "Sign in with your password first.")
    context = {"next": safe_next(next), "secret": enrolment.secret, "qr": qr_svg(enrolment.uri)}
    return _form_page(request, ctx.settings, "login_enrol.html", context)


@router.post("/login/enrol", response_class=HTMLResponse)
async def enrol(request: Request, ctx: Ctx) -> Response:
    """The first code from the new authenticator: signed in; the recovery codes, shown once."""
    settings = ctx.settings
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    if not form_token_ok(request, form):
        raise ApiError(403, "csrf_failed", "Reload the page and try again.")
    token = _step_token(request)
    result = await code_step(
        ctx, confirm_enrolment, request, token=token, code=field(form, "code", limit=20)
    )
    if result.token is None:
        message, status, _headers = await _problem(
            result, "code_failed", "That code is not right. Scan the code again and retry."
        )
        raise ApiError(status, "code_failed", message)
    response = render(
        request,
        "login_recovery.html",
        {"next": next_path, "recovery_codes": list(result.recovery_codes)},
    )
    _signed_in(result, settings, response)
    return response


@router.post("/logout")
async def logout(staff: FormStaff, ctx: FormCtx) -> Response:
    """End this session; back to the sign-in page."""
    await ctx.act(sign_out, staff.session_id)
    response = RedirectResponse("/console/login", status_code=303, headers=NO_STORE)
    clear_session_cookie(response, secure=secure_cookies(ctx.settings))
    return response
