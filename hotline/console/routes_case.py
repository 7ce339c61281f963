"""The case page and everything done from it. Each form posts to its own address and comes
back to the page (303); a refused change shows the page again with the reason (4xx)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from casework.access.policy import Action
from casework.access.scope import Principal
from casework.cases.models import Case
from casework.clock import Clock
from casework.enums import PerpetratorRole, Priority
from casework.errors import InvalidInput, NotAllowed, NotFound
from casework.handling.closure import (
    Closure,
    decide_closure,
    record_child_views,
    reopen,
    request_closure,
)
from casework.handling.lifecycle import override_priority, start_work
from casework.handling.placement import Placement, correct_place
from casework.handling.reads import find_case, may_on
from casework.handling.work import add_note, assign, text_reporter
from casework.partners.models import Consent, Referral, ReferralStatus
from casework.partners.referrals import ConsentRecord, change_status
from casework.partners.service import refer
from casework.places.matching import school_named
from casework.protection.keys import Keyring
from hotline.console.case_page import case_page_data
from hotline.console.session import NO_STORE, FormStaff, PageStaff, field, read_form, render
from hotline.database import Database
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
    "placed": "Saved: the case was triaged again and sent to its region's queue.",
    "unchanged": "Nothing changed.",
}
# The case now belongs where the person who placed it may not follow.
MOVED_AWAY = "moved_away"
Change = Callable[[Session, Case, dt.datetime], str]
CONSENT_MISSING = (
    "Say whether the child or their guardian agreed to the referral: consent given, "
    "refused, or could not be asked. Nobody was referred."
)


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
    again: dict[str, Any] | None = None,
) -> HTMLResponse:
    data = await db.run_async(
        lambda s: case_page_data(
            s, keyring=keyring, principal=staff.principal, case_id=case_id, clock=clock
        ),
        write=True,
    )
    context = {
        **data,
        "flash": flash,
        "problem": problem,
        "section": "queue",
        # A refused form comes back with what was typed in it (and which field was wrong).
        "posted": {},
        "posted_to": None,
        "problem_field": None,
        **(again or {}),
    }
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


@dataclass(frozen=True)
class Posted:
    """A form posted from the case page, with who posted it and what to work with."""

    request: Request
    case_id: uuid.UUID
    staff: StaffContext
    db: Database
    keyring: Keyring
    clock: Clock
    form: FormData

    @property
    def principal(self) -> Principal:
        """Who posted it."""
        return self.staff.principal

    async def apply(self, action: Action, change: Change) -> Response:
        """Apply ``change`` to the locked case and come back to the page, or say why not."""

        def run(s: Session) -> str:
            now = self.clock.now()
            found = find_case(s, self.principal, self.case_id, action, now=now, for_update=True)
            return change(s, found, now)

        try:
            done = await self.db.run_async(run, write=True)
        except InvalidInput as exc:
            return await self._again(exc.message, 422, problem_field=exc.field)
        except NotAllowed:
            return await self._again("Your role does not allow this on this case.", 403)
        target = (
            f"/console/queue?done={done}"
            if done == MOVED_AWAY
            else f"/console/cases/{self.case_id}?done={done}"
        )
        return RedirectResponse(target, status_code=303, headers=NO_STORE)

    async def _again(
        self, problem: str, status: int, *, problem_field: str | None = None
    ) -> HTMLResponse:
        typed = {
            name: value
            for name, value in self.form.items()
            if isinstance(value, str) and name != "csrf_token"
        }
        return await _page(
            self.request,
            self.staff,
            self.db,
            self.keyring,
            self.clock,
            self.case_id,
            problem=problem,
            status=status,
            again={
                "posted": typed,
                "posted_to": self.request.url.path.rsplit("/", 1)[-1],
                "problem_field": problem_field,
            },
        )


async def posted(
    request: Request,
    case_id: uuid.UUID,
    staff: FormStaff,
    db: DbDep,
    keyring: KeyringDep,
    clock: ClockDep,
) -> Posted:
    """The posted form (its CSRF token already checked by ``FormStaff``)."""
    return Posted(request, case_id, staff, db, keyring, clock, await read_form(request))


PostedForm = Annotated[Posted, Depends(posted)]


def _choice(
    form: FormData, name: str, allowed: type[Any], message: str = "Choose one of the options."
) -> Any:
    value = field(form, name, limit=40)
    try:
        return allowed(value)
    except ValueError:
        raise InvalidInput(name, message) from None


def _uuid(form: FormData, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(field(form, name, limit=40))
    except ValueError:
        raise InvalidInput(name, "Choose one of the options.") from None


@router.post("/{case_id}/priority")
async def priority(p: PostedForm) -> Response:
    """Override the priority, with a reason."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        override_priority(
            s,
            keyring=p.keyring,
            principal=p.principal,
            case=case,
            priority=_choice(p.form, "priority", Priority),
            reason=field(p.form, "reason", limit=500),
            now=now,
        )
        return "priority"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/start")
async def start(p: PostedForm) -> Response:
    """Start working on the case."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        start_work(s, keyring=p.keyring, principal=p.principal, case=case, now=now)
        return "started"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/reply")
async def reply(p: PostedForm) -> Response:
    """Write to the reporter: a text, or their follow-up inbox (never against their wishes)."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        body = field(p.form, "body", limit=640)
        text_reporter(s, keyring=p.keyring, principal=p.principal, case=case, body=body, now=now)
        return "reply"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/notes")
async def note(p: PostedForm) -> Response:
    """Add a note."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        body = field(p.form, "body", limit=8000)
        add_note(s, keyring=p.keyring, principal=p.principal, case=case, body=body, now=now)
        return "note"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/referrals")
async def referral(p: PostedForm) -> Response:
    """Refer to a partner with the child's consent (or a supervisor's reasoned override)."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        consent = ConsentRecord(
            _choice(p.form, "consent", Consent, CONSENT_MISSING),
            field(p.form, "consent_from", limit=20) or None,
            field(p.form, "override_reason", limit=500) or None,
        )
        refer(
            s,
            keyring=p.keyring,
            principal=p.principal,
            case=case,
            partner_id=_uuid(p.form, "partner_id"),
            summary=field(p.form, "summary", limit=2000),
            consent=consent,
            now=now,
            supervising=may_on(s, p.principal, case.id, Action.CASE_SUPERVISE, now=now),
        )
        return "referral"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/referrals/{referral_id}/status")
async def referral_status(referral_id: uuid.UUID, p: PostedForm) -> Response:
    """Send a draft referral, or withdraw one (with a reason)."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        to = _choice(p.form, "status", ReferralStatus)
        found = s.scalars(
            select(Referral)
            .where(Referral.id == referral_id, Referral.case_id == case.id)
            .with_for_update()
        ).first()
        if found is None:
            raise NotFound("no such referral")
        change_status(
            s,
            keyring=p.keyring,
            referral=found,
            to=to,
            actor=p.principal.actor,
            by_partner=False,
            note=field(p.form, "note", limit=500) or None,
            now=now,
        )
        return "referral_status"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/views")
async def views(p: PostedForm) -> Response:
    """Record what the child wants."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        text = field(p.form, "child_views", limit=4000)
        record_child_views(
            s, keyring=p.keyring, principal=p.principal, case=case, views=text, now=now
        )
        return "views"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/closure")
async def closure(p: PostedForm) -> Response:
    """Close the case (P1/P2, or once urgent: a request a supervisor decides)."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        wanted = Closure(
            field(p.form, "outcome", limit=40),
            field(p.form, "child_views", limit=4000) or None,
            field(p.form, "views_missing", limit=40) or None,
        )
        closed = request_closure(
            s,
            keyring=p.keyring,
            principal=p.principal,
            case=case,
            closure=wanted,
            now=now,
            supervising=may_on(s, p.principal, case.id, Action.CASE_SUPERVISE, now=now),
        )
        return "closed" if closed else "closure_requested"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/closure/decision")
async def closure_decision(p: PostedForm) -> Response:
    """A supervisor approves or (with a reason) rejects a closure request."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        decide_closure(
            s,
            keyring=p.keyring,
            principal=p.principal,
            case=case,
            approve=field(p.form, "decision", limit=10) == "approve",
            reason=field(p.form, "reason", limit=500) or None,
            now=now,
        )
        return "decided"

    return await p.apply(Action.CASE_SUPERVISE, change)


@router.post("/{case_id}/reopen")
async def reopen_case(p: PostedForm) -> Response:
    """Reopen a closed case, with a reason."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        reason = field(p.form, "reason", limit=500)
        reopen(s, keyring=p.keyring, principal=p.principal, case=case, reason=reason, now=now)
        return "reopened"

    return await p.apply(Action.CASE_WORK, change)


@router.post("/{case_id}/assignment")
async def assignment(p: PostedForm) -> Response:
    """Give the case to a member of staff, or back to the team's queue (supervisors)."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        chosen = field(p.form, "assignee_id", limit=40)
        assign(
            s,
            keyring=p.keyring,
            principal=p.principal,
            case=case,
            assignee_id=_uuid(p.form, "assignee_id") if chosen else None,
            team_id=case.team_id,
            now=now,
            change_assignee=True,
        )
        return "assigned"

    return await p.apply(Action.CASE_ASSIGN, change)


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


@router.post("/{case_id}/place")
async def place(p: PostedForm) -> Response:
    """Set or correct where the case belongs: it is triaged again and re-routed."""

    def change(s: Session, case: Case, now: dt.datetime) -> str:
        school = field(p.form, "school", limit=200).strip()
        code = school_named(s, school) if school else None
        if school and code is None:
            raise InvalidInput(
                "school", "No single school has that name: type more of it, or its code."
            )
        placement = Placement(
            region=field(p.form, "region", limit=40) or None,
            school=code,
            category=field(p.form, "category", limit=40),
            perpetrator_role=_choice(p.form, "perpetrator_role", PerpetratorRole),
        )
        if not correct_place(
            s, keyring=p.keyring, principal=p.principal, case=case, placement=placement, now=now
        ):
            return "unchanged"
        if may_on(s, p.principal, case.id, Action.CASE_READ, now=now):
            return "placed"
        return MOVED_AWAY

    return await p.apply(Action.CASE_WORK, change)
