"""Administration (users, teams, partners and their keys), the audit trail's index, statistics
and one's own notices. The role each needs is declared by its use case (403 otherwise), as
none of it is one case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from casework.administration.accounts import (
    accounts,
    add_account,
    change_account_role,
    change_account_teams,
    check_new_account,
    disable_account,
    link_account_school,
    reset_account_mfa,
    save_team,
)
from casework.administration.partners import (
    issue_api_key,
    partner_directory,
    save_partner_profile,
    withdraw_api_key,
)
from casework.oversight.audit_trail import audit_trail
from casework.oversight.notifications import my_notifications
from casework.oversight.statistics import case_counts
from casework.partners.directory import PartnerProfile
from casework.staff.models import StaffUser
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.admin import (
    ApiKeyIn,
    ApiKeyOut,
    AuditEventOut,
    NotificationOut,
    PartnerIn,
    PartnerOut,
    PartnerSavedOut,
    RoleIn,
    SchoolLinkIn,
    StatsOut,
    TeamIn,
    TeamOut,
    TeamsIn,
    UserIn,
    UserOut,
)

router = APIRouter(
    prefix="/api/staff/v1",
    tags=["administration"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401, 403),
)
_NO_STORE = "no-store"


def _user_out(user: StaffUser) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        mfa_enrolled=user.totp_confirmed_at is not None,
        partner_id=user.partner_id,
    )


@router.get("/users", response_model=list[UserOut])
async def users(ctx: StaffCtx) -> list[UserOut]:
    """Every account."""
    return [_user_out(u) for u in await ctx.look(accounts)]


@router.post("/users", response_model=UserOut, status_code=201)
async def new_user(body: UserIn, ctx: StaffCtx) -> UserOut:
    """A new account; it sets up TOTP at its first sign-in."""
    await ctx.look(check_new_account, username=body.username, password=body.password)
    # argon2id is slow on purpose: the hash is made outside any transaction.
    password_hash = await run_in_threadpool(ctx.settings.staff_auth.hashing.hash, body.password)
    user = await ctx.act(
        add_account,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password_hash=password_hash,
        partner_id=body.partner_id,
        teams=body.teams,
    )
    return _user_out(user)


@router.post("/users/{user_id}/disable", status_code=204)
async def disable(user_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """No more sign-ins; every session ends."""
    await ctx.act(disable_account, user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/reset-mfa", status_code=204)
async def reset_second_factor(user_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """Forget the account's authenticator: it enrols again at the next sign-in."""
    await ctx.act(reset_account_mfa, user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/role", status_code=204)
async def change_role(user_id: uuid.UUID, body: RoleIn, ctx: StaffCtx) -> Response:
    """A new role; every session of the account ends."""
    await ctx.act(change_account_role, user_id, role=body.role)
    return Response(status_code=204)


@router.post("/users/{user_id}/teams", status_code=204)
async def change_teams(user_id: uuid.UUID, body: TeamsIn, ctx: StaffCtx) -> Response:
    """The teams a member of staff is in."""
    await ctx.act(change_account_teams, user_id, teams=body.teams)
    return Response(status_code=204)


@router.post("/users/{user_id}/schools", status_code=204)
async def link_user_school(user_id: uuid.UUID, body: SchoolLinkIn, ctx: StaffCtx) -> Response:
    """Record a conflict of interest: this person never sees restricted cases about the school."""
    await ctx.act(link_account_school, user_id, school=body.school)
    return Response(status_code=204)


@router.post("/teams", response_model=TeamOut, status_code=201)
async def team(body: TeamIn, ctx: StaffCtx) -> TeamOut:
    """A team and the regions it covers (created or updated)."""
    saved = await ctx.act(save_team, name=body.name, regions=body.regions, national=body.national)
    return TeamOut(id=saved.id)


def _profile(body: PartnerIn) -> PartnerProfile:
    return PartnerProfile(
        name=body.name,
        kind=body.kind,
        delivery=body.delivery,
        regions=body.regions,
        categories=body.categories,
        languages=body.languages,
        webhook_url=body.webhook_url,
        email=body.email,
        contact=body.contact,
        school=body.school,
        active=body.active,
    )


async def _save_partner(
    ctx: StaffCtx, body: PartnerIn, response: Response, partner_id: uuid.UUID | None = None
) -> PartnerSavedOut:
    saved_id, secret = await ctx.act(
        save_partner_profile,
        _profile(body),
        partner_id=partner_id,
        allow_http=ctx.settings.env != "production",
    )
    response.headers["Cache-Control"] = _NO_STORE
    return PartnerSavedOut(id=saved_id, webhook_secret=secret)


@router.post("/partners", response_model=PartnerSavedOut, status_code=201)
async def partner(body: PartnerIn, ctx: StaffCtx, response: Response) -> PartnerSavedOut:
    """A partner organisation (its webhook secret, if any, is shown once)."""
    return await _save_partner(ctx, body, response)


@router.put("/partners/{partner_id}", response_model=PartnerSavedOut)
async def change_partner(
    partner_id: uuid.UUID, body: PartnerIn, ctx: StaffCtx, response: Response
) -> PartnerSavedOut:
    """Replace a partner's profile (deactivate it with ``active: false``)."""
    return await _save_partner(ctx, body, response, partner_id)


@router.get("/partners", response_model=list[PartnerOut])
async def partners(ctx: StaffCtx) -> list[PartnerOut]:
    """The partner directory (contact details stay sealed)."""
    return [PartnerOut(**v) for v in await ctx.look(partner_directory)]


@router.post("/partners/{partner_id}/keys", response_model=ApiKeyOut, status_code=201)
async def partner_key(
    partner_id: uuid.UUID, body: ApiKeyIn, ctx: StaffCtx, response: Response
) -> ApiKeyOut:
    """A new API key for a partner's system (shown once)."""
    key_id, secret = await ctx.act(issue_api_key, partner_id, label=body.label)
    response.headers["Cache-Control"] = _NO_STORE
    return ApiKeyOut(id=key_id, key=secret)


@router.delete("/partner-keys/{key_id}", status_code=204)
async def revoke_partner_key(key_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """A key stops working at once."""
    await ctx.act(withdraw_api_key, key_id)
    return Response(status_code=204)


@router.get("/audit/events", response_model=list[AuditEventOut])
async def audit_events(
    ctx: StaffCtx,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=0)] = None,
) -> list[AuditEventOut]:
    """Who did what, when, to which object - newest first; never what the payloads say."""
    events = await ctx.act(audit_trail, limit=limit, before=before)
    return [AuditEventOut.model_validate(e, from_attributes=True) for e in events]


@router.get("/stats", response_model=StatsOut)
async def stats(ctx: StaffCtx) -> StatsOut:
    """How many cases by status, priority and category (counts only)."""
    return StatsOut.model_validate(await ctx.act(case_counts), from_attributes=True)


@router.get("/notifications", response_model=list[NotificationOut])
async def notifications(ctx: StaffCtx) -> list[NotificationOut]:
    """Notices for you (break-glass access in your regions...), newest first."""
    notices = await ctx.look(my_notifications)
    return [NotificationOut.model_validate(n, from_attributes=True) for n in notices]
