"""The console over HTTP: sign-in redirects that remember the page, CSRF on every form,
no caching of case pages, scope, and clear 4xx answers to bad input."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM, Actor
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.cases.service import NewEvent, append_events
from casework.enums import (
    ActorKind,
    CaseEventKind,
    CaseStatus,
    Channel,
    PerpetratorRole,
    ReporterRole,
)
from casework.handling.closure import OUTCOMES
from casework.handling.lifecycle import PAUSE_REASONS
from casework.intake.models import Report
from casework.partners.models import Consent, Referral, ReferralStatus
from casework.protection.keys import Keyring
from casework.staff.models import StaffUser
from hotline.console.session import safe_next
from hotline.runtime.database import Database
from hotline.signin.auth import COOKIE as COOKIE_NAME_FOR_TESTS
from tests.hotline.staff_world import NOW, World


def _as(client: TestClient, world: World, who: str) -> TestClient:
    client.cookies.set(COOKIE_NAME_FOR_TESTS, world.tokens[who])
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_page_without_a_session_goes_to_sign_in_and_remembers_it(
    world_client: TestClient, world: World
) -> None:
    path = f"/console/cases/{world.cases['C1']}"
    answer = world_client.get(path, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next={path}"
    page = world_client.get(answer.headers["location"])
    assert f'name="next" value="{path}"' in page.text


@pytest.mark.parametrize(
    "wanted",
    ["//evil.example/x", "https://evil.example", "/console/../api", "/report", "/console?x=1"],
)
def test_only_console_paths_are_remembered(wanted: str) -> None:
    assert safe_next(wanted) == "/console/queue"


def test_the_queue_lists_what_the_caseworker_may_see(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get("/console/queue?view=team")

    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("no-store")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script anywhere
    assert str(world.cases["C1"]) in page.text
    assert str(world.cases["C3"]) not in page.text  # another region's


def test_the_case_page_is_never_cached_and_shows_the_story(
    world_client: TestClient, world: World
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/cases/{world.cases['C1']}")

    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("no-store")
    assert "Words of case C1." in page.text
    assert "secret note" in page.text


def test_another_regions_case_is_not_found(world_client: TestClient, world: World) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/cases/{world.cases['C3']}")

    assert page.status_code == 404
    assert "Words of case C3." not in page.text
    assert "text/html" in page.headers["content-type"]


def test_a_form_without_the_csrf_token_is_refused(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"

    refused = client.post(f"{path}/notes", data={"body": "forged"}, follow_redirects=False)
    wrong = client.post(
        f"{path}/notes", data={"body": "forged", "csrf_token": "x" * 43}, follow_redirects=False
    )

    assert refused.status_code == wrong.status_code == 403
    assert "forged" not in client.get(path).text


def test_a_note_with_the_token_is_added(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    token = _csrf(client.get(path).text)

    added = client.post(
        f"{path}/notes",
        data={"body": "called the school", "csrf_token": token},
        follow_redirects=False,
    )

    assert added.status_code == 303
    assert added.headers["location"] == f"{path}?done=note"
    assert "called the school" in client.get(added.headers["location"]).text


@pytest.mark.parametrize(
    ("form", "action"),
    [
        ({"priority": "P9", "reason": "because of reasons"}, "priority"),
        ({"priority": "P1", "reason": ""}, "priority"),
        ({"body": ""}, "notes"),
        ({"body": "x" * 9000}, "notes"),
        ({"partner_id": "not-an-id", "consent": "given", "summary": "s"}, "referrals"),
        ({"outcome": "nonsense"}, "closure"),
    ],
)
def test_bad_input_is_a_clear_4xx_page(
    world_client: TestClient, world: World, form: dict[str, str], action: str
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    token = _csrf(client.get(path).text)

    answer = client.post(f"{path}/{action}", data={**form, "csrf_token": token})

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]


def test_supervision_is_for_supervisors(world_client: TestClient, world: World) -> None:
    assert _as(world_client, world, "CW_ASSIGNEE").get("/console/supervise").status_code == 403
    page = _as(world_client, world, "SV_REGION").get("/console/supervise")
    assert page.status_code == 200
    assert "Caseload" in page.text


def test_a_caseworker_sees_the_cleaned_picture_but_not_the_original_link(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    page = client.get(path).text

    assert f"{path}/attachments/{world.attachments['C1']}" in page
    assert "/original" not in page
    assert client.get(f"{path}/attachments/{world.attachments['C1']}/original").status_code == 403


def test_an_expired_session_returns_to_sign_in_remembering_the_page(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    assert client.get(path).status_code == 200

    client.app.state.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    answer = client.get(path, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next={path}"


# ---------------------------------------------------------------- issue 13: console defects


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def _visible(page: str) -> str:
    """The words a person sees: text and the choices of menus, without markup or scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", page))


def _post_form(client: TestClient, path: str, action: str, **form: str) -> Any:
    token = _csrf(client.get(path).text)
    return client.post(f"{path}/{action}", data={**form, "csrf_token": token})


def test_the_filter_form_as_sent_by_the_show_button_lists_cases(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    empty = "view=team&q=&priority=&status=&category=&region=&channel="

    page = client.get(f"/console/queue?{empty}")

    assert page.status_code == 200
    assert str(world.cases["C1"]) in page.text
    chosen = client.get("/console/queue?view=team&priority=P3&status=new&channel=app&q=")
    assert chosen.status_code == 200
    assert str(world.cases["C1"]) in chosen.text
    assert 'value="P3" selected' in chosen.text


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("priority=P9", "Choose the priority from the list."),
        ("status=open", "Choose the status from the list."),
        ("channel=fax", "Choose the channel from the list."),
        ("region=atlantis", "Choose the region from the list."),
        ("category=nonsense", "Choose the category from the list."),
        ("view=everything", "Choose which cases to see from the tabs."),
    ],
)
def test_an_unknown_filter_value_is_explained_on_the_queue_page(
    world_client: TestClient, world: World, query: str, problem: str
) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get(f"/console/queue?{query}")

    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert problem in _visible(page.text)
    assert 'role="search"' in page.text  # the filters, to try again
    assert str(world.cases["C1"]) not in page.text


def test_a_malformed_page_number_is_a_page_not_json(world_client: TestClient, world: World) -> None:
    page = _as(world_client, world, "CW_ASSIGNEE").get("/console/queue?page=two")

    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]


def test_consent_is_never_chosen_for_the_caseworker(world_client: TestClient, world: World) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    form = client.get(path).text
    referral_form = form[form.index('action="' + path + '/referrals"') :]
    referral_form = referral_form[: referral_form.index("</form>")]

    assert re.search(r'name="consent"[^>]*checked', referral_form) is None
    assert re.search(r"<option[^>]*selected", referral_form) is None

    refused = client.post(
        f"{path}/referrals",
        data={
            "partner_id": str(world.partners["P1"]),
            "summary": "Please visit the family.",
            "consent_from": "",
            "csrf_token": _csrf(form),
        },
    )

    assert refused.status_code == 422
    shown = _visible(refused.text)
    assert "Say whether the child or their guardian agreed to the referral" in shown
    assert "Please visit the family." in refused.text  # what was typed is kept
    referrals = _db(world_client).run(lambda s: s.scalars(select(Referral)).all(), write=False)
    assert referrals == []


def test_the_header_says_who_is_signed_in(world_client: TestClient, world: World) -> None:
    def rename(s: Session) -> None:
        s.get_one(StaffUser, world.users["SV_REGION"]).display_name = "Chen Wei"

    _db(world_client).run(rename, write=True)
    client = _as(world_client, world, "SV_REGION")

    for path in ("/console/queue", f"/console/cases/{world.cases['C1']}", "/console/supervise"):
        header = client.get(path).text.split("</header>")[0]
        assert "Signed in as Chen Wei (Supervisor)" in _visible(header), path
        assert 'action="/console/logout"' in header


def test_each_thing_appears_once_on_the_timeline_with_who_did_it(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    assert _post_form(client, path, "notes", body="Called the head teacher.").status_code == 200
    assert _post_form(client, path, "reply", body="We are here for you.").status_code == 200

    page = client.get(path).text
    timeline = _visible(page[page.index('class="timeline"') : page.index("</ol>")])

    assert timeline.count("Called the head teacher.") == 1
    assert timeline.count("We are here for you.") == 1
    assert timeline.count("Words of case C1.") == 1
    assert "Note added" not in timeline
    assert timeline.count("Report received") == 1
    assert timeline.count("Message to the reporter") == 1
    assert timeline.count("Message from the reporter") == 1  # the picture's message
    assert "Note · cw_assignee Called the head teacher." in timeline
    assert "Message to the reporter · cw_assignee We are here for you." in timeline


def test_the_reasons_for_staff_decisions_are_on_the_timeline(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    steps = [
        ("priority", {"priority": "P4", "reason": "Spoke to her: the teacher left."}),
        (
            "referrals",
            {
                "partner_id": str(world.partners["P1"]),
                "summary": "Please visit.",
                "consent": "given",
                "consent_from": "child",
            },
        ),
    ]
    for action, form in steps:
        assert _post_form(client, path, action, **form).status_code == 200, action
    referral = _db(world_client).run(lambda s: s.scalars(select(Referral.id)).one(), write=False)
    withdrawn = _post_form(
        client, path, f"referrals/{referral}/status", status="withdrawn", note="Family moved."
    )
    assert withdrawn.status_code == 200
    closed = _post_form(
        client, path, "closure", outcome="advice_given", views_missing="unreachable"
    )
    assert closed.status_code == 200
    reopened = _post_form(client, path, "reopen", reason="She wrote again: it started again.")
    assert reopened.status_code == 200

    timeline = _visible(client.get(path).text.split('class="timeline"')[1].split("</ol>")[0])

    assert "Priority changed by staff · cw_assignee · P3 → P4 Reason: Spoke to her" in timeline
    assert "Referral updated · cw_assignee · Withdrawn Reason: Family moved." in timeline
    assert "Reason: She wrote again: it started again." in timeline
    reads = _db(world_client).run(
        lambda s: s.scalars(
            select(AuditEvent.object_type).where(AuditEvent.case_id == world.cases["C1"])
        ).all(),
        write=False,
    )
    assert "history" in reads  # reading the reasons is part of the audited read


def test_a_closed_case_shows_unanswered_partner_clocks_as_stopped_not_met(
    world_client: TestClient, world: World
) -> None:
    client = _as(world_client, world, "CW_ASSIGNEE")
    path = f"/console/cases/{world.cases['C1']}"
    referred = _post_form(
        client,
        path,
        "referrals",
        partner_id=str(world.partners["P1"]),
        summary="Please visit.",
        consent="given",
        consent_from="child",
    )
    assert referred.status_code == 200
    closed = _post_form(
        client, path, "closure", outcome="advice_given", views_missing="unreachable"
    )
    assert closed.status_code == 200

    clocks = _visible(client.get(path).text.split('class="clocks"')[1].split("</ul>")[0])

    assert "Partner acknowledgement: Stopped before it was due (not counted)" in clocks
    assert "Partner acceptance: Stopped before it was due (not counted)" in clocks
    assert "Acknowledge: Met" in clocks


_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+:[a-z0-9_]+\b")


def _every_code_on(s: Session, keyring: Keyring, world: World) -> None:
    """C1 with every factor, a referral in every status, every pause reason, every outcome
    and every reason the child's views could be missing; C2 and C4 in other roles."""
    for n, user_id in enumerate(world.users.values()):  # names, not codes like "cw_assignee"
        s.get_one(StaffUser, user_id).display_name = f"Person {n}"
    case = s.get_one(Case, world.cases["C1"])
    case.triage_factors = [
        "immediate_danger",
        "danger_words",
        "self_harm",
        "category:sexual_abuse",
        "category:online_sexual_exploitation",
        "authority:teacher",
        "authority:school_staff",
        "authority:implied",
        "injury",
        "very_young:4",
        "young:8",
        "ongoing",
        "not_ongoing",
        "repeat_person:1",
        "repeat_school:3",
    ]
    case.perpetrator_role = PerpetratorRole.ONLINE_STRANGER
    case.language = "fil"
    case.outcome = "not_child_protection"
    for n, status in enumerate(ReferralStatus):
        s.add(
            Referral(
                case_id=case.id,
                partner_id=world.partners["P1"],
                status=status,
                summary_ct=b"x",
                shared=[],
                consent=list(Consent)[n % len(Consent)],
                consent_from="guardian",
                created_by=world.users["CW_ASSIGNEE"],
                created_at=NOW,
                status_changed_at=NOW,
            )
        )
    staff = Actor(ActorKind.STAFF, str(world.users["CW_ASSIGNEE"]))
    events = [NewEvent(CaseEventKind.CLOCK_PAUSED, staff, {"reason": r}) for r in PAUSE_REASONS]
    events += [NewEvent(CaseEventKind.CLOSURE_REQUESTED, staff, {"outcome": o}) for o in OUTCOMES]
    events += [
        NewEvent(CaseEventKind.REFERRAL_UPDATED, staff, {"referral": "r", "status": st.value})
        for st in ReferralStatus
    ]
    events += [
        NewEvent(CaseEventKind.STATUS_CHANGED, staff, {"from": a.value, "to": b.value, "why": w})
        for a, b, w in zip(CaseStatus, reversed(CaseStatus), _WHYS, strict=False)
    ]
    events += [NewEvent(kind, SYSTEM, {}) for kind in CaseEventKind]
    events += [
        NewEvent(CaseEventKind.LINK_SUGGESTED, SYSTEM, {"reason": r, "cases": []})
        for r in ("same_phone", "same_person")
    ]
    events += [NewEvent(CaseEventKind.OPENED, SYSTEM, {"channel": c.value}) for c in Channel]
    append_events(s, case=case, events=events, now=NOW)


_WHYS = ("triaged", "started", "assigned", "routed", "referred", "declined", "closed", "reopened")


def test_no_code_reaches_people_on_the_case_page_or_the_queue(
    world_client: TestClient, world: World, keyring: Keyring
) -> None:
    db = _db(world_client)
    db.run(lambda s: _every_code_on(s, keyring, world), write=True)
    client = _as(world_client, world, "SV_REGION")
    case_path = f"/console/cases/{world.cases['C1']}"
    seen: list[str] = []

    for status in CaseStatus:

        def set_status(s: Session, status: CaseStatus = status) -> None:
            s.get_one(Case, world.cases["C1"]).status = status

        db.run(set_status, write=True)
        for path in (f"/console/queue?view=region&status={status.value}", case_path):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            seen.append(_visible(page.text))
    for role in ReporterRole:

        def set_role(s: Session, role: ReporterRole = role) -> None:
            s.get_one(Report, world.reports["C1"]).reporter_role = role

        db.run(set_role, write=True)
        seen.append(_visible(client.get(case_path).text))
    seen.extend(
        _visible(client.get(f"/console/queue?view=region&channel={channel}").text)
        for channel in Channel
    )

    text = " ".join(seen)
    assert sorted(set(_CODE.findall(text))) == []
    for words in (
        "Alleged perpetrator in authority (teacher)",
        "Young child (8)",
        "3 earlier reports about this school",
        "1 earlier report about the same person",
        "Filipino",
        "Stranger online",
        "Not a child-protection matter",
        "Waiting for the reporter",
        "In progress with the partner",
        "Consent could not be asked",
        "by a parent or guardian",
        "Phone call",
    ):
        assert words in text, words
