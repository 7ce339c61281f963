"""Who is calling the staff API: the session behind a cookie or a bearer token, and CSRF.

A browser holds the session in a ``Secure`` (outside development), ``HttpOnly``,
``SameSite=Strict`` cookie and must send the session's CSRF token (header ``X-CSRF-Token``)
with every state-changing request. An API client sends the same
session token as ``Authorization: Bearer``; browsers never add that header on their own, so
it needs no CSRF token. Anything else is 401.

The OpenAPI document declares these ways in as security schemes (``staff_bearer``,
``staff_cookie``, ``staff_csrf``) so clients and fuzzers learn how to authenticate; the
checks here stay the only gate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from casework.access.scope import Principal
from casework.staff.sessions import CsrfRefused, signed_in
from hotline.context import Ctx, RequestContext, StaffRequest, as_staff
from hotline.errors import ApiError

COOKIE = "hotline_staff"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Security schemes for the OpenAPI document only: with auto_error=False they never refuse
# anything; presented_token() and authenticate() below decide who is in.
staff_bearer = HTTPBearer(
    scheme_name="staffBearer",
    bearerFormat="session token",
    description=(
        "The session token from `POST /api/staff/v1/auth/mfa` (after `/auth/login`; or "
        "`/auth/recovery`, `/auth/enrol/confirm`) as `Authorization: Bearer <token>`."
    ),
    auto_error=False,
)
staff_cookie = APIKeyCookie(
    name=COOKIE,
    scheme_name="staffSession",
    description=(
        "The browser's session cookie, set by the same sign-in steps. State-changing requests "
        f"must also send the session's CSRF token as `{CSRF_HEADER}` (scheme `staffCsrf`)."
    ),
    auto_error=False,
)
# Declared in the document by document_csrf(): FastAPI can only list schemes as alternatives,
# and the CSRF token is needed *together with* the cookie.
staff_csrf = APIKeyHeader(
    name=CSRF_HEADER,
    scheme_name="staffCsrf",
    description=(
        "The session's CSRF token (`csrf_token` in the sign-in answer and in `GET /me`), "
        "with the session cookie on POST, PUT, PATCH and DELETE."
    ),
    auto_error=False,
)


@dataclass(frozen=True)
class StaffContext:
    """The signed-in member of staff of this request."""

    principal: Principal
    session_id: uuid.UUID
    by_cookie: bool
    csrf_token: str


def presented_token(request: Request) -> tuple[str | None, bool]:
    """The session token sent, and whether it came in the cookie."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), False
    cookie = request.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def _unauthorised() -> ApiError:
    return ApiError(
        401,
        "not_signed_in",
        "Sign in first.",
        headers={"WWW-Authenticate": 'Bearer realm="staff"'},
    )


async def authenticate(
    request: Request, ctx: RequestContext, *, csrf_presented: str | None
) -> StaffContext | None:
    """The signed-in member of staff, or None; 403 for a cookie request whose state-changing
    method lacks the session's CSRF token (from a header or, in the console, a form field)."""
    token, by_cookie = presented_token(request)
    if not token:
        return None
    try:
        found = await ctx.write(
            signed_in,
            token,
            policy=ctx.settings.staff_auth.sessions,
            check_csrf=by_cookie and request.method not in _SAFE_METHODS,
            csrf_presented=csrf_presented,
        )
    except CsrfRefused:
        raise ApiError(403, "csrf_failed", "Reload the page and try again.") from None
    if found is None:
        return None
    return StaffContext(found.principal, found.session_id, by_cookie, found.csrf_token)


async def current_staff(
    request: Request,
    ctx: Ctx,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(staff_bearer)],
    _cookie: Annotated[str | None, Security(staff_cookie)],
) -> StaffContext:
    """The signed-in member of staff (401 if none; 403 for a cookie request without CSRF)."""
    staff = await authenticate(request, ctx, csrf_presented=request.headers.get(CSRF_HEADER))
    if staff is None:
        raise _unauthorised()
    return staff


CurrentStaff = Annotated[StaffContext, Depends(current_staff)]


async def staff_request(staff: CurrentStaff, ctx: Ctx) -> StaffRequest:
    """The request's context, acting as the signed-in member of staff."""
    return as_staff(ctx, staff.principal)


# The one dependency a staff API route takes to call a use case.
StaffCtx = Annotated[StaffRequest, Depends(staff_request)]


def set_session_cookie(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    """Give the browser its session."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Forget the browser's session."""
    response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")


def document_csrf(schema: dict[str, Any]) -> None:
    """State the CSRF rule in the OpenAPI document: on the staff API, a state-changing request
    made with the session cookie needs the CSRF header too (403 otherwise)."""
    cookie, csrf = staff_cookie.scheme_name, staff_csrf.scheme_name
    used = False
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/staff/"):
            continue
        for method, operation in operations.items():
            if method.upper() in _SAFE_METHODS:
                continue
            requirements = operation.get("security", [])
            if {cookie: []} not in requirements:
                continue
            requirements[requirements.index({cookie: []})] = {cookie: [], csrf: []}
            used = True
            refused = operation.setdefault("responses", {}).setdefault("403", {})
            why = (
                refused.get("description") or "Not allowed: your role or scope does not permit this"
            )
            refused["description"] = f"{why}; or the session cookie came without its {CSRF_HEADER}"
    if used:
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[csrf] = staff_csrf.model.model_dump(mode="json", by_alias=True, exclude_none=True)
