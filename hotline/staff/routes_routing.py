"""Routing and SLA configuration: who speaks what, who is on shift or on call and on which
phone (supervisors and administrators), and the SLA targets, region calendars and holidays
(administrators). Every change is audited."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.routing.config import (
    add_holiday,
    add_shift,
    end_shift,
    set_calendar,
    set_languages,
    set_phone,
    set_target,
)
from casework.sla.models import SlaTarget
from casework.staff.models import Role
from hotline.deps import ClockDep, DbDep, KeyringDep, SettingsDep, require_working_keys
from hotline.errors import error_responses
from hotline.staff.auth import CurrentStaff, allowed
from hotline.staff.schemas import (
    CalendarIn,
    CreatedIdOut,
    HolidayIn,
    LanguagesIn,
    PhoneIn,
    ShiftIn,
    ShiftOut,
    TargetIn,
    TargetOut,
)

router = APIRouter(
    prefix="/api/staff/v1",
    tags=["routing and SLA"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401, 403),
)


def _planned_regions(principal: Principal) -> frozenset[int] | None:
    """The regions whose rota someone may plan: a supervisor's own (all if national);
    an administrator's, all."""
    if principal.role is Role.SUPERVISOR and not principal.national:
        return principal.region_ids
    return None


@router.put("/users/{user_id}/languages", status_code=204)
async def languages(
    user_id: uuid.UUID,
    body: LanguagesIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """The languages a caseworker or supervisor works in."""
    allowed(staff, Action.ROTA_MANAGE)
    await db.run_async(
        lambda s: set_languages(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            user_id=user_id,
            languages=body.languages,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.put("/users/{user_id}/phone", status_code=204)
async def phone(
    user_id: uuid.UUID,
    body: PhoneIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """The phone a member of staff is texted on when on call."""
    allowed(staff, Action.ROTA_MANAGE)
    await db.run_async(
        lambda s: set_phone(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            user_id=user_id,
            phone=body.phone or None,
            default_region=settings.default_phone_region,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/shifts", response_model=ShiftOut, status_code=201)
async def shift(
    body: ShiftIn, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> ShiftOut:
    """Put someone on shift, or on call, in a region."""
    allowed(staff, Action.ROTA_MANAGE)
    shift_id = await db.run_async(
        lambda s: add_shift(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            user_id=body.user_id,
            region=body.region,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            on_call=body.on_call,
            now=clock.now(),
            regions=_planned_regions(staff.principal),
        ),
        write=True,
    )
    return ShiftOut(id=shift_id)


@router.post("/shifts/{shift_id}/end", status_code=204)
async def finish_shift(
    shift_id: str, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """End a shift or on-call turn now."""
    allowed(staff, Action.ROTA_MANAGE)
    await db.run_async(
        lambda s: end_shift(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            shift=shift_id[:80],
            now=clock.now(),
            regions=_planned_regions(staff.principal),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.get("/sla/targets", response_model=list[TargetOut])
async def targets(staff: CurrentStaff, db: DbDep) -> list[TargetOut]:
    """The SLA target table."""
    allowed(staff, Action.CONFIG_MANAGE)
    rows = await db.run_async(
        lambda s: list(s.scalars(select(SlaTarget).order_by(SlaTarget.id))), write=False
    )
    return [
        TargetOut(
            clock=r.clock,
            priority=r.priority,
            category_id=r.category_id,
            minutes=r.minutes,
            business_hours=r.business_hours,
        )
        for r in rows
    ]


@router.put("/sla/targets", status_code=204)
async def target(
    body: TargetIn, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> Response:
    """Set or remove one target."""
    allowed(staff, Action.CONFIG_MANAGE)
    await db.run_async(
        lambda s: set_target(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            clock=body.clock,
            priority=body.priority,
            category=body.category,
            minutes=body.minutes,
            business_hours=body.business_hours,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.put("/regions/{region}/calendar", status_code=204)
async def calendar(
    region: str,
    body: CalendarIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """A region's time zone and business hours."""
    allowed(staff, Action.CONFIG_MANAGE)
    await db.run_async(
        lambda s: set_calendar(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            region=region[:40],
            timezone=body.timezone,
            hours=body.hours,
            now=clock.now(),
        ),
        write=True,
    )
    return Response(status_code=204)


@router.post("/holidays", response_model=CreatedIdOut, status_code=201)
async def holiday(
    body: HolidayIn, staff: CurrentStaff, db: DbDep, keyring: KeyringDep, clock: ClockDep
) -> CreatedIdOut:
    """A day without business hours."""
    allowed(staff, Action.CONFIG_MANAGE)
    holiday_id = await db.run_async(
        lambda s: add_holiday(
            s,
            keyring=keyring,
            actor=staff.principal.actor,
            region=body.region,
            day=body.day,
            name=body.name,
            now=clock.now(),
        ),
        write=True,
    )
    return CreatedIdOut(id=holiday_id)
