"""The partner page behind an e-mailed link: read the minimised referral, acknowledge,
accept, decline (with a reason), start or complete it. The link is the credential: altered
or expired links open nothing and say so plainly."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import InvalidInput, NotFound
from casework.partners.links import LinkRefused, read_token
from casework.partners.models import Partner, Referral, ReferralStatus
from casework.partners.referrals import PARTNER_MOVES
from casework.partners.service import (
    ReferralView,
    partner_actor,
    partner_referral,
    partner_update,
)
from hotline.deps import ClockDep, DbDep, KeyringDep
from hotline.templating import make_templates

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


def _open(s: Session, keyring: Any, token: str, now: Any) -> tuple[uuid.UUID, uuid.UUID]:
    referral_id = read_token(s, keyring, token, now)
    row = s.execute(
        select(Referral.partner_id, Referral.status)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(
            Referral.id == referral_id,
            Referral.status != ReferralStatus.DRAFT,
            Partner.active,  # a deactivated partner's links open nothing
        )
    ).first()
    if row is None:
        raise NotFound("no such referral")
    if row.status is ReferralStatus.WITHDRAWN:
        raise LinkRefused(expired=True)  # taken back: nothing to read any more
    return referral_id, row.partner_id


def _view(s: Session, keyring: Any, token: str, now: Any) -> ReferralView:
    referral_id, partner_id = _open(s, keyring, token, now)
    return partner_referral(
        s,
        keyring=keyring,
        partner_id=partner_id,
        referral_id=referral_id,
        actor=partner_actor(partner_id),
        now=now,
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
async def referral_page(
    token: str, request: Request, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> HTMLResponse:
    """The referral, as the partner may see it (each look is audited)."""
    try:
        view = await db.run_async(lambda s: _view(s, keyring, token, clock.now()), write=True)
    except LinkRefused as exc:
        return _refused(request, exc)
    except NotFound:
        return _page(request, 404, title="No such referral")
    return _show(request, token, view)


@router.post("/partner/referrals/{token}/status", response_class=HTMLResponse)
async def referral_update(
    token: str, request: Request, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """Move the referral on, then show it again."""
    raw = await request.body()
    if len(raw) > _MAX_FORM:
        return _page(request, 413, title="Too long", message="Keep the note shorter.")
    form = await request.form()
    status, note = str(form.get("status") or ""), str(form.get("note") or "")
    values = {s.value for s in ReferralStatus}

    def update(s: Session) -> None:
        referral_id, partner_id = _open(s, keyring, token, clock.now())
        if status not in values:
            raise InvalidInput("status", "Choose what to do.")
        partner_update(
            s,
            keyring=keyring,
            partner_id=partner_id,
            referral_id=referral_id,
            to=ReferralStatus(status),
            note=note or None,
            actor=partner_actor(partner_id),
            now=clock.now(),
        )

    try:
        await db.run_async(update, write=True)
    except LinkRefused as exc:
        return _refused(request, exc)
    except NotFound:
        return _page(request, 404, title="No such referral")
    except InvalidInput as exc:
        view = await db.run_async(lambda s: _view(s, keyring, token, clock.now()), write=True)
        return _show(request, token, view, 422, error=exc.message)
    return RedirectResponse(f"/partner/referrals/{token}", status_code=303, headers=_HEADERS)
