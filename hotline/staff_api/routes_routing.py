"""Routing and SLA configuration: who speaks what, who is on shift or on call and on which
phone (supervisors and administrators), and the SLA targets, region calendars and holidays
(administrators). Every change is audited."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from casework.administration.routing import (
    change_calendar,
    change_languages,
    change_phone,
    change_target,
    new_holiday,
    plan_shift,
    sla_targets,
    stop_shift,
)
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.routing import (
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


@router.put("/users/{user_id}/languages", status_code=204)
async def languages(user_id: uuid.UUID, body: LanguagesIn, ctx: StaffCtx) -> Response:
    """The languages a caseworker or supervisor works in."""
    await ctx.act(change_languages, user_id, languages=body.languages)
    return Response(status_code=204)


@router.put("/users/{user_id}/phone", status_code=204)
async def phone(user_id: uuid.UUID, body: PhoneIn, ctx: StaffCtx) -> Response:
    """The phone a member of staff is texted on when on call."""
    await ctx.act(
        change_phone,
        user_id,
        phone=body.phone or None,
        default_region=ctx.settings.default_phone_region,
    )
    return Response(status_code=204)


@router.post("/shifts", response_model=ShiftOut, status_code=201)
async def shift(body: ShiftIn, ctx: StaffCtx) -> ShiftOut:
    """Put someone on shift, or on call, in a region."""
    shift_id = await ctx.act(
        plan_shift,
        user_id=body.user_id,
        region=body.region,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        on_call=body.on_call,
    )
    return ShiftOut(id=shift_id)


@router.post("/shifts/{shift_id}/end", status_code=204)
async def finish_shift(shift_id: str, ctx: StaffCtx) -> Response:
    """End a shift or on-call turn now."""
    await ctx.act(stop_shift, shift_id[:80])
    return Response(status_code=204)


@router.get("/sla/targets", response_model=list[TargetOut])
async def targets(ctx: StaffCtx) -> list[TargetOut]:
    """The SLA target table."""
    return [TargetOut.model_validate(r, from_attributes=True) for r in await ctx.look(sla_targets)]


@router.put("/sla/targets", status_code=204)
async def target(body: TargetIn, ctx: StaffCtx) -> Response:
    """Set or remove one target."""
    await ctx.act(
        change_target,
        clock=body.clock,
        priority=body.priority,
        category=body.category,
        minutes=body.minutes,
        business_hours=body.business_hours,
    )
    return Response(status_code=204)


@router.put("/regions/{region}/calendar", status_code=204)
async def calendar(region: str, body: CalendarIn, ctx: StaffCtx) -> Response:
    """A region's time zone and business hours."""
    await ctx.act(change_calendar, region[:40], timezone=body.timezone, hours=body.hours)
    return Response(status_code=204)


@router.post("/holidays", response_model=CreatedIdOut, status_code=201)
async def holiday(body: HolidayIn, ctx: StaffCtx) -> CreatedIdOut:
    """A day without business hours."""
    holiday_id = await ctx.act(new_holiday, region=body.region, day=body.day, name=body.name)
    return CreatedIdOut(id=holiday_id)
