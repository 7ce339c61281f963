"""The on-call rota and alarms: who is texted when a child may be in danger now.

A region's on-call turn covers its cases; a national turn (no region) covers the cases whose
region is not known yet, and every region that has nobody on call of its own. An alarm is an
SMS to the phones of whoever is on call (through the outbox), a console notice to them, and a
notice to the person the case is with - so it reaches a human whichever channel the child used.
When the rota names nobody with a phone, the worker falls back to the installation's on-call
phones; when there are none either, it tells the supervisors and administrators rather than
dropping the alarm silently (``alarm_reached_no_phone``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.routing.models import OnCallShift
from casework.routing.people import region_supervisors
from casework.staff.models import Role, StaffUser

STAFF_PURPOSE: Final = "staff"


@dataclass(frozen=True)
class OnCall:
    """Whoever is on call for a case now: the people, and the phones to text."""

    people: tuple[uuid.UUID, ...]
    phones: tuple[str, ...]


def _turns(region_id: int | None, now: dt.datetime) -> list[ColumnElement[bool]]:
    here = (
        OnCallShift.region_id.is_(None) if region_id is None else OnCallShift.region_id == region_id
    )
    return [
        here,
        OnCallShift.starts_at <= now,
        OnCallShift.ends_at > now,
        StaffUser.active.is_(True),
    ]


def on_call(session: Session, keyring: Keyring, region_id: int | None, now: dt.datetime) -> OnCall:
    """Who is on call for a case of this region now (the national rota for no region, or when
    the region's rota names nobody)."""
    rows: list[tuple[uuid.UUID, bytes | None]] = []
    for region in dict.fromkeys([region_id, None]):  # the region's rota, then the national one
        rows = [
            (user_id, phone)
            for user_id, phone in session.execute(
                select(StaffUser.id, StaffUser.phone_ct)
                .join(OnCallShift, OnCallShift.user_id == StaffUser.id)
                .where(*_turns(region, now))
                .order_by(OnCallShift.starts_at, StaffUser.id)
            )
        ]
        if rows:
            break
    people = tuple(dict.fromkeys(user_id for user_id, _ in rows))
    if not any(phone for _, phone in rows):
        return OnCall(people, ())
    key = keyring.purpose_key(session, STAFF_PURPOSE)
    phones = [
        open_text(key, table="staff_user", column="phone", row_id=user_id, ciphertext=phone)
        for user_id, phone in rows
        if phone is not None
    ]
    return OnCall(people, tuple(dict.fromkeys(phones)))


def on_call_phones(
    session: Session, keyring: Keyring, region_id: int | None, now: dt.datetime
) -> list[str]:
    """Phones of whoever is on call for a case of this region now (those with a phone)."""
    return list(on_call(session, keyring, region_id, now).phones)


def notify(
    session: Session,
    *,
    keyring: Keyring,
    to: list[uuid.UUID],
    kind: str,
    case: Case,
    text: str,
    now: dt.datetime,
) -> None:
    """A console notice to these members of staff (through the outbox; nothing if nobody)."""
    people = [str(u) for u in dict.fromkeys(to)]
    if not people:
        return
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={"to": people, "kind": kind, "case": str(case.id), "text": text},
        now=now,
    )


def alert_on_call(
    session: Session, *, keyring: Keyring, case: Case, why: str, now: dt.datetime
) -> uuid.UUID:
    """Text whoever is on call for the case (through the outbox), and put a notice in their
    console; returns the alert's outbox id."""
    duty = on_call(session, keyring, case.region_id, now)
    alert_id = enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.ALERT,
        payload={
            "reference": case.reference,
            "case": str(case.id),
            "priority": case.priority.value,
            "why": why,
            "to": list(duty.phones),
        },
        now=now,
    )
    notify(
        session,
        keyring=keyring,
        to=list(duty.people),
        kind="on_call_alert",
        case=case,
        text=f"{case.priority.value} case {case.reference} needs someone now ({why}).",
        now=now,
    )
    return alert_id


def alarm_reached_no_phone(
    session: Session, *, keyring: Keyring, case_id: uuid.UUID | None, now: dt.datetime
) -> None:
    """An alert found no phone to text at all: tell the case's supervisors and every
    administrator in their console, so the gap in the rota is seen and filled."""
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None:
        return
    admins = list(
        session.scalars(
            select(StaffUser.id).where(StaffUser.active, StaffUser.role == Role.ADMINISTRATOR)
        )
    )
    notify(
        session,
        keyring=keyring,
        to=[*region_supervisors(session, case), *admins],
        kind="alert_undelivered",
        case=case,
        text=(
            f"The alert for {case.priority.value} case {case.reference} reached no phone: "
            "nobody on call has a phone on file. Open the case, and fix the on-call rota."
        ),
        now=now,
    )
