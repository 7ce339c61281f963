"""Changing routing and SLA configuration as use cases: who speaks what, who is on shift or
on call and on which phone (``rota.manage``: supervisors for the regions they cover, and
administrators), and the SLA targets, region calendars and holidays (``config.manage``).
Each declares the action it needs; the changes themselves are in ``casework.routing.config``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.audit.acting import audited_as
from casework.context import Acting
from casework.enums import Priority
from casework.routing.config import (
    add_holiday,
    add_shift,
    end_shift,
    set_calendar,
    set_languages,
    set_phone,
    set_target,
)
from casework.sla.models import ClockKind, SlaTarget
from casework.staff.models import Role


def planned_regions(principal: Principal) -> frozenset[int] | None:
    """The regions whose rota someone may plan: a supervisor's own (all if national);
    an administrator's, all (None)."""
    if principal.role is Role.SUPERVISOR and not principal.national:
        return principal.region_ids
    return None


def change_languages(acting: Acting, user_id: uuid.UUID, *, languages: list[str]) -> None:
    """The languages a caseworker or supervisor works in."""
    acting.require(Action.ROTA_MANAGE)
    set_languages(**audited_as(acting), user_id=user_id, languages=languages)


def change_phone(
    acting: Acting, user_id: uuid.UUID, *, phone: str | None, default_region: str | None
) -> None:
    """The phone a member of staff is texted on when on call (None: removed);
    ``default_region``: the country a number without one is read in."""
    acting.require(Action.ROTA_MANAGE)
    set_phone(**audited_as(acting), user_id=user_id, phone=phone, default_region=default_region)


def plan_shift(
    acting: Acting,
    *,
    user_id: uuid.UUID,
    region: str | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    on_call: bool,
) -> str:
    """Put someone on shift, or on call, in a region (None: the national desk); returns the
    shift's id."""
    acting.require(Action.ROTA_MANAGE)
    return add_shift(
        **audited_as(acting),
        user_id=user_id,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        on_call=on_call,
        regions=planned_regions(acting.principal),
    )


def stop_shift(acting: Acting, shift: str) -> None:
    """End a shift or on-call turn now."""
    acting.require(Action.ROTA_MANAGE)
    end_shift(**audited_as(acting), shift=shift, regions=planned_regions(acting.principal))


def sla_targets(acting: Acting) -> list[SlaTarget]:
    """The SLA target table."""
    acting.require(Action.CONFIG_MANAGE)
    return list(acting.session.scalars(select(SlaTarget).order_by(SlaTarget.id)))


def change_target(
    acting: Acting,
    *,
    clock: ClockKind,
    priority: Priority,
    category: str | None,
    minutes: int | None,
    business_hours: bool,
) -> None:
    """Set (or with ``minutes=None`` remove) one SLA target."""
    acting.require(Action.CONFIG_MANAGE)
    set_target(
        **audited_as(acting),
        clock=clock,
        priority=priority,
        category=category,
        minutes=minutes,
        business_hours=business_hours,
    )


def change_calendar(
    acting: Acting, region: str, *, timezone: str, hours: dict[str, list[str]]
) -> None:
    """A region's time zone and business hours."""
    acting.require(Action.CONFIG_MANAGE)
    set_calendar(**audited_as(acting), region=region, timezone=timezone, hours=hours)


def new_holiday(acting: Acting, *, region: str | None, day: dt.date, name: str) -> int:
    """A day without business hours in a region (None: everywhere); returns its id."""
    acting.require(Action.CONFIG_MANAGE)
    return add_holiday(**audited_as(acting), region=region, day=day, name=name)
