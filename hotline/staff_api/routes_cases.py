"""The staff API on cases: every use case finds the case through the access policy itself,
so a case outside the caller's scope is 404 with nothing in the body, and every read is
audited."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from casework.enums import CaseStatus, Priority
from casework.handling.listing import CaseFilters, find_cases
from casework.handling.placement import Placement, correct_place
from casework.handling.reads import (
    CaseSummary,
    ReportView,
    case_messages,
    case_notes,
    view_case,
    view_report,
)
from casework.handling.referrals import case_referrals as referrals_of
from casework.handling.referrals import refer, set_referral_status
from casework.handling.work import add_note, assign, break_glass, set_restriction, text_reporter
from casework.partners.referrals import ConsentRecord
from hotline.deps import require_working_keys
from hotline.errors import error_responses
from hotline.media.attachments import attachment_response
from hotline.schemas import ReferralStatusIn
from hotline.signin.auth import StaffCtx
from hotline.staff_api.schemas.cases import (
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


def _summary(summary: CaseSummary) -> CaseSummaryOut:
    return CaseSummaryOut(**asdict(summary))


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
    ctx: StaffCtx,
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
    filters = CaseFilters(
        status, priority, reference, mine, region, category, open_only, limit, offset
    )
    page = await ctx.act(find_cases, filters)
    response.headers.update(_NO_STORE)
    return CaseListOut(
        total=page.total,
        total_capped=page.total_capped,
        cases=[_summary(c) for c in page.cases],
    )


@router.get("/{case_id}", response_model=CaseOut, responses=_NOT_FOUND)
async def case(case_id: uuid.UUID, ctx: StaffCtx, response: Response) -> CaseOut:
    """One case with its reports, decrypted (the read is audited)."""
    view = await ctx.act(view_case, case_id)
    response.headers.update(_NO_STORE)
    return CaseOut(**asdict(view.summary), reports=[_report(r) for r in view.reports])


@router.get("/{case_id}/reports/{report_id}", response_model=ReportOut, responses=_NOT_FOUND)
async def report(
    case_id: uuid.UUID, report_id: uuid.UUID, ctx: StaffCtx, response: Response
) -> ReportOut:
    """One report of a case."""
    found = await ctx.act(view_report, case_id, report_id)
    response.headers.update(_NO_STORE)
    return _report(found)


@router.get("/{case_id}/messages", response_model=list[MessageOut], responses=_NOT_FOUND)
async def messages(case_id: uuid.UUID, ctx: StaffCtx, response: Response) -> list[MessageOut]:
    """The conversation with the reporter."""
    found = await ctx.act(case_messages, case_id)
    response.headers.update(_NO_STORE)
    return [
        MessageOut(
            id=m.id,
            direction=m.direction,
            body=m.body,
            created_at=m.created_at,
            attachment_ids=list(m.attachment_ids),
        )
        for m in found
    ]


@router.post(
    "/{case_id}/messages", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND
)
async def send_message(case_id: uuid.UUID, body: TextIn, ctx: StaffCtx) -> CreatedOut:
    """Text the reporter (only if they agreed, and have not opted out or silenced the phone)."""
    return CreatedOut(id=await ctx.act(text_reporter, case_id, body.body))


@router.get("/{case_id}/attachments/{attachment_id}", responses=_NOT_FOUND)
async def attachment(case_id: uuid.UUID, attachment_id: uuid.UUID, ctx: StaffCtx) -> Response:
    """A picture the reporter sent, re-encoded without its metadata (422 if it is not a
    picture we can read: only the original exists then)."""
    return await attachment_response(ctx, case_id, attachment_id)


@router.get("/{case_id}/attachments/{attachment_id}/original", responses=_NOT_FOUND)
async def attachment_original(
    case_id: uuid.UUID, attachment_id: uuid.UUID, ctx: StaffCtx
) -> Response:
    """The attachment exactly as the reporter sent it, kept as evidence, with its SHA-256
    (supervisors; the download is audited)."""
    return await attachment_response(ctx, case_id, attachment_id, original=True)


@router.get("/{case_id}/notes", response_model=list[NoteOut], responses=_NOT_FOUND)
async def notes(case_id: uuid.UUID, ctx: StaffCtx, response: Response) -> list[NoteOut]:
    """The case's notes."""
    found = await ctx.act(case_notes, case_id)
    response.headers.update(_NO_STORE)
    return [
        NoteOut(id=n.id, author_id=n.author_id, body=n.body, created_at=n.created_at) for n in found
    ]


@router.post("/{case_id}/notes", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND)
async def new_note(case_id: uuid.UUID, body: NoteIn, ctx: StaffCtx) -> CreatedOut:
    """Add a note."""
    return CreatedOut(id=await ctx.act(add_note, case_id, body.body))


@router.post("/{case_id}/assignment", status_code=204, responses=_NOT_FOUND)
async def assignment(case_id: uuid.UUID, body: AssignIn, ctx: StaffCtx) -> Response:
    """Give the case to someone and/or a team's queue (supervisors, in their regions)."""
    await ctx.act(
        assign,
        case_id,
        body.assignee_id,
        body.team_id,
        change_assignee="assignee_id" in body.model_fields_set,
    )
    return Response(status_code=204)


@router.post("/{case_id}/restriction", status_code=204, responses=_NOT_FOUND)
async def restriction(case_id: uuid.UUID, body: RestrictionIn, ctx: StaffCtx) -> Response:
    """Restrict the case to named people and supervisors, or lift it (supervisors)."""
    await ctx.act(set_restriction, case_id, body.restricted, body.named_user_ids)
    return Response(status_code=204)


@router.post("/{case_id}/break-glass", response_model=BreakGlassOut, responses=_NOT_FOUND)
async def open_in_emergency(case_id: uuid.UUID, body: BreakGlassIn, ctx: StaffCtx) -> BreakGlassOut:
    """Open a case outside your scope, with a reason: for a limited time, audited, and the
    region's supervisors are told."""
    minutes = ctx.settings.break_glass_minutes
    found = await ctx.act(break_glass, case_id, body.reason, minutes)
    return BreakGlassOut(case_id=found.id, minutes=minutes)


@router.post(
    "/{case_id}/referrals", response_model=CreatedOut, status_code=201, responses=_NOT_FOUND
)
async def new_referral(case_id: uuid.UUID, body: ReferralIn, ctx: StaffCtx) -> CreatedOut:
    """Refer the case to a partner: a minimised summary and the child's consent (without it,
    a supervisor of the region, with a reason)."""
    consent = ConsentRecord(body.consent, body.consent_from, body.override_reason)
    referral = await ctx.act(refer, case_id, body.partner_id, body.summary, consent, send=body.send)
    return CreatedOut(id=referral.id)


@router.get("/{case_id}/referrals", response_model=list[StaffReferralOut], responses=_NOT_FOUND)
async def case_referrals(case_id: uuid.UUID, ctx: StaffCtx) -> list[StaffReferralOut]:
    """The case's referrals and where each is."""
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
        for r, _partner in await ctx.look(referrals_of, case_id)
    ]


@router.post("/{case_id}/referrals/{referral_id}/status", status_code=204, responses=_NOT_FOUND)
async def referral_status(
    case_id: uuid.UUID, referral_id: uuid.UUID, body: ReferralStatusIn, ctx: StaffCtx
) -> Response:
    """Send a draft, or withdraw a referral (with a reason)."""
    await ctx.act(set_referral_status, case_id, referral_id, body.status, body.note)
    return Response(status_code=204)


@router.put("/{case_id}/place", response_model=CaseSummaryOut, responses=_NOT_FOUND)
async def place(case_id: uuid.UUID, body: PlaceIn, ctx: StaffCtx) -> CaseSummaryOut:
    """Set or correct where the case belongs - region, school, category, the alleged
    perpetrator's role. It is triaged again (the priority only rises; at least P2 when the
    accused is in authority) and re-routed to its region's queue and someone on shift there,
    never to anyone linked to the school when the accused works there."""
    placement = Placement(body.region, body.school, body.category, body.perpetrator_role)
    done = await ctx.act(correct_place, case_id, placement)
    return _summary(done.case)
