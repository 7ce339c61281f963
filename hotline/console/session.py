"""Who is using the console, and the rules of its forms.

Pages use the staff session cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` outside
development). Every form carries a CSRF token in a hidden field: the session's token once
signed in, and before that a random value that must match a cookie of its own (so a sign-in
cannot be forged from another site either). A page opened without a session sends the browser
to sign in, remembering the page - only its path, and only a console path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse

from casework.staff.me import my_account
from hotline.context import Ctx, RequestContext, StaffRequest, as_staff
from hotline.runtime.forms import NO_STORE, read_form
from hotline.signin.auth import StaffContext, authenticate

HOME = "/console/queue"
# A console page to come back to: ids and plain words only, never a query string.
_RETURN = re.compile(r"^/console(/[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True)
class ConsoleStaff(StaffContext):
    """The signed-in member of staff, with the name the console's header shows."""

    display_name: str = ""


async def _named(ctx: RequestContext, staff: StaffContext) -> ConsoleStaff:
    account = await as_staff(ctx, staff.principal).look(my_account)
    return ConsoleStaff(
        **{f.name: getattr(staff, f.name) for f in fields(StaffContext)},
        display_name=account.display_name,
    )


class SignInRequired(Exception):
    """No signed-in member of staff: go and sign in, then come back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in")
        self.next_path = next_path


def safe_next(value: object) -> str:
    """Where to go after signing in: a console path, or the queue."""
    if isinstance(value, str) and _RETURN.fullmatch(value) and "/login" not in value:
        return value
    return HOME


def login_url(next_path: str) -> str:
    """The sign-in page, remembering where to come back to."""
    return "/console/login?next=" + quote(safe_next(next_path), safe="/")


def sign_in_redirect(exc: SignInRequired) -> Response:
    """Answer a request made without a session (303: the browser GETs the sign-in page)."""
    return RedirectResponse(login_url(exc.next_path), status_code=303, headers=NO_STORE)


def _return_path(request: Request) -> str:
    """The page to come back to: this one, or for a form, the page it was on."""
    path = request.url.path
    if request.method == "GET":
        return path
    match = re.match(r"^(/console/cases/[0-9a-fA-F-]{36})", path)
    return match.group(1) if match else HOME


async def page_staff(request: Request, ctx: Ctx) -> StaffContext:
    """The member of staff viewing a page; otherwise off to sign in."""
    staff = await authenticate(request, ctx, csrf_presented=None)
    if staff is None or not staff.by_cookie:
        raise SignInRequired(_return_path(request))
    return await _named(ctx, staff)


async def form_staff(request: Request, ctx: Ctx) -> StaffContext:
    """The member of staff posting a form, which must carry the session's CSRF token (403)."""
    form = await read_form(request)
    presented = form.get("csrf_token")
    staff = await authenticate(
        request, ctx, csrf_presented=presented if isinstance(presented, str) else None
    )
    if staff is None or not staff.by_cookie:
        raise SignInRequired(_return_path(request))
    return await _named(ctx, staff)


PageStaff = Annotated[StaffContext, Depends(page_staff)]
FormStaff = Annotated[StaffContext, Depends(form_staff)]


async def page_request(staff: PageStaff, ctx: Ctx) -> StaffRequest:
    """A console page's context, acting as the member of staff viewing it."""
    return as_staff(ctx, staff.principal)


async def form_request(staff: FormStaff, ctx: Ctx) -> StaffRequest:
    """A console form's context, acting as the member of staff posting it."""
    return as_staff(ctx, staff.principal)


# The one dependency a console page (PageCtx) or form handler (FormCtx) takes to call a use
# case; take PageStaff/FormStaff as well only for what the page shows about the signed-in user.
PageCtx = Annotated[StaffRequest, Depends(page_request)]
FormCtx = Annotated[StaffRequest, Depends(form_request)]
