"""Administration (users, teams, partners and their keys), the audit trail's index, statistics
and one's own notices. Role checks here are per action (403), as none of it is one case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from casework.access.policy import Action
from casework.access.scope import case_filter
from casework.audit.models import AuditEvent
from casework.audit.record import AuditAction, record_event
from casework.cases.models import Case
from casework.errors import NotFound
from casework.partners.directory import PartnerProfile, directory, save_partner
from casework.partners.models import Partner
from casework.partners.service import new_api_key, revoke_api_key
from casework.staff.accounts import (
    check_new_password,
    create_user,
    disable_user,
    ensure_team,
    link_school,
    reset_mfa,
    set_role,
    set_teams,
)
from casework.staff.models import Role, StaffNotification, StaffUser
from casework.taxonomy.models import Category
from hotline.deps import ClockDep, DbDep, KeyringDep, SettingsDep, require_working_keys
from hotline.errors import error_responses
from hotline.staff.auth import CurrentStaff, allowed
from hotline.staff.schemas import (
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


def _user(session: Session, user_id: uuid.UUID) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


@router.get("/users", response_model=list[UserOut])
async def users(staff: CurrentStaff, db: DbDep) -> list[UserOut]:
    """Every account."""
    allowed(staff, Action.USERS_MANAGE)
    found = await db.run_async(
        lambda s: list(s.scalars(select(StaffUser).order_by(StaffUser.username))), write=False
    )
    return [_user_out(u) for u in found]


@router.post("/users", response_model=UserOut, status_code=201)
async def new_user(
    body: UserIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> UserOut:
    """A new account; it sets up TOTP at its first sign-in."""
    allowed(staff, Action.USERS_MANAGE)
    check_new_password(body.password, username=body.username)
    password_hash = await run_in_threadpool(settings.staff_auth.hashing.hash, body.password)

    def run(s: Session) -> UserOut:
        now = clock.now()
        user = create_user(
            s,
            keyring=keyring,
            username=body.username,
            display_name=body.display_name,
            role=body.role,
            password_hash=password_hash,
            partner_id=body.partner_id,
            actor=staff.principal.actor,
            now=now,
        )
        if body.teams:
            set_teams(
                s,
                keyring=keyring,
                user=user,
                team_names=body.teams,
                actor=staff.principal.actor,
                now=now,
            )
        return _user_out(user)

    return await db.run_async(run, write=True)


@router.post("/users/{user_id}/disable", status_code=204)
async def disable(
    user_id: uuid.UUID, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """No more sign-ins; every session ends."""
    allowed(staff, Action.USERS_MANAGE)
    await db.run_async(
        lambda s: disable_user(
            s, keyring=keyring, user=_user(s, user_id), actor=staff.principal.actor, now=clock.now()
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/reset-mfa", status_code=204)
async def reset_second_factor(
    user_id: uuid.UUID, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """Forget the account's authenticator: it enrols again at the next sign-in."""
    allowed(staff, Action.USERS_MANAGE)
    await db.run_async(
        lambda s: reset_mfa(
            s, keyring=keyring, user=_user(s, user_id), actor=staff.principal.actor, now=clock.now()
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/role", status_code=204)
async def change_role(
    user_id: uuid.UUID,
    body: RoleIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """A new role; every session of the account ends."""
    allowed(staff, Action.USERS_MANAGE)
    await db.run_async(
        lambda s: set_role(
            s,
            keyring=keyring,
            user=_user(s, user_id),
            role=body.role,
            actor=staff.principal.actor,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/teams", status_code=204)
async def change_teams(
    user_id: uuid.UUID,
    body: TeamsIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """The teams a member of staff is in."""
    allowed(staff, Action.USERS_MANAGE)
    await db.run_async(
        lambda s: set_teams(
            s,
            keyring=keyring,
            user=_user(s, user_id),
            team_names=body.teams,
            actor=staff.principal.actor,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/schools", status_code=204)
async def link_user_school(
    user_id: uuid.UUID,
    body: SchoolLinkIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Record a conflict of interest: this person never sees restricted cases about the school."""
    allowed(staff, Action.USERS_MANAGE)
    await db.run_async(
        lambda s: link_school(
            s,
            user=_user(s, user_id),
            school_code=body.school,
            keyring=keyring,
            actor=staff.principal.actor,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/teams", response_model=TeamOut, status_code=201)
async def team(body: TeamIn, staff: CurrentStaff, db: DbDep) -> TeamOut:
    """A team and the regions it covers (created or updated)."""
    allowed(staff, Action.CONFIG_MANAGE)
    team_id = await db.run_async(
        lambda s: (
            ensure_team(s, name=body.name, region_codes=body.regions, national=body.national).id
        ),
        write=True,
    )
    return TeamOut(id=team_id)


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


@router.post("/partners", response_model=PartnerSavedOut, status_code=201)
async def partner(
    body: PartnerIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
    response: Response,
) -> PartnerSavedOut:
    """A partner organisation (its webhook secret, if any, is shown once)."""
    allowed(staff, Action.CONFIG_MANAGE)

    def run(s: Session) -> PartnerSavedOut:
        saved, secret = save_partner(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            profile=_profile(body),
            now=clock.now(),
            allow_http=settings.env != "production",
        )
        return PartnerSavedOut(id=saved.id, webhook_secret=secret)

    response.headers["Cache-Control"] = "no-store"
    return await db.run_async(run, write=True)


@router.put("/partners/{partner_id}", response_model=PartnerSavedOut)
async def change_partner(
    partner_id: uuid.UUID,
    body: PartnerIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
    response: Response,
) -> PartnerSavedOut:
    """Replace a partner's profile (deactivate it with ``active: false``)."""
    allowed(staff, Action.CONFIG_MANAGE)

    def run(s: Session) -> PartnerSavedOut:
        saved, secret = save_partner(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            profile=_profile(body),
            now=clock.now(),
            partner_id=partner_id,
            allow_http=settings.env != "production",
        )
        return PartnerSavedOut(id=saved.id, webhook_secret=secret)

    response.headers["Cache-Control"] = "no-store"
    return await db.run_async(run, write=True)


@router.get("/partners", response_model=list[PartnerOut])
async def partners(staff: CurrentStaff, db: DbDep) -> list[PartnerOut]:
    """The partner directory (contact details stay sealed)."""
    allowed(staff, Action.CONFIG_MANAGE)
    return await db.run_async(lambda s: [PartnerOut(**v) for v in directory(s)], write=False)


@router.post("/partners/{partner_id}/keys", response_model=ApiKeyOut, status_code=201)
async def partner_key(
    partner_id: uuid.UUID,
    body: ApiKeyIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> ApiKeyOut:
    """A new API key for a partner's system (shown once)."""
    allowed(staff, Action.CONFIG_MANAGE)

    def run(s: Session) -> ApiKeyOut:
        found = s.get(Partner, partner_id)
        if found is None:
            raise NotFound("no such partner")
        key, secret = new_api_key(
            s,
            keyring=keyring,
            partner=found,
            label=body.label,
            actor=staff.principal.actor,
            now=clock.now(),
        )
        return ApiKeyOut(id=key.id, key=secret)

    response.headers["Cache-Control"] = "no-store"
    return await db.run_async(run, write=True)


@router.delete("/partner-keys/{key_id}", status_code=204)
async def revoke_partner_key(
    key_id: uuid.UUID, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """A key stops working at once."""
    allowed(staff, Action.CONFIG_MANAGE)
    await db.run_async(
        lambda s: revoke_api_key(
            s, keyring=keyring, key_id=key_id, actor=staff.principal.actor, now=clock.now()
        ),
        write=True,
    )
    return Response(status_code=204)


@router.get("/audit/events", response_model=list[AuditEventOut])
async def audit_events(
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=0)] = None,
) -> list[AuditEventOut]:
    """Who did what, when, to which object - newest first; never what the payloads say."""
    allowed(staff, Action.AUDIT_READ)

    def run(s: Session) -> list[AuditEventOut]:
        query = select(AuditEvent).where(AuditEvent.position.is_not(None))
        if staff.principal.role is Role.SUPERVISOR:
            # Who looked at what, for the cases they supervise only (and nothing else).
            mine = select(Case.id).where(
                case_filter(staff.principal, Action.CASE_READ, now=clock.now())
            )
            query = query.where(AuditEvent.case_id.in_(mine))
        if before is not None:
            query = query.where(AuditEvent.position < before)
        rows = s.scalars(query.order_by(AuditEvent.position.desc()).limit(limit)).all()
        record_event(
            s,
            keyring=keyring,
            action=AuditAction.AUDIT_READ,
            actor=staff.principal.actor,
            object_type="audit_trail",
            object_id="-",
            details={"limit": limit, "before": before},
            now=clock.now(),
        )
        return [
            AuditEventOut(
                position=e.position,
                occurred_at=e.occurred_at,
                actor_kind=e.actor_kind,
                actor_id=e.actor_id,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
            )
            for e in rows
        ]

    return await db.run_async(run, write=True)


@router.get("/stats", response_model=StatsOut)
async def stats(staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep) -> StatsOut:
    """How many cases by status, priority and category (counts only)."""
    allowed(staff, Action.STATS_READ)

    def run(s: Session) -> StatsOut:
        # Supervisors count the cases they may see; auditors and administrators count all
        # (numbers only, no content).
        scope = (
            case_filter(staff.principal, Action.CASE_READ, now=clock.now())
            if staff.principal.role is Role.SUPERVISOR
            else true()
        )

        def counted(column) -> dict[str, int]:  # type: ignore[no-untyped-def]
            rows = s.execute(select(column, func.count()).where(scope).group_by(column))
            return {str(k): int(n) for k, n in rows}

        by_category = {
            code: int(n)
            for code, n in s.execute(
                select(Category.code, func.count(Case.id))
                .join(Case, Case.category_id == Category.id)
                .where(scope)
                .group_by(Category.code)
            )
        }
        record_event(
            s,
            keyring=keyring,
            action=AuditAction.STATS_READ,
            actor=staff.principal.actor,
            object_type="statistics",
            object_id="-",
            details={},
            now=clock.now(),
        )
        return StatsOut(
            by_status=counted(Case.status),
            by_priority=counted(Case.priority),
            by_category=by_category,
        )

    return await db.run_async(run, write=True)


@router.get("/notifications", response_model=list[NotificationOut])
async def notifications(staff: CurrentStaff, db: DbDep) -> list[NotificationOut]:
    """Notices for you (break-glass access in your regions...), newest first."""
    rows = await db.run_async(
        lambda s: list(
            s.scalars(
                select(StaffNotification)
                .where(StaffNotification.user_id == staff.principal.user_id)
                .order_by(StaffNotification.created_at.desc())
                .limit(100)
            )
        ),
        write=False,
    )
    return [
        NotificationOut(
            id=n.id, kind=n.kind, text=n.text, case_id=n.case_id, created_at=n.created_at
        )
        for n in rows
    ]
