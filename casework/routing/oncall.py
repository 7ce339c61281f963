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
import functools
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.access.scope import load_principal, may_in_memory
from casework.cases.models import Case
from casework.outbox.models import OutboxKind
from casework.outbox.service import enqueue
from casework.protection.fields import open_text
from casework.protection.keys import Keyring
from casework.routing.models import OnCallShift
from casework.routing.people import conflicted_with_school, region_supervisors
from casework.staff.models import Role, StaffUser

STAFF_PURPOSE: Final = "staff"


@dataclass(frozen=True)
class OnCall:
    """Whoever is on call for a case now: the people, and the phones to text."""

    people: tuple[uuid.UUID, ...]
    phones: tuple[str, ...]


def may_open(session: Session, user_id: uuid.UUID, case: Case, now: dt.datetime) -> bool:
    """Whether this member of staff may open the case (the access policy), and is not linked
    to its school when the accused works there: only such people are alerted about it."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active:
        return False
    principal = load_principal(session, user)
    if conflicted_with_school(case) and case.school_id in principal.school_ids:
        return False
    return may_in_memory(session, principal, case, Action.CASE_READ, now=now)


@functools.cache
def _on_call_query(regional: bool) -> Executable:
    """Who is on call now for a region and nationally, the region's own turn first (built
    once: building it cost more than running it)."""
    national = OnCallShift.region_id.is_(None)
    here = (OnCallShift.region_id == bindparam("region_id")) | national if regional else national
    now = bindparam("now", type_=OnCallShift.starts_at.type)
    return (
        select(StaffUser.id, StaffUser.phone_ct, national)
        .join(OnCallShift, OnCallShift.user_id == StaffUser.id)
        .where(here, OnCallShift.starts_at <= now, OnCallShift.ends_at > now, StaffUser.active)
        .order_by(national, OnCallShift.starts_at, StaffUser.id)
    )


def on_call(session: Session, keyring: Keyring, case: Case, now: dt.datetime) -> OnCall:
    """Who is on call for the case now, among those who may open it: the region's own rota,
    then - when it holds no phone - the national rota (which also covers unplaced cases)."""
    people: list[uuid.UUID] = []
    phones: list[str] = []
    key = None
    rows = session.execute(
        _on_call_query(case.region_id is not None), {"region_id": case.region_id, "now": now}
    ).all()
    for user_id, phone, is_national in rows:
        if is_national and phones and case.region_id is not None:
            break  # the region's rota holds a phone: the national one is not woken
        if user_id in people or not may_open(session, user_id, case, now):
            continue
        people.append(user_id)
        if phone is not None:
            key = key or keyring.purpose_key(session, STAFF_PURPOSE)
            phones.append(
                open_text(key, table="staff_user", column="phone", row_id=user_id, ciphertext=phone)
            )
    return OnCall(tuple(people), tuple(dict.fromkeys(phones)))


def notify(
    session: Session,
    *,
    keyring: Keyring,
    to: list[uuid.UUID],
    kind: str,
    case: Case | None,
    text: str,
    now: dt.datetime,
) -> None:
    """A console notice to these members of staff (through the outbox; nothing if nobody).
    Without a case it links to none (for people who may not open it)."""
    people = [str(u) for u in dict.fromkeys(to)]
    if not people:
        return
    enqueue(
        session,
        keyring=keyring,
        kind=OutboxKind.STAFF_NOTICE,
        payload={
            "to": people,
            "kind": kind,
            "case": str(case.id) if case is not None else None,
            "text": text,
        },
        now=now,
    )


def alert_on_call(
    session: Session, *, keyring: Keyring, case: Case, why: str, now: dt.datetime
) -> uuid.UUID:
    """Text whoever is on call for the case (through the outbox), and put a notice in their
    console; returns the alert's outbox id."""
    duty = on_call(session, keyring, case, now)
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


def raise_alarm(
    session: Session, *, keyring: Keyring, case: Case, why: str, now: dt.datetime
) -> None:
    """Someone may be in danger now: text whoever is on call, and tell the case's owner."""
    alert_on_call(session, keyring=keyring, case=case, why=why, now=now)
    if case.assigned_to_id is not None:
        notify(
            session,
            keyring=keyring,
            to=[case.assigned_to_id],
            kind="danger",
            case=case,
            text=f"{case.priority.value} case {case.reference}: someone may be in danger now "
            f"({why}).",
            now=now,
        )


def alarm_reached_no_phone(
    session: Session, *, keyring: Keyring, case_id: uuid.UUID | None, now: dt.datetime
) -> None:
    """An alert found no phone to text at all: the case's supervisors are told to open it,
    and every administrator to fix the rota (without the case: they may not open it)."""
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None:
        return
    notify(
        session,
        keyring=keyring,
        to=region_supervisors(session, case),
        kind="alert_undelivered",
        case=case,
        text=(
            f"The alert for {case.priority.value} case {case.reference} reached no phone: "
            "nobody on call has a phone on file. Open the case now."
        ),
        now=now,
    )
    admins = session.scalars(
        select(StaffUser.id).where(StaffUser.active, StaffUser.role == Role.ADMINISTRATOR)
    )
    notify(
        session,
        keyring=keyring,
        to=list(admins),
        kind="alert_undelivered",
        case=None,
        text=(
            "A danger alert reached no phone: nobody on call has a phone on file and no "
            "installation on-call phone is set. Fix the on-call rota now."
        ),
        now=now,
    )
