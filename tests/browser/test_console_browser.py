"""The console in a real browser: Playwright drives Debian's Chromium against the app served
on loopback, on SQLite and PostgreSQL. Every page visited is checked with axe-core (no serious
or critical violations); screenshots of the queue and the case page are kept as artifacts.
"""

from __future__ import annotations

import os
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.enums import CaseStatus, Priority
from casework.intake.service import prepare_follow_up, submit_report
from casework.outbox.models import OutboxKind, OutboxMessage
from casework.partners.service import create_partner
from casework.places.models import Region
from casework.protection.keys import Keyring
from casework.sla.service import refresh_stale
from casework.sms.models import SmsConversation
from casework.sms.service import InboundSms, SmsPolicy, receive
from casework.staff.models import Role, Team
from casework.staff.totp import code_at
from hotline.app import create_app
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.worker import Worker, WorkerConfig
from integrations.keys.local import LocalKeyFile
from integrations.twilio.sender import TwilioMediaStore, TwilioSmsSender
from tests.factories.reports import submission
from tests.factories.staff import PASSWORD, Staff, make_staff, make_team, staff_settings
from tests.fakes.twilio_api import FakeTwilio, Serving
from tests.hotline.staff_world import NOW

playwright_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("HOTLINE_ARTIFACTS", "artifacts"))
CHILD = "+359888123456"
POLICY = SmsPolicy(safe_word="BANANA", emergency_number="112")
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Scene:
    """What the browser test works with."""

    base: str
    db: Database
    keyring: Keyring
    clock: FixedClock
    caseworker: Staff
    supervisor: Staff
    urgent: uuid.UUID
    elsewhere: uuid.UUID


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _build(s: Session, keyring: Keyring, clock: FixedClock) -> tuple[Staff, Staff, uuid.UUID, int]:
    seed_places(s)
    make_team(s, "T1", "capital")
    make_team(s, "T2", "north")
    caseworker = make_staff(
        s, keyring, username="cw.amina", role=Role.CASEWORKER, now=NOW, teams=("T1",)
    )
    supervisor = make_staff(
        s, keyring, username="sv.chen", role=Role.SUPERVISOR, now=NOW, teams=("T1",)
    )
    make_staff(s, keyring, username="cw.north", role=Role.CASEWORKER, now=NOW, teams=("T2",))
    create_partner(s, keyring=keyring, name="Child Aid", kind="ngo", actor=SYSTEM, now=NOW)
    teams = {t.name: t.id for t in s.scalars(select(Team))}
    for n, school in enumerate(("capital-001", "capital-002", "north-001")):
        receipt = submit_report(
            s,
            submission=submission(school=school, narrative=f"Older report {n}."),
            follow_up=prepare_follow_up(None),
            clock=clock,
            keyring=keyring,
        )
        # Routing put it in its region's team queue.
        expected = teams["T2" if school.startswith("north") else "T1"]
        assert s.get_one(Case, receipt.case_id).team_id == expected
        elsewhere = receipt.case_id
    return caseworker, supervisor, elsewhere, teams["T1"]


def _new_urgent_sms_case(db: Database, keyring: Keyring, clock: FixedClock, team: int) -> uuid.UUID:
    """A child texts that they are in danger now (P1), naming their school's region: the
    product places it in the capital's team queue itself."""
    for n, body in enumerate(("My teacher beats us every day", "capital school", "yes", "yes")):
        sms = InboundSms(message_sid=f"SM{n:032d}", phone=CHILD, body=body, media=())
        db.run(
            lambda s, sms=sms: receive(s, keyring=keyring, clock=clock, sms=sms, policy=POLICY),
            write=True,
        )

    def placed(s: Session) -> uuid.UUID:
        case = s.scalars(
            select(Case).join(SmsConversation, SmsConversation.case_id == Case.id)
        ).first()
        assert case is not None
        assert case.priority is Priority.P1
        assert case.team_id == team
        assert case.region_id == s.scalars(select(Region.id).where(Region.code == "capital")).one()
        return case.id

    return db.run(placed, write=False)


@pytest.fixture
def scene(fresh_url: str, keys: LocalKeyFile, tmp_path: Path) -> Iterator[Scene]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("HOTLINE_TEST_BROWSER") == "required":
            pytest.fail(f"Chromium is required for the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    engine = make_engine(fresh_url, pool_size=5, max_overflow=5)
    db = Database(engine)
    keyring = Keyring(keys)
    clock = FixedClock(NOW)
    caseworker, supervisor, elsewhere, team = db.run(
        lambda s: _build(s, keyring, clock), write=True
    )
    urgent = _new_urgent_sms_case(db, keyring, clock, team)
    db.run(refresh_stale, write=True)  # the worker's periodic scan indexes the SLA clocks
    app = create_app(staff_settings(tmp_path), database=db, clock=clock, keys=keys)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield Scene(
        f"http://127.0.0.1:{port}", db, keyring, clock, caseworker, supervisor, urgent, elsewhere
    )
    server.should_exit = True
    thread.join(10)
    engine.dispose()


def _accessible(page: object, visited: list[str]) -> None:
    """No serious or critical axe-core violation on the page."""
    results = axe_module.Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    visited.append(page.url)  # type: ignore[attr-defined]
    assert not bad, f"{page.url}: {bad}"  # type: ignore[attr-defined]


def _sign_in(page: object, scene: Scene, who: Staff, wanted: str, visited: list[str]) -> None:
    page.goto(scene.base + wanted)  # type: ignore[attr-defined]
    assert "/console/login" in page.url  # type: ignore[attr-defined]
    _accessible(page, visited)
    page.get_by_label("Username").fill(who.username)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continue").click()  # type: ignore[attr-defined]
    _accessible(page, visited)
    assert who.totp_secret is not None
    page.get_by_label("Code from your authenticator app").fill(code_at(who.totp_secret, NOW))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    assert page.url == scene.base + wanted  # type: ignore[attr-defined]  # came back to the page


def _deliver_outbox(scene: Scene, fake: FakeTwilio, keys: LocalKeyFile) -> int:
    worker = Worker(
        scene.db,
        keyring=scene.keyring,
        clock=scene.clock,
        sms=TwilioSmsSender(
            account_sid=fake.account_sid,
            auth_token=fake.auth_token,
            sender="+15005550006",
            api_base=fake.url,
        ),
        media=TwilioMediaStore(
            account_sid=fake.account_sid, auth_token=fake.auth_token, api_base=fake.url
        ),
        signer=keys,
        config=WorkerConfig(public_base_url="https://hotline.example.org", oncall_phones=[]),
        rng=random.Random(1),  # noqa: S311 - back-off jitter in a test
    )
    return worker.deliver_due()


def test_a_caseworker_works_a_new_p1_case_to_closure(
    scene: Scene, keys: LocalKeyFile, backend: str
) -> None:
    sync_api = playwright_api
    visited: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    reference = scene.db.run(lambda s: s.get_one(Case, scene.urgent).reference, write=False)
    with sync_api.sync_playwright() as p, Serving(FakeTwilio()) as fake:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        worker_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        page = worker_ctx.new_page()

        # Sign in with password and TOTP; the queue shows the new P1 first.
        _sign_in(page, scene, scene.caseworker, "/console/queue", visited)
        _accessible(page, visited)
        who = page.locator("header .who").inner_text()
        assert who == "Signed in as cw.amina (Caseworker)"  # and the sign-out button stays
        assert page.get_by_role("button", name="Sign out").count() == 1
        # The filter form as the Show button sends it (every field, empty meaning any).
        page.get_by_role("button", name="Show").click()
        assert "/console/queue?" in page.url
        first = page.locator("table.queue tbody tr").first
        assert first.locator("th a").inner_text() == reference
        assert first.locator(".prio").inner_text() == "P1"
        assert first.locator("time.countdown").count() == 1  # time left on its nearest clock
        page.screenshot(path=str(ARTIFACTS / f"queue-{backend}.png"), full_page=True)

        # Open it and override the priority with a reason.
        first.locator("th a").click()
        _accessible(page, visited)
        page.get_by_label("New priority").select_option("P2")
        page.get_by_label("Reason").first.fill("Spoke to the child: safe at an aunt's tonight")
        page.get_by_role("button", name="Change priority").click()
        assert page.locator(".flash").inner_text() == "Priority changed."
        override = page.locator(".timeline li", has_text="Priority changed by staff")
        assert "P1 → P2" in override.inner_text()
        assert "Reason: Spoke to the child: safe at an aunt's tonight" in override.inner_text()

        # Reply to the reporter: in the outbox, then at (fake) Twilio.
        page.get_by_label("Message").fill("Hello, this is the hotline. Are you safe now?")
        page.get_by_role("button", name="Send").click()
        assert page.locator(".flash").inner_text() == "Message sent to the reporter."
        queued = scene.db.run(
            lambda s: s.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == OutboxKind.SMS, OutboxMessage.sent_at.is_(None)
                )
            ).all(),
            write=False,
        )
        assert len(queued) == 1
        assert _deliver_outbox(scene, fake, keys) >= 1
        assert "Hello, this is the hotline. Are you safe now?" in fake.delivered_to(CHILD)

        # A note, a referral to the suggested partner with consent, the child's views.
        page.get_by_label("Note (staff only)").fill("Called the school's safeguarding lead.")
        page.get_by_role("button", name="Add note").click()
        assert page.locator(".flash").inner_text() == "Note added."
        timeline = page.locator(".timeline").inner_text()
        assert timeline.count("Called the school's safeguarding lead.") == 1  # shown once
        assert timeline.count("Hello, this is the hotline. Are you safe now?") == 1
        assert "Note added" not in timeline
        page.get_by_label("Child Aid").check()
        page.get_by_label("What the partner needs to know (no more)").fill(
            "Pupil, 12, hit by a teacher; needs support."
        )
        # Consent is the caseworker's explicit choice: nothing is chosen for them.
        for choice in ("Given", "Refused", "Could not be asked"):
            assert not page.get_by_role("radio", name=choice).is_checked()
        assert page.get_by_label("Consent given by").input_value() == ""
        page.get_by_role("radio", name="Given").check()
        page.get_by_label("Consent given by").select_option("child")
        page.get_by_role("button", name="Refer").click()
        assert page.locator(".flash").inner_text() == "Referral made."
        page.get_by_label("What the child wants, in their words").fill(
            "I want to stay at my school."
        )
        page.get_by_role("button", name="Record views").click()
        assert page.locator(".flash").inner_text() == "The child's views are recorded."
        assert "I want to stay at my school." in page.locator(".views").inner_text()

        # Close: once P1, so a supervisor must approve.
        page.get_by_label("Outcome").select_option("referred_support")
        page.get_by_role("button", name="Close the case").click()
        assert "a supervisor of the region will decide" in page.locator(".flash").inner_text()
        _accessible(page, visited)
        page.screenshot(path=str(ARTIFACTS / f"case-{backend}.png"), full_page=True)
        case_url = page.url.split("?")[0]

        # The supervisor, in a browser of their own, approves from the approvals list.
        sv_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        sv = sv_ctx.new_page()
        _sign_in(sv, scene, scene.supervisor, "/console/supervise", visited)
        _accessible(sv, visited)
        sv.locator("#appr-h + ul a", has_text=reference).click()
        _accessible(sv, visited)
        sv.get_by_label("Approve: close the case").check()
        sv.get_by_role("button", name="Record decision").click()
        assert sv.locator(".flash").inner_text() == "Decision recorded."
        # The partner never answered: its clocks stopped with the case, neither met nor missed.
        clocks = sv.locator(".clocks").inner_text()
        assert "Partner acknowledgement: Stopped before it was due (not counted)" in clocks
        assert "Partner acknowledgement: Met" not in clocks
        # Every code on the case page is shown in words.
        shown = sv.locator("main").inner_text()
        assert re.findall(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+:[a-z0-9_]+\b", shown) == []
        status = scene.db.run(lambda s: s.get_one(Case, scene.urgent).status, write=False)
        assert status is CaseStatus.CLOSED

        # Another region's case is simply not there; a form without the CSRF token is refused.
        answer = page.goto(f"{scene.base}/console/cases/{scene.elsewhere}")
        assert answer is not None
        assert answer.status == 404
        _accessible(page, visited)
        forged = page.request.post(f"{case_url}/notes", form={"body": "forged"}, max_redirects=0)
        assert forged.status == 403

        # Usable on a small phone: nothing wider than the screen but scrolling tables.
        phone = browser.new_context(
            viewport={"width": 360, "height": 740}, storage_state=worker_ctx.storage_state()
        )
        small = phone.new_page()
        for path in ("/console/queue", case_url.replace(scene.base, "")):
            small.goto(scene.base + path)
            _accessible(small, visited)
            width = small.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width}px wide at 360px"
        small.screenshot(path=str(ARTIFACTS / f"case-360-{backend}.png"), full_page=True)
        browser.close()
    assert len(visited) >= 10
