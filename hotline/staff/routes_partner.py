"""The partner API: a partner's system (API key) or one of its users (session) reads the
referrals made to that partner, and nothing else."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from casework.access.scope import load_principal
from casework.actors import Actor
from casework.enums import ActorKind
from casework.partners.service import (
    ReferralView,
    partner_actor,
    partner_for_key,
    partner_referral,
    partner_referrals,
    partner_update,
    refuse_key,
)
from casework.staff.models import Role, SessionStage
from casework.staff.sessions import find_session, touch
from hotline.deps import ClockDep, DbDep, KeyringDep, SettingsDep, require_working_keys
from hotline.errors import ApiError, error_responses
from hotline.staff.auth import presented_token, staff_bearer, staff_cookie
from hotline.staff.schemas import ReferralListOut, ReferralOut, ReferralStatusIn

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


class PartnerCaller:
    """Which partner is calling, and as whom (its key, or one of its users)."""

    def __init__(self, partner_id: uuid.UUID, actor: Actor) -> None:
        self.partner_id = partner_id
        self.actor = actor


async def current_partner(
    request: Request,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
    _key: Annotated[HTTPAuthorizationCredentials | None, Security(partner_key)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(staff_bearer)],
    _cookie: Annotated[str | None, Security(staff_cookie)],
) -> PartnerCaller:
    """The calling partner (401 for anything else, staff of the hotline included)."""
    token, _ = presented_token(request)
    if not token:
        raise ApiError(401, "not_signed_in", "Send the partner API key as a bearer token.")

    def identify(s: Session) -> PartnerCaller | None:
        now = clock.now()
        if token.startswith("hpk_"):
            partner_id = partner_for_key(s, token, now=now)
            if partner_id is None:
                refuse_key(s, keyring=keyring, presented=token, now=now)
                return None
            return PartnerCaller(partner_id, partner_actor(partner_id))
        found = find_session(s, token, now=now, policy=settings.staff_auth.sessions)
        if found is None or found[0].stage is not SessionStage.ACTIVE:
            return None
        touch(s, found[0], now=now)
        principal = load_principal(s, found[1])
        if principal.role is not Role.PARTNER or principal.partner_id is None:
            return None
        return PartnerCaller(principal.partner_id, Actor(ActorKind.STAFF, str(principal.user_id)))

    caller = await db.run_async(identify, write=True)
    if caller is None:
        raise ApiError(401, "not_signed_in", "This key or session does not open the partner API.")
    return caller


Caller = Annotated[PartnerCaller, Depends(current_partner)]


def _out(view: ReferralView) -> ReferralOut:
    return ReferralOut(
        id=view.id, status=view.status, created_at=view.created_at, fields=view.fields
    )


@router.get("/referrals", response_model=ReferralListOut)
async def referrals(
    caller: Caller, db: DbDep, keyring: KeyringDep, clock: ClockDep, response: Response
) -> ReferralListOut:
    """Every referral made to you, newest first."""
    views = await db.run_async(
        lambda s: partner_referrals(
            s, keyring=keyring, partner_id=caller.partner_id, actor=caller.actor, now=clock.now()
        ),
        write=True,
    )
    response.headers["Cache-Control"] = "no-store"
    return ReferralListOut(referrals=[_out(v) for v in views])


@router.get("/referrals/{referral_id}", response_model=ReferralOut, responses=error_responses(404))
async def referral(
    referral_id: uuid.UUID,
    caller: Caller,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> ReferralOut:
    """One referral made to you (404 for any other)."""
    view = await db.run_async(
        lambda s: partner_referral(
            s,
            keyring=keyring,
            partner_id=caller.partner_id,
            referral_id=referral_id,
            actor=caller.actor,
            now=clock.now(),
        ),
        write=True,
    )
    response.headers["Cache-Control"] = "no-store"
    return _out(view)


@router.post(
    "/referrals/{referral_id}/status", status_code=204, responses=error_responses(404, 422)
)
async def referral_status(
    referral_id: uuid.UUID,
    body: ReferralStatusIn,
    caller: Caller,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Acknowledge, accept, decline (say why), start or complete (say the outcome) a referral
    made to you."""
    await db.run_async(
        lambda s: partner_update(
            s,
            keyring=keyring,
            partner_id=caller.partner_id,
            referral_id=referral_id,
            to=body.status,
            note=body.note,
            actor=caller.actor,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)
