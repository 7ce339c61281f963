"""What every server-rendered page shares: its templates, bounded forms, the pre-session
CSRF cookie of forms shown before anyone signs in, and pages that are never cached."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from hotline.errors import ApiError
from hotline.runtime.templating import make_templates
from hotline.settings import Settings
from hotline.signin.auth import StaffContext

FORM_COOKIE = "hotline_form"
MAX_FIELDS = 30
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
templates = make_templates()


def duration(seconds: int) -> str:
    """Time left in words: "2 h 05 min", "12 min", or "5 min overdue"."""
    late, seconds = seconds < 0, abs(seconds)
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    return f"{text} overdue" if late else text


templates.env.filters["duration"] = duration


async def read_form(request: Request) -> FormData:
    """The posted form (no files; a bounded number of fields)."""
    return await request.form(max_files=0, max_fields=MAX_FIELDS)


def field(form: FormData, name: str, *, limit: int = 4000) -> str:
    """A text field, trimmed; too long is refused (422), never cut silently."""
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise ApiError(422, "validation_failed", f"'{name}' is too long.")
    return text


def form_token(request: Request) -> str:
    """The pre-session CSRF value of this browser (new if it has none; see ``set_form_cookie``)."""
    current = request.cookies.get(FORM_COOKIE, "")
    return current if re.fullmatch(r"[A-Za-z0-9_-]{43}", current) else secrets.token_urlsafe(32)


def set_form_cookie(response: Response, token: str, settings: Settings) -> None:
    """Keep the pre-session CSRF value in a cookie pages on other sites cannot send."""
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        path="/",
        secure=settings.env != "development",
        httponly=True,
        samesite="strict",
    )


def form_token_ok(request: Request, form: FormData) -> bool:
    """Whether a pre-session form carries the value of this browser's cookie."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    sent = form.get("form_token")
    return bool(cookie) and isinstance(sent, str) and hmac.compare_digest(cookie, sent)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    staff: StaffContext | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A console page, never cached (case content must not stay in a shared machine's cache)."""
    base: dict[str, Any] = {"staff": staff, "csrf_token": staff.csrf_token if staff else ""}
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=NO_STORE
    )
