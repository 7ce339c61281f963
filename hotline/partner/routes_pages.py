"""The partner page behind an e-mailed link: read the minimised referral, acknowledge,
accept, decline (with a reason), start or complete it. The link is the credential: altered
or expired links open nothing and say so plainly."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from casework.errors import InvalidInput, NotFound
from casework.partners.link_page import referral_by_link, update_by_link
from casework.partners.links import LinkRefused
from casework.partners.referrals import PARTNER_MOVES
from casework.partners.service import ReferralView
from hotline.context import Ctx
from hotline.runtime.templating import make_templates

router = APIRouter(include_in_schema=False)
templates = make_templates()
_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_FORM = 16 * 1024  # a 2,000-character note in any script, percent-encoded


def _page(request: Request, status: int, **context: Any) -> HTMLResponse:
    base: dict[str, Any] = {"title": "Referral", "referral": None, "moves": [], "message": None}
    return templates.TemplateResponse(
        request, "partner_page.html", {**base, **context}, status_code=status, headers=_HEADERS
    )


def _refused(request: Request, exc: LinkRefused) -> HTMLResponse:
    if exc.expired:
        return _page(
            request,
            410,
            title="This link has ended",
            message="Links to referrals work for a few days. Ask the hotline for a new one.",
        )
    return _page(
        request,
        403,
        title="This link does not work",
        message="Check that you opened the whole link from the e-mail, unchanged.",
    )


def _show(
    request: Request, token: str, view: ReferralView, status: int = 200, **extra: Any
) -> HTMLResponse:
    moves = sorted(m.value for m in PARTNER_MOVES.get(view.status, frozenset()))
    return _page(
        request,
        status,
        referral=view,
        moves=moves,
        action=f"/partner/referrals/{token}/status",
        **extra,
    )


@router.get("/partner/referrals/{token}", response_class=HTMLResponse)
async def referral_page(token: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The referral, as the partner may see it (each look is audited)."""
    try:
        view = await ctx.write(referral_by_link, token=token)
    except LinkRefused as exc:
        return _refused(request, exc)
    except NotFound:
        return _page(request, 404, title="No such referral")
    return _show(request, token, view)


@router.post("/partner/referrals/{token}/status", response_class=HTMLResponse)
async def referral_update(token: str, request: Request, ctx: Ctx) -> Response:
    """Move the referral on, then show it again."""
    raw = await request.body()
    if len(raw) > _MAX_FORM:
        return _page(request, 413, title="Too long", message="Keep the note shorter.")
    form = await request.form()
    status, note = str(form.get("status") or ""), str(form.get("note") or "")
    try:
        await ctx.write(update_by_link, token=token, status=status, note=note or None)
    except LinkRefused as exc:
        return _refused(request, exc)
    except NotFound:
        return _page(request, 404, title="No such referral")
    except InvalidInput as exc:
        view = await ctx.write(referral_by_link, token=token)
        return _show(request, token, view, 422, error=exc.message)
    return RedirectResponse(f"/partner/referrals/{token}", status_code=303, headers=_HEADERS)
