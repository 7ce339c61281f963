"""The case workflow through the staff API: triage and its factors, overrides with a reason,
closing with an outcome and the child's views (P1/P2 approved by a supervisor), reopening,
clock pauses, and the transitions the state machine refuses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseEvent
from casework.enums import CaseEventKind
from casework.linking.models import CaseLink
from casework.protection.fields import TamperedField, open_text
from casework.protection.keys import Keyring
from casework.staff.models import StaffUser
from tests.factories.staff import bearer
from tests.hotline.staff_world import NOW, World

BASE = "/api/staff/v1/cases"


def _post(
    client: TestClient, world: World, who: str, case: str, path: str, body: Any = None
) -> Any:
    return client.post(
        f"{BASE}/{world.cases[case]}/{path}", json=body, headers=bearer(world.tokens[who])
    )


def _get(client: TestClient, world: World, who: str, case: str, path: str = "") -> Any:
    url = f"{BASE}/{world.cases[case]}" + (f"/{path}" if path else "")
    return client.get(url, headers=bearer(world.tokens[who]))


def _events(
    client: TestClient, world: World, case: str
) -> list[tuple[CaseEventKind, dict[str, Any]]]:
    db = client.app.state.db  # type: ignore[attr-defined]
    return db.run(  # type: ignore[no-any-return]
        lambda s: [
            (e.kind, e.data)
            for e in s.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == world.cases[case])
                .order_by(CaseEvent.seq)
            )
        ],
        write=False,
    )


def _actions(client: TestClient, world: World, case: str) -> list[str]:
    db = client.app.state.db  # type: ignore[attr-defined]
    return db.run(  # type: ignore[no-any-return]
        lambda s: list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == str(world.cases[case]))
                .order_by(AuditEvent.id)
            )
        ),
        write=False,
    )


def _case(client: TestClient, world: World, case: str) -> Case:
    db = client.app.state.db  # type: ignore[attr-defined]
    return db.run(lambda s: s.get_one(Case, world.cases[case]), write=False)  # type: ignore[no-any-return]


def test_triage_records_facts_and_shows_the_factors(world_client: TestClient, world: World) -> None:
    response = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "triage",
        {"perpetrator_role": "teacher", "injury": "yes", "child_age": 7},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    # bullying 20 + authority 30 + injury 25 + young 15 + one other case at the school 5 = 95:
    # P2 (authority is a P2 floor too)
    assert body == {
        "priority": "P2",
        "assessed": "P2",
        "score": 95,
        "factors": ["authority:teacher", "injury", "young:7", "repeat_school:1"],
    }
    shown = _get(world_client, world, "CW_ASSIGNEE", "C1").json()
    assert shown["status"] == "triaged"
    assert shown["triage_factors"] == body["factors"]
    kinds = [k for k, _ in _events(world_client, world, "C1")]
    assert kinds[-3:] == [
        CaseEventKind.TRIAGED,
        CaseEventKind.STATUS_CHANGED,
        CaseEventKind.ACKNOWLEDGED,
    ]
    assert "case.triaged" in _actions(world_client, world, "C1")


def test_automatic_triage_never_lowers_a_priority(world_client: TestClient, world: World) -> None:
    _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"danger": "yes"})
    response = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "triage", {"danger": "no", "ongoing": "no"}
    )

    assert response.json()["priority"] == "P1"
    assert response.json()["assessed"] == "P4"  # what the rules say now; lowering is an override


def test_an_override_needs_a_reason_and_is_audited_with_it(
    world_client: TestClient, world: World
) -> None:
    short = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "priority", {"priority": "P1", "reason": "x"}
    )
    assert short.status_code == 422
    same = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "priority",
        {"priority": "P3", "reason": "It is already P3."},
    )
    assert same.status_code == 422

    ok = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "priority",
        {"priority": "P1", "reason": "Called back: the bully waits outside her house."},
    )

    assert ok.status_code == 204
    assert _case(world_client, world, "C1").priority.value == "P1"
    kind, data = _events(world_client, world, "C1")[-1]
    assert kind is CaseEventKind.PRIORITY_OVERRIDDEN
    assert data == {"from": "P3", "to": "P1"}  # codes only: the reason is sealed apart
    assert "case.priority_overridden" in _actions(world_client, world, "C1")


def test_closing_a_p2_case_needs_a_supervisor(world_client: TestClient, world: World) -> None:
    _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"perpetrator_role": "teacher"})
    closure = {"outcome": "referred_support", "child_views": "She wants to stay at her school."}

    asked = _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure)
    assert asked.json() == {"closed": False}
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).status_code == 422
    assert (
        _post(
            world_client, world, "CW_ASSIGNEE", "C1", "closure/decision", {"approve": True}
        ).status_code
        == 403
    )
    assert _case(world_client, world, "C1").status.value == "triaged"

    no_reason = _post(
        world_client, world, "SV_REGION", "C1", "closure/decision", {"approve": False}
    )
    assert no_reason.status_code == 422
    rejected = _post(
        world_client,
        world,
        "SV_REGION",
        "C1",
        "closure/decision",
        {"approve": False, "reason": "Check the partner visited first."},
    )
    assert rejected.status_code == 204
    assert _case(world_client, world, "C1").closed_at is None

    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).json() == {
        "closed": False
    }
    approved = _post(world_client, world, "SV_REGION", "C1", "closure/decision", {"approve": True})

    assert approved.status_code == 204
    case = _case(world_client, world, "C1")
    assert case.status.value == "closed"
    assert case.outcome == "referred_support"
    assert case.child_views_ct is not None
    assert b"stay at her school" not in case.child_views_ct
    kinds = [k for k, _ in _events(world_client, world, "C1")]
    assert kinds.count(CaseEventKind.CLOSURE_REQUESTED) == 2
    assert CaseEventKind.CLOSURE_REJECTED in kinds
    assert "case.closed" in _actions(world_client, world, "C1")


def test_a_p3_case_is_closed_by_its_caseworker_and_can_be_reopened(
    world_client: TestClient, world: World
) -> None:
    closure = {"outcome": "advice_given", "views_missing": "anonymous_report"}
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).json() == {
        "closed": True
    }

    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).status_code == 422
    assert (
        _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"injury": "yes"}).status_code
        == 422
    )
    assert (
        _post(world_client, world, "CW_ASSIGNEE", "C1", "reopen", {"reason": "short"}).status_code
        == 422
    )
    reopened = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "reopen",
        {"reason": "She wrote again: it started again."},
    )

    assert reopened.status_code == 204
    case = _case(world_client, world, "C1")
    assert case.status.value == "in_progress"
    assert case.closed_at is None
    again = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "reopen", {"reason": "Opened twice by mistake?"}
    )
    assert again.status_code == 422


def test_closing_needs_an_outcome_and_the_childs_views_or_why_not(
    world_client: TestClient, world: World
) -> None:
    for body in (
        {"outcome": "resolved"},
        {"outcome": "made_up", "views_missing": "too_young"},
        {"outcome": "resolved", "views_missing": "forgot"},
        {"outcome": "resolved", "views_missing": "too_young", "child_views": "fine"},
        {"outcome": "resolved", "child_views": "   "},
    ):
        response = _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"]
    assert _case(world_client, world, "C1").status.value == "new"


def test_the_state_machine_refuses_what_its_table_does_not_allow(
    world_client: TestClient, world: World
) -> None:
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "start").status_code == 204
    twice = _post(world_client, world, "CW_ASSIGNEE", "C1", "start")
    assert twice.status_code == 422
    assert "A case that is in progress cannot become in progress." in twice.text


def test_clocks_pause_and_resume_and_show_their_state(
    world_client: TestClient, world: World
) -> None:
    assert (
        _post(
            world_client, world, "CW_ASSIGNEE", "C1", "clocks/pause", {"reason": "bored"}
        ).status_code
        == 422
    )
    paused = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "clocks/pause", {"reason": "waiting_for_reporter"}
    )
    assert paused.status_code == 204
    assert (
        _post(
            world_client,
            world,
            "CW_ASSIGNEE",
            "C1",
            "clocks/pause",
            {"reason": "waiting_for_reporter"},
        ).status_code
        == 422
    )

    clocks = {
        c["clock"]: c for c in _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()
    }
    assert clocks["first_response"]["state"] == "paused"
    assert clocks["first_response"]["due_at"] is None
    assert clocks["acknowledge"]["state"] == "met"  # stopped by the pause, an act of staff

    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "clocks/resume").status_code == 204
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "clocks/resume").status_code == 422
    clocks = {
        c["clock"]: c for c in _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()
    }
    assert clocks["first_response"]["state"] == "running"


def test_opening_a_case_acknowledges_it_once(world_client: TestClient, world: World) -> None:
    before = {
        c["clock"]: c for c in _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()
    }
    assert before["acknowledge"]["state"] == "running"
    _get(world_client, world, "CW_ASSIGNEE", "C1")
    _get(world_client, world, "SV_REGION", "C1")

    kinds = [k for k, _ in _events(world_client, world, "C1")]
    assert kinds.count(CaseEventKind.ACKNOWLEDGED) == 1
    after = {c["clock"]: c for c in _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()}
    assert after["acknowledge"]["state"] == "met"


def test_no_referral_needs_a_reason(world_client: TestClient, world: World) -> None:
    assert (
        _post(world_client, world, "CW_ASSIGNEE", "C1", "no-referral", {"reason": "no"}).status_code
        == 422
    )
    ok = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "no-referral",
        {"reason": "Resolved with the school directly."},
    )
    assert ok.status_code == 204
    assert _events(world_client, world, "C1")[-1] == (
        CaseEventKind.REFERRAL_DECIDED,
        {"refer": False},
    )


def test_unknown_fields_and_cases_are_refused(world_client: TestClient, world: World) -> None:
    assert (
        _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"mood": "sad"}).status_code
        == 422
    )
    assert (
        _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"child_age": 99}).status_code
        == 422
    )
    missing = world_client.post(
        f"{BASE}/{uuid.uuid4()}/triage", json={}, headers=bearer(world.tokens["CW_ASSIGNEE"])
    )
    assert missing.status_code == 404


def test_lowering_a_p2_case_does_not_get_round_the_supervisor(
    world_client: TestClient, world: World
) -> None:
    _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"perpetrator_role": "teacher"})
    lowered = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "priority",
        {"priority": "P4", "reason": "Misread: it was another pupil."},
    )
    assert lowered.status_code == 204

    closure = {"outcome": "resolved", "views_missing": "unreachable"}
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).json() == {
        "closed": False
    }
    # A supervisor of the region closes it directly.
    assert (
        _post(world_client, world, "SV_REGION", "C2", "triage", {"danger": "yes"}).status_code
        == 200
    )
    assert _post(world_client, world, "SV_REGION", "C2", "closure", closure).json() == {
        "closed": True
    }


def test_pause_then_close_then_reopen_leaves_the_clocks_running(
    world_client: TestClient, world: World
) -> None:
    _post(
        world_client, world, "CW_ASSIGNEE", "C1", "clocks/pause", {"reason": "waiting_for_reporter"}
    )
    closure = {"outcome": "advice_given", "views_missing": "anonymous_report"}
    assert _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure).json() == {
        "closed": True
    }
    _post(world_client, world, "CW_ASSIGNEE", "C1", "reopen", {"reason": "She wrote again today."})

    clocks = _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()
    running = [c for c in clocks if c["stopped_at"] is None]
    assert [c["clock"] for c in running] == ["triage"]
    assert running[0]["state"] == "running"
    assert running[0]["due_at"] is not None
    pause = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "clocks/pause", {"reason": "waiting_for_reporter"}
    )
    assert pause.status_code == 204  # not "already paused"


def test_a_move_withdraws_a_closure_request(world_client: TestClient, world: World) -> None:
    _post(world_client, world, "CW_ASSIGNEE", "C1", "triage", {"perpetrator_role": "teacher"})
    _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "closure",
        {"outcome": "resolved", "views_missing": "unreachable"},
    )
    _post(world_client, world, "CW_ASSIGNEE", "C1", "start")

    decision = _post(world_client, world, "SV_REGION", "C1", "closure/decision", {"approve": True})
    assert decision.status_code == 422  # nothing waits any more
    clocks = _get(world_client, world, "CW_ASSIGNEE", "C1", "clocks").json()
    review = [c for c in clocks if c["clock"] == "closure_review"]
    assert review
    assert all(c["stopped_at"] is not None for c in review)


def test_nobody_linked_to_the_school_gets_a_case_about_its_staff(
    world_client: TestClient, world: World
) -> None:
    db = world_client.app.state.db  # type: ignore[attr-defined]

    def link(s: Any) -> None:
        from casework.staff.accounts import link_school

        link_school(s, user=s.get_one(StaffUser, world.users["CW_TEAM"]), school_code="capital-001")
        s.get_one(Case, world.cases["C1"]).assigned_to_id = world.users["CW_TEAM"]

    db.run(link, write=True)
    # Triage learns the accused is a teacher there: the linked owner loses the case.
    _post(world_client, world, "SV_REGION", "C1", "triage", {"perpetrator_role": "teacher"})
    assert _case(world_client, world, "C1").assigned_to_id is None
    # And a supervisor cannot give it back to them.
    again = _post(
        world_client,
        world,
        "SV_REGION",
        "C1",
        "assignment",
        {"assignee_id": str(world.users["CW_TEAM"])},
    )
    assert again.status_code == 422
    assert "conflict of interest" in again.text


def test_a_closed_case_is_not_assigned(world_client: TestClient, world: World) -> None:
    closure = {"outcome": "advice_given", "views_missing": "anonymous_report"}
    _post(world_client, world, "CW_ASSIGNEE", "C1", "closure", closure)
    response = _post(
        world_client,
        world,
        "SV_REGION",
        "C1",
        "assignment",
        {"assignee_id": str(world.users["CW_TEAM"])},
    )
    assert response.status_code == 422


def test_links_list_only_cases_the_reader_may_see(world_client: TestClient, world: World) -> None:
    db = world_client.app.state.db  # type: ignore[attr-defined]

    def link(s: Any) -> None:
        for other in ("C2", "C3"):
            s.add(
                CaseLink(
                    case_id=world.cases["C1"],
                    other_case_id=world.cases[other],
                    reason="same_phone",
                    created_at=NOW,
                )
            )

    db.run(link, write=True)
    seen = {
        link["case_id"] for link in _get(world_client, world, "CW_ASSIGNEE", "C1", "links").json()
    }
    assert seen == {str(world.cases["C2"])}  # C3 is in the north: not theirs
    assert _get(world_client, world, "CW_OTHER", "C1", "links").status_code == 404


def _reasons(
    client: TestClient, world: World, keyring: Keyring, case: str
) -> list[tuple[CaseEventKind, dict[str, Any], str]]:
    """The case's events that carry a reason, with the reason opened."""
    db = client.app.state.db  # type: ignore[attr-defined]

    def read(s: Any) -> list[tuple[CaseEventKind, dict[str, Any], str]]:
        key = keyring.case_key(s, world.cases[case])
        rows = s.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == world.cases[case], CaseEvent.reason_ct.is_not(None))
            .order_by(CaseEvent.seq)
        )
        return [
            (
                e.kind,
                e.data,
                open_text(
                    key, table="case_event", column="reason", row_id=e.id, ciphertext=e.reason_ct
                ),
            )
            for e in rows
        ]

    return db.run(read, write=False)  # type: ignore[no-any-return]


def test_each_reasoned_decision_keeps_its_reason_sealed_on_its_event(
    world_client: TestClient, world: World, keyring: Keyring
) -> None:
    steps = [
        ("priority", {"priority": "P2", "reason": "Older brother hits her too."}),
        ("no-referral", {"reason": "The school already involved social services."}),
        ("closure", {"outcome": "advice_given", "views_missing": "unreachable"}),
        ("closure/decision", {"approve": False, "reason": "Call her once more first."}),
        ("closure", {"outcome": "advice_given", "views_missing": "unreachable"}),
        ("closure/decision", {"approve": True}),
        ("reopen", {"reason": "She wrote again: it started again."}),
    ]
    for path, body in steps:
        who = "SV_REGION" if path == "closure/decision" else "CW_ASSIGNEE"
        answer = _post(world_client, world, who, "C1", path, body)
        assert answer.status_code in (200, 204), (path, answer.text)

    reasons = _reasons(world_client, world, keyring, "C1")

    assert [(kind, text) for kind, _, text in reasons] == [
        (CaseEventKind.PRIORITY_OVERRIDDEN, "Older brother hits her too."),
        (CaseEventKind.REFERRAL_DECIDED, "The school already involved social services."),
        (CaseEventKind.CLOSURE_REJECTED, "Call her once more first."),
        (CaseEventKind.STATUS_CHANGED, "She wrote again: it started again."),
    ]
    assert reasons[-1][1] == {"from": "closed", "to": "in_progress", "why": "reopened"}
    for _, data, text in reasons:  # event data stays codes only
        assert text not in str(data)
    # The audit trail keeps its copy as before.
    actions = _actions(world_client, world, "C1")
    assert {"case.priority_overridden", "case.closure_rejected", "case.reopened"} <= set(actions)


def test_a_reason_sealed_for_one_event_does_not_open_on_another(
    world_client: TestClient, world: World, keyring: Keyring
) -> None:
    _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "priority",
        {"priority": "P2", "reason": "Older brother hits her too."},
    )
    db = world_client.app.state.db  # type: ignore[attr-defined]

    def moved(s: Any) -> None:
        events = list(
            s.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == world.cases["C1"])
                .order_by(CaseEvent.seq.desc())
            )
        )
        sealed, other = events[0], events[1]
        assert sealed.reason_ct is not None
        assert b"brother" not in sealed.reason_ct
        with pytest.raises(TamperedField):
            open_text(
                keyring.case_key(s, world.cases["C1"]),
                table="case_event",
                column="reason",
                row_id=other.id,
                ciphertext=sealed.reason_ct,
            )

    db.run(moved, write=False)


def test_refused_choices_are_explained_in_words_with_the_codes_for_programs(
    world_client: TestClient, world: World
) -> None:
    outcome = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "closure", {"outcome": "made_up"}
    ).json()["error"]["details"][0]
    views = _post(
        world_client,
        world,
        "CW_ASSIGNEE",
        "C1",
        "closure",
        {"outcome": "resolved", "views_missing": "forgot"},
    ).json()["error"]["details"][0]
    pause = _post(
        world_client, world, "CW_ASSIGNEE", "C1", "clocks/pause", {"reason": "bored"}
    ).json()["error"]["details"][0]

    assert outcome["message"] == "Choose an outcome from the list."
    assert "advice_given" in outcome["allowed"]
    assert views["message"] == "Choose from the list why the child's views could not be asked."
    assert "too_young" in views["allowed"]
    assert pause["message"] == "Choose why the clocks wait from the list."
    assert "waiting_for_reporter" in pause["allowed"]
    for detail in (outcome, views, pause):
        assert "_" not in detail["message"]
