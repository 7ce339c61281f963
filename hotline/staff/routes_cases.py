"""The staff API on cases: every route finds the case through the access policy, so a case
outside the caller's scope is 404 with nothing in the body, and every read is audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access.policy import Action
from casework.cases.models import Case
from casework.cases.reference import normalise_reference
from casework.enums import CaseStatus, Priority
from casework.errors import NotFound
from casework.handling.lifecycle import acknowledge
from casework.handling.placement import Placement, correct_place
from casework.handling.reads import (
    COUNT_CAP,
    CaseQuery,
    ReportView,
    find_case,
    list_cases,
    may_on,
    read_messages,
    read_notes,
    read_report,
    read_reports,
)
from casework.handling.work import add_note, assign, break_glass, set_restriction, text_reporter
from casework.partners.models import Referral
from casework.partners.referrals import ConsentRecord, change_status
from casework.partners.service import refer
from casework.places.models import Region, School
from casework.taxonomy.models import Category
from hotline.deps import ClockDep, DbDep, KeyringDep, SettingsDep, require_working_keys
from hotline.errors import error_responses
from hotline.staff.attachments import attachment_response
from hotline.staff.auth import CurrentStaff
from hotline.staff.schemas import (
    AssignIn,
    BreakGlassIn,
    BreakGlassOut,
    CaseListOut,
    CaseOut,
    CaseSummaryOut,
    CreatedOut,
    MessageOut,
    NoteIn,
    NoteOut,
    PlaceIn,
    ReferralIn,
    ReferralStatusIn,
    ReportOut,
    RestrictionIn,
    StaffReferralOut,
    TextIn,
)

router = APIRouter(
    prefix="/api/staff/v1/cases",
    tags=["staff cases"],
    dependencies=[Depends(require_working_keys)],
    responses=error_responses(401),
)
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case, or not yours to see"}
}
_NO_STORE = {"Cache-Control": "no-store"}


def _summary(session: Session, case: Case) -> CaseSummaryOut:
    # session.get: each category, region and school is loaded once per request, not per row.
    category = session.get_one(Category, case.category_id)
    region = session.get(Region, case.region_id) if case.region_id is not None else None
    school = session.get(School, case.school_id) if case.school_id is not None else None
    return CaseSummaryOut(
        id=case.id,
        reference=case.reference,
        status=case.status,
        priority=case.priority,
        category=category.code,
        language=case.language,
        opened_at=case.opened_at,
        assigned_to_id=case.assigned_to_id,
        team_id=case.team_id,
        restricted=case.restricted,
        risk_score=case.risk_score,
        triage_factors=list(case.triage_factors or []),
        region=region.code if region else None,
        school=school.code if school else None,
        perpetrator_role=case.perpetrator_role,
    )


def _report(view: ReportView) -> ReportOut:
    return ReportOut(
        id=view.report.id,
        channel=view.report.channel.value,
        language=view.report.language,
        received_at=view.report.received_at,
        immediate_danger=view.report.immediate_danger.value,
        narrative=view.content.narrative,
        place=view.content.place,
        contact_phone=view.content.contact_phone,
    )


@router.get("", response_model=CaseListOut)
async def cases(
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
    status: CaseStatus | None = None,
    priority: Priority | None = None,
    reference: Annotated[str | None, Query(max_length=20)] = None,
    mine: bool = False,
    region: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseListOut:
    """The cases you may see, most urgent first (a search is audited)."""
    wanted = normalise_reference(reference) if reference else None
    if reference and wanted is None:  # not a reference at all: nothing can match
        response.headers.update(_NO_STORE)
        return CaseListOut(total=0, cases=[])

    def run(s: Session) -> CaseListOut:
        region_id = s.scalar(select(Region.id).where(Region.code == region)) if region else None
        category_id = (
            s.scalar(select(Category.id).where(Category.code == category)) if category else None
        )
        if (region and region_id is None) or (category and category_id is None):
            return CaseListOut(total=0, cases=[])  # an unknown region or category: nothing
        query = CaseQuery(
            status=status,
            priority=priority,
            reference=wanted,
            assigned_to_me=mine,
            region_id=region_id,
            category_id=category_id,
            open_only=open_only,
            limit=limit,
            offset=offset,
        )
        found, total = list_cases(
            s, keyring=keyring, principal=staff.principal, query=query, now=clock.now()
        )
        return CaseListOut(
            total=min(total, COUNT_CAP),
            total_capped=total > COUNT_CAP,
            cases=[_summary(s, c) for c in found],
        )

    response.headers.update(_NO_STORE)
    return await db.run_async(run, write=True)


@router.get("/{case_id}", response_model=CaseOut, responses=_NOT_FOUND)
async def case(
    case_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> CaseOut:
    """One case with its reports, decrypted (the read is audited)."""

    def run(s: Session) -> CaseOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_READ, now=now)
        acknowledge(s, principal=staff.principal, case=found, now=now)
        reports = read_reports(s, keyring=keyring, principal=staff.principal, case=found, now=now)
        return CaseOut(**_summary(s, found).model_dump(), reports=[_report(r) for r in reports])

    response.headers.update(_NO_STORE)
    return await db.run_async(run, write=True)


@router.get("/{case_id}/reports/{report_id}", response_model=ReportOut, responses=_NOT_FOUND)
async def report(
    case_id: uuid.UUID,
    report_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> ReportOut:
    """One report of a case."""

    def run(s: Session) -> ReportOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_READ, now=now)
        return _report(
            read_report(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=found,
                report_id=report_id,
                now=now,
            )
        )

    response.headers.update(_NO_STORE)
    return await db.run_async(run, write=True)


@router.get("/{case_id}/messages", response_model=list[MessageOut], responses=_NOT_FOUND)
async def messages(
    case_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> list[MessageOut]:
    """The conversation with the reporter."""

    def run(s: Session) -> list[MessageOut]:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_READ, now=now)
        return [
            MessageOut(
                id=m.id,
                direction=m.direction,
                body=m.body,
                created_at=m.created_at,
                attachment_ids=list(m.attachment_ids),
            )
            for m in read_messages(
                s, keyring=keyring, principal=staff.principal, case=found, now=now
            )
        ]

    response.headers.update(_NO_STORE)
    return await db.run_async(run, write=True)


@router.post(
    "/{case_id}/messages", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND
)
async def send_message(
    case_id: uuid.UUID,
    body: TextIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> CreatedOut:
    """Text the reporter (only if they agreed, and have not opted out or silenced the phone)."""

    def run(s: Session) -> CreatedOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_WORK, now=now, for_update=True)
        outbox_id = text_reporter(
            s, keyring=keyring, principal=staff.principal, case=found, body=body.body, now=now
        )
        return CreatedOut(id=outbox_id)

    return await db.run_async(run, write=True)


@router.get("/{case_id}/attachments/{attachment_id}", responses=_NOT_FOUND)
async def attachment(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """A picture the reporter sent, re-encoded without its metadata (422 if it is not a
    picture we can read: only the original exists then)."""
    return await attachment_response(db, keyring, clock, staff, case_id, attachment_id)


@router.get("/{case_id}/attachments/{attachment_id}/original", responses=_NOT_FOUND)
async def attachment_original(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """The attachment exactly as the reporter sent it, kept as evidence, with its SHA-256
    (supervisors; the download is audited)."""
    return await attachment_response(
        db, keyring, clock, staff, case_id, attachment_id, original=True
    )


@router.get("/{case_id}/notes", response_model=list[NoteOut], responses=_NOT_FOUND)
async def notes(
    case_id: uuid.UUID,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    response: Response,
) -> list[NoteOut]:
    """The case's notes."""

    def run(s: Session) -> list[NoteOut]:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_READ, now=now)
        return [
            NoteOut(id=n.id, author_id=n.author_id, body=n.body, created_at=n.created_at)
            for n in read_notes(s, keyring=keyring, principal=staff.principal, case=found, now=now)
        ]

    response.headers.update(_NO_STORE)
    return await db.run_async(run, write=True)


@router.post("/{case_id}/notes", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND)
async def new_note(
    case_id: uuid.UUID,
    body: NoteIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> CreatedOut:
    """Add a note."""

    def run(s: Session) -> CreatedOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_WORK, now=now, for_update=True)
        note_id = add_note(
            s, keyring=keyring, principal=staff.principal, case=found, body=body.body, now=now
        )
        return CreatedOut(id=note_id)

    return await db.run_async(run, write=True)


@router.post("/{case_id}/assignment", status_code=204, responses=_NOT_FOUND)
async def assignment(
    case_id: uuid.UUID,
    body: AssignIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Give the case to someone and/or a team's queue (supervisors, in their regions)."""

    def run(s: Session) -> None:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_ASSIGN, now=now, for_update=True)
        assign(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=found,
            assignee_id=body.assignee_id,
            team_id=body.team_id,
            now=now,
            change_assignee="assignee_id" in body.model_fields_set,
        )

    await db.run_async(run, write=True)
    return Response(status_code=204)


@router.post("/{case_id}/restriction", status_code=204, responses=_NOT_FOUND)
async def restriction(
    case_id: uuid.UUID,
    body: RestrictionIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Restrict the case to named people and supervisors, or lift it (supervisors)."""

    def run(s: Session) -> None:
        now = clock.now()
        found = find_case(
            s, staff.principal, case_id, Action.CASE_RESTRICT, now=now, for_update=True
        )
        set_restriction(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=found,
            restricted=body.restricted,
            named_user_ids=body.named_user_ids,
            now=now,
        )

    await db.run_async(run, write=True)
    return Response(status_code=204)


@router.post("/{case_id}/break-glass", response_model=BreakGlassOut, responses=_NOT_FOUND)
async def open_in_emergency(
    case_id: uuid.UUID,
    body: BreakGlassIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> BreakGlassOut:
    """Open a case outside your scope, with a reason: for a limited time, audited, and the
    region's supervisors are told."""
    minutes = settings.break_glass_minutes

    def run(s: Session) -> BreakGlassOut:
        found = break_glass(
            s,
            keyring=keyring,
            principal=staff.principal,
            case_id=case_id,
            reason=body.reason,
            minutes=minutes,
            now=clock.now(),
        )
        return BreakGlassOut(case_id=found.id, minutes=minutes)

    return await db.run_async(run, write=True)


@router.post(
    "/{case_id}/referrals", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND
)
async def new_referral(
    case_id: uuid.UUID,
    body: ReferralIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> CreatedOut:
    """Refer the case to a partner: a minimised summary and the child's consent (without it,
    a supervisor of the region, with a reason)."""
    consent = ConsentRecord(body.consent, body.consent_from, body.override_reason)

    def run(s: Session) -> CreatedOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_WORK, now=now, for_update=True)
        referral = refer(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=found,
            partner_id=body.partner_id,
            summary=body.summary,
            consent=consent,
            now=now,
            send=body.send,
            supervising=may_on(s, staff.principal, found.id, Action.CASE_SUPERVISE, now=now),
        )
        return CreatedOut(id=referral.id)

    return await db.run_async(run, write=True)


@router.get("/{case_id}/referrals", response_model=list[StaffReferralOut], responses=_NOT_FOUND)
async def case_referrals(
    case_id: uuid.UUID, staff: CurrentStaff, db: DbDep, clock: ClockDep
) -> list[StaffReferralOut]:
    """The case's referrals and where each is."""

    def run(s: Session) -> list[StaffReferralOut]:
        found = find_case(s, staff.principal, case_id, Action.CASE_READ, now=clock.now())
        rows = s.scalars(
            select(Referral).where(Referral.case_id == found.id).order_by(Referral.created_at)
        )
        return [
            StaffReferralOut(
                id=r.id,
                partner_id=r.partner_id,
                status=r.status,
                consent=r.consent,
                shared=list(r.shared or []),
                created_at=r.created_at,
                status_changed_at=r.status_changed_at,
            )
            for r in rows
        ]

    return await db.run_async(run, write=False)


@router.post("/{case_id}/referrals/{referral_id}/status", status_code=204, responses=_NOT_FOUND)
async def referral_status(
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: ReferralStatusIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Send a draft, or withdraw a referral (with a reason)."""

    def run(s: Session) -> None:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_WORK, now=now, for_update=True)
        referral = s.scalars(
            select(Referral)
            .where(Referral.id == referral_id, Referral.case_id == found.id)
            .with_for_update()
        ).first()
        if referral is None:
            raise NotFound("no such referral")
        change_status(
            s,
            keyring=keyring,
            referral=referral,
            to=body.status,
            actor=staff.principal.actor,
            by_partner=False,
            note=body.note,
            now=now,
        )

    await db.run_async(run, write=True)
    return Response(status_code=204)


@router.put("/{case_id}/place", response_model=CaseSummaryOut, responses=_NOT_FOUND)
async def place(
    case_id: uuid.UUID,
    body: PlaceIn,
    staff: CurrentStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> CaseSummaryOut:
    """Set or correct where the case belongs - region, school, category, the alleged
    perpetrator's role. It is triaged again (the priority only rises; at least P2 when the
    accused is in authority) and re-routed to its region's queue and someone on shift there,
    never to anyone linked to the school when the accused works there."""

    def run(s: Session) -> CaseSummaryOut:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, Action.CASE_WORK, now=now, for_update=True)
        correct_place(
            s,
            keyring=keyring,
            principal=staff.principal,
            case=found,
            placement=Placement(body.region, body.school, body.category, body.perpetrator_role),
            now=now,
        )
        return _summary(s, found)

    return await db.run_async(run, write=True)
