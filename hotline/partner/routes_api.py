"""The partner API: a partner's system (API key) or one of its users (session) reads the
referrals made to that partner, and nothing else."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from casework.partners.callers import (
    PartnerCaller,
    identify_partner,
    referral_for,
    referrals_for,
    update_referral,
)
from casework.partners.service import ReferralView
from hotline.context import Ctx
from hotline.deps import require_working_keys
from hotline.errors import ApiError, error_responses
from hotline.partner.schemas import ReferralListOut, ReferralOut
from hotline.schemas import ReferralStatusIn
from hotline.signin.auth import presented_token, staff_bearer, staff_cookie

router = APIRouter(
    prefix="/api/partner/v1",
    tags=["partner"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401),
)
# For the OpenAPI document only (never refuses): current_partner() decides who is in.
partner_key = HTTPBearer(
    scheme_name="partnerKey",
    bearerFormat="hpk_...",
    description=(
        "A partner system's API key (made by an administrator, shown once) as "
        "`Authorization: Bearer hpk_...`. A partner's own users sign in like staff instead."
    ),
    auto_error=False,
)


async def current_partner(
    request: Request,
    ctx: Ctx,
    _key: Annotated[HTTPAuthorizationCredentials | None, Security(partner_key)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(staff_bearer)],
    _cookie: Annotated[str | None, Security(staff_cookie)],
) -> PartnerCaller:
    """The calling partner (401 for anything else, staff of the hotline included)."""
    token, _ = presented_token(request)
    if not token:
        raise ApiError(401, "not_signed_in", "Send the partner API key as a bearer token.")
    caller = await ctx.write(identify_partner, token, sessions=ctx.settings.staff_auth.sessions)
    if caller is None:
        raise ApiError(401, "not_signed_in", "This key or session does not open the partner API.")
    return caller


Caller = Annotated[PartnerCaller, Depends(current_partner)]


def _out(view: ReferralView) -> ReferralOut:
    return ReferralOut(
        id=view.id, status=view.status, created_at=view.created_at, fields=view.fields
    )


@router.get("/referrals", response_model=ReferralListOut)
async def referrals(caller: Caller, ctx: Ctx, response: Response) -> ReferralListOut:
    """Every referral made to you, newest first."""
    views = await ctx.write(referrals_for, caller)
    response.headers["Cache-Control"] = "no-store"
    return ReferralListOut(referrals=[_out(v) for v in views])


@router.get("/referrals/{referral_id}", response_model=ReferralOut, responses=error_responses(404))
async def referral(
    referral_id: uuid.UUID, caller: Caller, ctx: Ctx, response: Response
) -> ReferralOut:
    """One referral made to you (404 for any other)."""
    view = await ctx.write(referral_for, caller, referral_id)
    response.headers["Cache-Control"] = "no-store"
    return _out(view)


@router.post(
    "/referrals/{referral_id}/status", status_code=204, responses=error_responses(404, 422)
)
async def referral_status(
    referral_id: uuid.UUID, body: ReferralStatusIn, caller: Caller, ctx: Ctx
) -> Response:
    """Acknowledge, accept, decline (say why), start or complete (say the outcome) a referral
    made to you."""
    await ctx.write(update_referral, caller, referral_id, to=body.status, note=body.note)
    return Response(status_code=204)
