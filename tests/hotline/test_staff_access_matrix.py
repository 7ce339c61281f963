"""Who may do what to which case, endpoint by endpoint: one test per cell of the table.

The world (``staff_world.py``): caseworkers, supervisors, an administrator, an auditor and a
partner user, four cases in two regions, one of them restricted. Each cell calls one case
endpoint as one person on one case and checks the status (for the list: whether the case is
in it). 404 means "as if it did not exist" (outside the person's view); 403 means they may
see the case but their role does not allow that action; break-glass answers 422 when the
person can already open the case.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories.staff import bearer
from tests.hotline.staff_world import World

ENDPOINTS = (
    "list",
    "read",
    "report",
    "messages",
    "notes",
    "add_note",
    "refer",
    "assign",
    "restrict",
    "break_glass",
    "triage",
    "clocks",
    "decide_closure",
)
# decide_closure: 403 for caseworkers; 422 for supervisors here (no request waits).
_IN = ("in", 200, 200, 200, 200, 201, 201, 403, 403, 422, 200, 200, 403)  # a case they work on
_SUPERVISED = ("in", 200, 200, 200, 200, 201, 201, 204, 204, 422, 200, 200, 422)  # their region
_OUT = ("out", 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404)  # only break-glass
_NEVER = ("out", 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)  # not even that

EXPECTED: dict[tuple[str, str], tuple[Any, ...]] = {
    # caseworker the case is assigned to (team T1); named on the restricted C4
    ("CW_ASSIGNEE", "C1"): _IN,
    ("CW_ASSIGNEE", "C2"): _IN,
    ("CW_ASSIGNEE", "C3"): _OUT,
    ("CW_ASSIGNEE", "C4"): _IN,
    # another caseworker of T1: the team's queue, but not the restricted case
    ("CW_TEAM", "C1"): _IN,
    ("CW_TEAM", "C2"): _IN,
    ("CW_TEAM", "C3"): _OUT,
    ("CW_TEAM", "C4"): _NEVER,  # break-glass into a restricted case: supervisors only
    # a caseworker of T2 (north)
    ("CW_OTHER", "C1"): _OUT,
    ("CW_OTHER", "C2"): _OUT,
    ("CW_OTHER", "C3"): _IN,
    ("CW_OTHER", "C4"): _NEVER,
    # the capital's supervisor: everything in the region, the restricted case included
    ("SV_REGION", "C1"): _SUPERVISED,
    ("SV_REGION", "C2"): _SUPERVISED,
    ("SV_REGION", "C3"): _OUT,
    ("SV_REGION", "C4"): _SUPERVISED,
    # the north's supervisor
    ("SV_OTHER", "C1"): _OUT,
    ("SV_OTHER", "C2"): _OUT,
    ("SV_OTHER", "C3"): _SUPERVISED,
    ("SV_OTHER", "C4"): _OUT,
    # a capital supervisor linked to capital-002: never the restricted case about it
    ("SV_CONFLICTED", "C1"): _SUPERVISED,
    ("SV_CONFLICTED", "C2"): _SUPERVISED,
    ("SV_CONFLICTED", "C3"): _OUT,
    ("SV_CONFLICTED", "C4"): _NEVER,
    # no case content for administrators, auditors or partner users
    **{(p, c): _NEVER for p in ("ADMIN", "AUDITOR", "PARTNER") for c in ("C1", "C2", "C3", "C4")},
}
CELLS = [
    pytest.param(who, case, endpoint, expected[i], id=f"{who}-{case}-{endpoint}")
    for (who, case), expected in EXPECTED.items()
    for i, endpoint in enumerate(ENDPOINTS)
]


def call(client: TestClient, world: World, who: str, case: str, endpoint: str) -> Any:
    """One endpoint, as ``who``, on ``case``."""
    headers = bearer(world.tokens[who])
    base = f"/api/staff/v1/cases/{world.cases[case]}"
    requests = {
        "list": ("GET", "/api/staff/v1/cases?limit=100", None),
        "read": ("GET", base, None),
        "report": ("GET", f"{base}/reports/{world.reports[case]}", None),
        "messages": ("GET", f"{base}/messages", None),
        "notes": ("GET", f"{base}/notes", None),
        "add_note": ("POST", f"{base}/notes", {"body": "Called the school."}),
        "refer": (
            "POST",
            f"{base}/referrals",
            {
                "partner_id": str(world.partners["P1"]),
                "summary": "Needs a visit.",
                "consent": "given",
                "consent_from": "child",
            },
        ),
        "assign": ("POST", f"{base}/assignment", {"team_id": world.teams["T1"]}),
        "restrict": ("POST", f"{base}/restriction", {"restricted": True, "named_user_ids": []}),
        "break_glass": ("POST", f"{base}/break-glass", {"reason": "The child is in danger now."}),
        "triage": ("POST", f"{base}/triage", {"injury": "yes"}),
        "clocks": ("GET", f"{base}/clocks", None),
        "decide_closure": ("POST", f"{base}/closure/decision", {"approve": True}),
    }
    method, path, body = requests[endpoint]
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("who", "case", "endpoint", "expected"), CELLS)
def test_cell(
    world_client: TestClient, world: World, who: str, case: str, endpoint: str, expected: Any
) -> None:
    response = call(world_client, world, who, case, endpoint)

    if endpoint == "list":
        assert response.status_code == 200
        listed = {c["id"] for c in response.json()["cases"]}
        assert (str(world.cases[case]) in listed) == (expected == "in")
        return
    assert response.status_code == expected, response.text
    if expected in (403, 404):
        # Nothing about the case in the answer: only the error.
        assert set(response.json()) == {"error"}
        assert f"case {case}" not in response.text.lower()
