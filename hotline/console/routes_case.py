"""The case page and everything done from it. Each form posts to its own address and comes
back to the page (303); a refused change shows the page again with the reason (4xx)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from casework.access.cases import find_case, may_on
from casework.access.policy import Action
from casework.access.work import add_note, assign, text_reporter
from casework.cases.models import Case
from casework.enums import Priority
from casework.errors import InvalidInput, NotAllowed, NotFound
from casework.partners.models import Consent, Referral, ReferralStatus
from casework.partners.referrals import ConsentRecord, change_status
from casework.partners.service import refer
from casework.workflow import (
    Closure,
    decide_closure,
    override_priority,
    record_child_views,
    reopen,
    request_closure,
    start_work,
)
from hotline.console.case_page import case_page_data
from hotline.console.session import NO_STORE, FormStaff, PageStaff, field, read_form, render
from hotline.deps import ClockDep, DbDep, KeyringDep, require_working_keys
from hotline.staff.attachments import attachment_response
from hotline.staff.auth import StaffContext

router = APIRouter(
    prefix="/console/cases",
    include_in_schema=False,
    dependencies=[Depends(require_working_keys)],
)
DONE = {
    "priority": "Priority changed.",
    "reply": "Message sent to the reporter.",
    "note": "Note added.",
    "referral": "Referral made.",
    "referral_status": "Referral updated.",
    "views": "The child's views are recorded.",
    "closed": "Case closed.",
    "closure_requested": "Closure requested: a supervisor of the region will decide.",
    "decided": "Decision recorded.",
    "reopened": "Case reopened.",
    "assigned": "Assignment changed.",
    "started": "You are working on this case.",
}
Change = Callable[[Session, Case, dt.datetime], str]


async def _page(
    request: Request,
    staff: StaffContext,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    case_id: uuid.UUID,
    *,
    flash: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    data = await db.run_async(
        lambda s: case_page_data(
            s, keyring=keyring, principal=staff.principal, case_id=case_id, clock=clock
        ),
        write=True,
    )
    context = {**data, "flash": flash, "problem": problem, "section": "queue"}
    return render(request, "case.html", context, staff=staff, status=status)


@router.get("/{case_id}", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_id: uuid.UUID,
    staff: PageStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The whole story of a case on one page."""
    return await _page(request, staff, db, keyring, clock, case_id, flash=DONE.get(done))


async def _change(
    request: Request,
    staff: StaffContext,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    case_id: uuid.UUID,
    action: Action,
    change: Change,
) -> Response:
    """Apply one change to the locked case and come back to the page, or say why not."""

    def run(s: Session) -> str:
        now = clock.now()
        found = find_case(s, staff.principal, case_id, action, now=now, for_update=True)
        return change(s, found, now)

    try:
        done = await db.run_async(run, write=True)
    except InvalidInput as exc:
        return await _page(
            request, staff, db, keyring, clock, case_id, problem=exc.message, status=422
        )
    except NotAllowed:
        return await _page(
            request,
            staff,
            db,
            keyring,
            clock,
            case_id,
            problem="Your role does not allow this on this case.",
            status=403,
        )
    return RedirectResponse(
        f"/console/cases/{case_id}?done={done}", status_code=303, headers=NO_STORE
    )


def _choice(form: FormData, name: str, allowed: type[Any]) -> Any:
    value = field(form, name, limit=40)
    try:
        return allowed(value)
    except ValueError:
        raise InvalidInput(name, "Choose one of the options.") from None


def _uuid(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(field(form, name, limit=40))
    except ValueError:
        raise InvalidInput(name, "Choose one of the options.") from None


async def _form_change(
    request: Request,
    staff: StaffContext,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
    case_id: uuid.UUID,
    action: Action,
    build: Callable[[FormData], Change],
) -> Response:
    """Read the form into a change (a bad field shows the page with the reason), apply it."""
    form = await read_form(request)
    try:
        change = build(form)
    except InvalidInput as exc:
        return await _page(
            request, staff, db, keyring, clock, case_id, problem=exc.message, status=422
        )
    return await _change(request, staff, db, keyring, clock, case_id, action, change)


@router.post("/{case_id}/priority")
async def priority(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Override the priority, with a reason."""

    def build(form: FormData) -> Change:
        wanted = _choice(form, "priority", Priority)
        reason = field(form, "reason", limit=500)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            override_priority(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=case,
                priority=wanted,
                reason=reason,
                now=now,
            )
            return "priority"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/start")
async def start(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Start working on the case."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        start_work(s, keyring=keyring, principal=staff.principal, case=case, now=now)
        return "started"

    return await _change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, change)


@router.post("/{case_id}/reply")
async def reply(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Write to the reporter: a text, or their follow-up inbox (never against their wishes)."""

    def build(form: FormData) -> Change:
        body = field(form, "body", limit=640)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            text_reporter(
                s, keyring=keyring, principal=staff.principal, case=case, body=body, now=now
            )
            return "reply"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/notes")
async def note(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Add a note."""

    def build(form: FormData) -> Change:
        body = field(form, "body", limit=8000)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            add_note(s, keyring=keyring, principal=staff.principal, case=case, body=body, now=now)
            return "note"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/referrals")
async def referral(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Refer to a partner with the child's consent (or a supervisor's reasoned override)."""

    def build(form: FormData) -> Change:
        partner_id = _uuid(form, "partner_id")
        consent = ConsentRecord(
            _choice(form, "consent", Consent),
            field(form, "consent_from", limit=20) or None,
            field(form, "override_reason", limit=500) or None,
        )
        summary = field(form, "summary", limit=2000)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            refer(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=case,
                partner_id=partner_id,
                summary=summary,
                consent=consent,
                now=now,
                supervising=may_on(s, staff.principal, case.id, Action.CASE_SUPERVISE, now=now),
            )
            return "referral"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/referrals/{referral_id}/status")
async def referral_status(
    request: Request,
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Send a draft referral, or withdraw one (with a reason)."""

    def build(form: FormData) -> Change:
        to = _choice(form, "status", ReferralStatus)
        reason = field(form, "note", limit=500) or None

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            found = s.scalars(
                select(Referral)
                .where(Referral.id == referral_id, Referral.case_id == case.id)
                .with_for_update()
            ).first()
            if found is None:
                raise NotFound("no such referral")
            change_status(
                s,
                keyring=keyring,
                referral=found,
                to=to,
                actor=staff.principal.actor,
                by_partner=False,
                note=reason,
                now=now,
            )
            return "referral_status"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/views")
async def views(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Record what the child wants."""

    def build(form: FormData) -> Change:
        text = field(form, "child_views", limit=4000)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            record_child_views(
                s, keyring=keyring, principal=staff.principal, case=case, views=text, now=now
            )
            return "views"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/closure")
async def closure(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Close the case (P1/P2, or once urgent: a request a supervisor decides)."""

    def build(form: FormData) -> Change:
        wanted = Closure(
            field(form, "outcome", limit=40),
            field(form, "child_views", limit=4000) or None,
            field(form, "views_missing", limit=40) or None,
        )

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            supervising = may_on(s, staff.principal, case.id, Action.CASE_SUPERVISE, now=now)
            closed = request_closure(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=case,
                closure=wanted,
                now=now,
                supervising=supervising,
            )
            return "closed" if closed else "closure_requested"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/closure/decision")
async def closure_decision(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """A supervisor approves or (with a reason) rejects a closure request."""

    def build(form: FormData) -> Change:
        approve = field(form, "decision", limit=10) == "approve"
        reason = field(form, "reason", limit=500) or None

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            decide_closure(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=case,
                approve=approve,
                reason=reason,
                now=now,
            )
            return "decided"

        return change

    return await _form_change(
        request, staff, db, keyring, clock, case_id, Action.CASE_SUPERVISE, build
    )


@router.post("/{case_id}/reopen")
async def reopen_case(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Reopen a closed case, with a reason."""

    def build(form: FormData) -> Change:
        reason = field(form, "reason", limit=500)

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            reopen(s, keyring=keyring, principal=staff.principal, case=case, reason=reason, now=now)
            return "reopened"

        return change

    return await _form_change(request, staff, db, keyring, clock, case_id, Action.CASE_WORK, build)


@router.post("/{case_id}/assignment")
async def assignment(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """Give the case to a member of staff, or back to the team's queue (supervisors)."""

    def build(form: FormData) -> Change:
        raw = field(form, "assignee_id", limit=40)
        assignee = _uuid(form, "assignee_id") if raw else None

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            assign(
                s,
                keyring=keyring,
                principal=staff.principal,
                case=case,
                assignee_id=assignee,
                team_id=case.team_id,
                now=now,
                change_assignee=True,
            )
            return "assigned"

        return change

    return await _form_change(
        request, staff, db, keyring, clock, case_id, Action.CASE_ASSIGN, build
    )


@router.get("/{case_id}/attachments/{attachment_id}")
async def attachment(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    staff: PageStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """A picture without its metadata (audited)."""
    return await attachment_response(db, keyring, clock, staff, case_id, attachment_id)


@router.get("/{case_id}/attachments/{attachment_id}/original")
async def attachment_original(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    staff: PageStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Response:
    """The original evidence, for those who may hold it (the download is audited)."""
    return await attachment_response(
        db, keyring, clock, staff, case_id, attachment_id, original=True
    )
