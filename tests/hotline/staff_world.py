"""A small world of teams, staff and cases for the access tests, built once per backend.

Regions capital and north; team T1 covers capital, T2 covers north.

    case  where                      queue  assigned     restricted
    C1    capital-001 (capital)      T1     CW_ASSIGNEE  no
    C2    capital-001 (capital)      T1     -            no
    C3    north-001 (north)          T2     -            no
    C4    capital-002 (capital)      T1     -            yes, named: CW_ASSIGNEE

Staff: CW_ASSIGNEE and CW_TEAM (caseworkers in T1), CW_OTHER (caseworker in T2), SV_REGION
(supervisor in T1), SV_OTHER (supervisor in T2), SV_CONFLICTED (supervisor in T1, linked to
capital-002), ADMIN, AUDITOR, PARTNER (a user of partner P1; P2 is another partner).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.cases.models import Case, CaseNote
from casework.clock import FixedClock
from casework.enums import Channel
from casework.intake.service import prepare_follow_up, submit_report
from casework.messages.models import Attachment, CaseMessage, Direction
from casework.partners.service import create_partner, new_api_key
from casework.protection.fields import seal, seal_text
from casework.protection.keys import Keyring
from casework.sla.service import refresh_stale
from casework.staff.models import CaseAccessGrant, GrantKind, Role
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from tests.factories.images import photo_with_location
from tests.factories.reports import submission
from tests.factories.staff import make_staff, make_team, signed_in

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
PRINCIPALS = (
    "CW_ASSIGNEE",
    "CW_TEAM",
    "CW_OTHER",
    "SV_REGION",
    "SV_OTHER",
    "SV_CONFLICTED",
    "ADMIN",
    "AUDITOR",
    "PARTNER",
)
CASES = ("C1", "C2", "C3", "C4")


@dataclass
class World:
    """Ids and tokens of everything in the world."""

    url: str
    engine: Engine
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cases: dict[str, uuid.UUID] = field(default_factory=dict)
    reports: dict[str, uuid.UUID] = field(default_factory=dict)
    attachments: dict[str, uuid.UUID] = field(default_factory=dict)
    partners: dict[str, uuid.UUID] = field(default_factory=dict)
    partner_keys: dict[str, str] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)


_STAFF = {
    "CW_ASSIGNEE": (Role.CASEWORKER, ("T1",), ()),
    "CW_TEAM": (Role.CASEWORKER, ("T1",), ()),
    "CW_OTHER": (Role.CASEWORKER, ("T2",), ()),
    "SV_REGION": (Role.SUPERVISOR, ("T1",), ()),
    "SV_OTHER": (Role.SUPERVISOR, ("T2",), ()),
    "SV_CONFLICTED": (Role.SUPERVISOR, ("T1",), ("capital-002",)),
    "ADMIN": (Role.ADMINISTRATOR, (), ()),
    "AUDITOR": (Role.AUDITOR, (), ()),
}
_CASES = {
    "C1": ("capital-001", "T1"),
    "C2": ("capital-001", "T1"),
    "C3": ("north-001", "T2"),
    "C4": ("capital-002", "T1"),
}


def _attach(session: Session, keyring: Keyring, case_id: uuid.UUID, author: uuid.UUID) -> uuid.UUID:
    key = keyring.case_key(session, case_id)
    message_id, attachment_id = uuid.uuid4(), uuid.uuid4()
    session.add(
        CaseMessage(
            id=message_id,
            case_id=case_id,
            direction=Direction.INBOUND,
            channel=Channel.SMS,
            body_ct=seal_text(
                key, table="case_message", column="body", row_id=message_id, text="photo"
            ),
            created_at=NOW,
        )
    )
    picture = photo_with_location((case_id.bytes[0], 30, 30))
    session.add(
        Attachment(
            id=attachment_id,
            case_id=case_id,
            message_id=message_id,
            content_type="image/jpeg",
            size=len(picture),
            sha256=hashlib.sha256(picture).hexdigest(),
            content_ct=seal(
                key, table="attachment", column="content", row_id=attachment_id, plaintext=picture
            ),
            created_at=NOW,
        )
    )
    note_id = uuid.uuid4()
    session.add(
        CaseNote(
            id=note_id,
            case_id=case_id,
            author_id=author,
            body_ct=seal_text(
                key, table="case_note", column="body", row_id=note_id, text="secret note"
            ),
            created_at=NOW,
        )
    )
    return attachment_id


def build_world(url: str, keyring: Keyring) -> Iterator[World]:
    """Build the world in a database of its own; yields it, then closes the engine."""
    engine = make_engine(url, pool_size=2, max_overflow=2)
    world = World(url, engine)
    clock = FixedClock(NOW)

    def build(s: Session) -> None:
        seed_places(s)
        world.teams = {"T1": make_team(s, "T1", "capital"), "T2": make_team(s, "T2", "north")}
        for name in ("P1", "P2"):
            partner = create_partner(
                s, keyring=keyring, name=name, kind="ngo", actor=SYSTEM, now=NOW
            )
            world.partners[name] = partner.id
            world.partner_keys[name] = new_api_key(
                s, keyring=keyring, partner=partner, label="test", actor=SYSTEM, now=NOW
            )[1]
        for name, (role, teams, schools) in _STAFF.items():
            world.users[name] = make_staff(
                s, keyring, username=name.lower(), role=role, now=NOW, teams=teams, schools=schools
            ).id
        world.users["PARTNER"] = make_staff(
            s,
            keyring,
            username="partner",
            role=Role.PARTNER,
            now=NOW,
            partner_id=world.partners["P1"],
        ).id
        for name, user_id in world.users.items():
            world.tokens[name] = signed_in(s, user_id, now=NOW)
        for name, (school, team) in _CASES.items():
            receipt = submit_report(
                s,
                submission=submission(school=school, narrative=f"Words of case {name}."),
                follow_up=prepare_follow_up(None),
                clock=clock,
                keyring=keyring,
            )
            case = s.get_one(Case, receipt.case_id)
            case.team_id = world.teams[team]
            world.cases[name], world.reports[name] = case.id, receipt.report_id
            world.attachments[name] = _attach(s, keyring, case.id, world.users["CW_ASSIGNEE"])
        s.get_one(Case, world.cases["C1"]).assigned_to_id = world.users["CW_ASSIGNEE"]
        s.get_one(Case, world.cases["C4"]).restricted = True
        s.add(
            CaseAccessGrant(
                case_id=world.cases["C4"],
                user_id=world.users["CW_ASSIGNEE"],
                kind=GrantKind.NAMED,
                created_at=NOW,
            )
        )
        refresh_stale(s)  # the worker's SLA pass: clock index and facts

    Database(engine).run(build, write=True)
    yield world
    engine.dispose()
