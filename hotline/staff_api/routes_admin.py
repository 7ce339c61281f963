"""Administration (users, teams, partners and their keys), the audit trail's index, statistics
and one's own notices. The role each needs is declared by its use case (403 otherwise), as
none of it is one case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
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
from casework.audit.index import AuditEntry
from casework.audit.record import AuditAction
from casework.oversight.audit_viewer import (
    MAX_POSITION,
    audit_entries,
    audit_status,
    case_access_log,
)
from casework.oversight.notifications import my_notifications
from casework.oversight.periods import day_end, day_start
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
    AuditStatusOut,
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


def _event_out(entry: AuditEntry) -> AuditEventOut:
    return AuditEventOut.model_validate(entry, from_attributes=True)


_NEXT_PAGE = {
    "Link": {
        "description": 'The next page, when there is one: `<...&page=N>; rel="next"`.',
        "schema": {"type": "string"},
    }
}


@router.get(
    "/audit/events",
    response_model=list[AuditEventOut],
    responses={200: {"headers": _NEXT_PAGE}, **error_responses(422)},
)
async def audit_events(
    request: Request,
    response: Response,
    ctx: StaffCtx,
    case: Annotated[
        str | None, Query(max_length=20, description="Only this case (its reference).")
    ] = None,
    staff: Annotated[
        str | None, Query(max_length=64, description="Only what this member of staff did.")
    ] = None,
    action: Annotated[AuditAction | None, Query(description="Only this action.")] = None,
    since: Annotated[
        dt.date | None, Query(alias="from", description="From this day (UTC), inclusive.")
    ] = None,
    until: Annotated[
        dt.date | None, Query(alias="to", description="To this day (UTC), inclusive.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
    before: Annotated[
        int | None,
        Query(ge=0, le=MAX_POSITION, description="Only entries logged before this position."),
    ] = None,
) -> list[AuditEventOut]:
    """Who did what, when, to which object - newest first, filtered and paged; never what the
    payloads say. Auditors see all of it, supervisors the entries about cases they may read.
    Reading it is itself an audit entry."""
    found = await ctx.act(
        audit_entries,
        case_reference=case,
        staff_username=staff,
        action=action,
        since=day_start(since, field="from") if since else None,
        until=day_end(until, field="to") if until else None,
        before_position=before,
        page=page,
        per_page=limit,
    )
    if found.has_next:
        following = request.url.include_query_params(page=page + 1)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return [_event_out(e) for e in found.entries]


@router.get("/audit/status", response_model=AuditStatusOut)
async def audit_trail_status(ctx: StaffCtx) -> AuditStatusOut:
    """The newest signed checkpoint and the last `hotline audit verify` of the database."""
    status = await ctx.look(audit_status)
    return AuditStatusOut.of(status)


@router.get(
    "/audit/cases/{case_id}",
    response_model=list[AuditEventOut],
    responses=error_responses(404),
)
async def case_audit(
    case_id: uuid.UUID,
    ctx: StaffCtx,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventOut]:
    """Who (staff and partners) looked at or changed one case, newest first (audited)."""
    found, _more = await ctx.act(case_access_log, case_id, limit=limit)
    return [_event_out(e) for e in found]


@router.get("/stats", response_model=StatsOut)
async def stats(ctx: StaffCtx) -> StatsOut:
    """How many cases by status, priority and category (counts only)."""
    return StatsOut.model_validate(await ctx.act(case_counts), from_attributes=True)


@router.get("/notifications", response_model=list[NotificationOut])
async def notifications(ctx: StaffCtx) -> list[NotificationOut]:
    """Notices for you (break-glass access in your regions...), newest first."""
    notices = await ctx.look(my_notifications)
    return [NotificationOut.model_validate(n, from_attributes=True) for n in notices]
