"""A property: after any mix of reports - any channel, any language, with a school, a region,
a place that is no school, or nothing - every open case is in the queue of, or with, an
on-duty caseworker of the demo (Amina, Boris or Dara, on shift this week); every danger report
is texted to someone on call; and everyone texted can open the case. To make that last part
able to fail, the rota is varied first through the staff API, as a supervisor would: Boris
(a caseworker) goes on call for the north with a phone of his own, beside sv.chen's national
turn."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.journeys.child import (
    REFERENCE,
    WORDS,
    Phone,
    Receipt,
    app_report,
    inbox,
    web_form_post,
)
from tests.journeys.service import ON_CALL_PHONE, Service, eventually

ON_SHIFT = ("cw.amina", "cw.boris", "cw.dara")
BORIS_PHONE = "+447400555001"
PLACES = [
    None,
    "Central High",
    "lakeshor secondary",
    "училище Сънрайз",
    "paaralang Coastal",
    "in the north",
    "at the park",
    "online",
    "Hilview",
]
SCHOOLS = [None, "capital-001", "capital-003", "north-001", "north-002", "south-001", "south-002"]

app_reports = st.fixed_dictionaries(
    {
        "channel": st.just("app"),
        "language": st.sampled_from(["en", "fr", "bg", "fil"]),
        "school": st.sampled_from(SCHOOLS),
        "place": st.sampled_from(PLACES),
        "danger": st.booleans(),
    }
)
web_reports = st.fixed_dictionaries(
    {
        "channel": st.just("web"),
        "school": st.sampled_from(SCHOOLS),
        "place": st.sampled_from(PLACES),
        "danger": st.booleans(),
    }
)
sms_reports = st.fixed_dictionaries(
    {
        "channel": st.just("sms"),
        "language": st.sampled_from(["en", "fr", "bg", "fil"]),
        "place": st.sampled_from([p for p in PLACES if p]),
        "danger": st.booleans(),
    }
)
mixes = st.lists(st.one_of(app_reports, web_reports, sms_reports), min_size=1, max_size=4)


def _send(hotline: Service, report: dict[str, Any]) -> Receipt:
    danger = report["danger"]
    if report["channel"] == "app":
        fields: dict[str, Any] = {
            "category": "other",
            "narrative": WORDS[report["language"]].story,
            "language": report["language"],
            "immediate_danger": "yes" if danger else "no",
        }
        fields.update({k: report[k] for k in ("school", "place") if report[k]})
        return app_report(hotline.base, **fields)
    if report["channel"] == "web":
        form = {"category": "bullying", "narrative": "They push me around.", "danger": "no"}
        form["danger"] = "yes" if danger else "no"
        form.update({k: report[k] for k in ("school", "place") if report[k]})
        return web_form_post(hotline.base, **form)
    phone = Phone(hotline.base, report["language"])
    words = WORDS[report["language"]]
    said = phone.text(words.danger if danger else words.story)
    said += phone.text(report["place"])
    said += phone.text(words.yes if danger else words.no)
    said += phone.text(words.no)
    everything = "\n".join(said)
    found = REFERENCE.search(everything)
    assert found is not None, everything
    return Receipt(found.group(), "")


def _seen_by(hotline: Service, username: str, reference: str) -> dict[str, Any] | None:
    answer = hotline.staff_get(username, "/api/staff/v1/cases", reference=reference)
    assert answer.status_code == 200, answer.text
    cases: list[dict[str, Any]] = answer.json()["cases"]
    return cases[0] if cases else None


@pytest.fixture(scope="session")
def north_on_call(hotline: Service) -> dict[str, str]:
    """Boris on call for the north with his own phone, set by sv.chen through the staff API;
    returns who holds which on-call phone."""
    users = hotline.staff_get("admin.dana", "/api/staff/v1/users").json()
    boris = next(u["id"] for u in users if u["username"] == "cw.boris")
    phone = hotline.staff(
        "PUT", "sv.chen", f"/api/staff/v1/users/{boris}/phone", json={"phone": BORIS_PHONE}
    )
    assert phone.status_code == 204, phone.text
    now = dt.datetime.now(dt.UTC)
    turn = hotline.staff(
        "POST",
        "sv.chen",
        "/api/staff/v1/shifts",
        json={
            "user_id": boris,
            "region": "north",
            "starts_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "ends_at": (now + dt.timedelta(hours=12)).isoformat(),
            "on_call": True,
        },
    )
    assert turn.status_code == 201, turn.text
    return {ON_CALL_PHONE: "sv.chen", BORIS_PHONE: "cw.boris"}


def _alerted(hotline: Service, phones: dict[str, str]) -> dict[str, set[str]]:
    """References texted to each on-call phone, by the person who holds it."""
    return {
        who: {m.group() for text in inbox(hotline.base, phone) for m in REFERENCE.finditer(text)}
        for phone, who in phones.items()
    }


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mix=mixes)
def test_every_open_case_is_with_someone_on_duty(
    hotline: Service, north_on_call: dict[str, str], mix: list[dict[str, Any]]
) -> None:
    sent = [(_send(hotline, report).reference, report["danger"]) for report in mix]

    for reference, _ in sent:
        # The receipt comes first; the case is built from the inbox a moment later.
        case = eventually(
            lambda reference=reference: _seen_by(hotline, "sv.chen", reference),
            what=f"the case of {reference}",
        )
        assert case["team_id"] is not None  # in a queue, always
        holders = [u for u in ON_SHIFT if _seen_by(hotline, u, reference)]
        assert holders, f"{reference} is in no on-duty caseworker's view"

    in_danger = {reference for reference, danger in sent if danger}

    def every_danger_alerted() -> dict[str, set[str]] | None:
        alerted = _alerted(hotline, north_on_call)
        return alerted if in_danger <= set().union(*alerted.values()) else None

    alerted = eventually(every_danger_alerted, what="an alert for every danger report")
    for who, references in alerted.items():
        for reference in references & {reference for reference, _ in sent}:
            assert _seen_by(hotline, who, reference) is not None, (who, reference)
