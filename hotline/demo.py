"""Demo data for the embedded default: regions, schools, sample reports, and one member of
staff of each role (with a password and an already set-up authenticator secret, printed so a
newcomer can sign in), their teams, and a partner with an API key. Development only."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.cases.models import Case
from casework.clock import Clock
from casework.enums import Channel, ContactMethod, Danger, ReporterRole
from casework.intake.schemas import ReportReceipt, ReportSubmission
from casework.intake.service import prepare_follow_up, submit_report
from casework.partners.service import create_partner, new_api_key
from casework.places.models import Region, School
from casework.protection.fields import seal_text
from casework.protection.keys import Keyring
from casework.routing.models import OnCallShift, StaffLanguage, StaffShift
from casework.sla.models import RegionCalendar
from casework.staff.accounts import create_user, ensure_team, set_teams
from casework.staff.models import CaseAccessGrant, GrantKind, Role, StaffUser, Team
from casework.staff.passwords import PasswordHashing
from casework.staff.signin import STAFF_PURPOSE
from casework.staff.totp import new_secret

REGIONS = [
    ("capital", "Capital District"),
    ("north", "Northern Province"),
    ("south", "Southern Province"),
]
SCHOOLS = [
    ("capital-001", "Riverside Primary School", "capital"),
    ("capital-002", "Central High School", "capital"),
    ("capital-003", "Hillview Secondary School", "capital"),
    ("north-001", "Pine Valley Primary School", "north"),
    ("north-002", "Lakeshore Secondary School", "north"),
    ("south-001", "Coastal Primary School", "south"),
    ("south-002", "Sunrise High School", "south"),
]
SAMPLE_REPORTS = [
    ReportSubmission(
        channel=Channel.WEB,
        language="en",
        category="corporal_punishment",
        narrative="My teacher hit me with a ruler in front of the class because I was late.",
        immediate_danger=Danger.NO,
        school="capital-002",
        child_age=11,
        reporter_role=ReporterRole.SELF,
    ),
    ReportSubmission(
        channel=Channel.APP,
        language="en",
        category="cyberbullying",
        narrative="Some kids from my class made a group chat to make fun of my friend's photos.",
        immediate_danger=Danger.UNKNOWN,
        school="north-002",
        child_age=14,
        reporter_role=ReporterRole.OTHER_CHILD,
    ),
    ReportSubmission(
        channel=Channel.WEB,
        language="en",
        category="physical_abuse",
        narrative="My mum's boyfriend is shouting and throwing things. I am scared he will hurt us",
        immediate_danger=Danger.YES,
        region="south",
        place="at home",
        child_age=9,
        reporter_role=ReporterRole.SELF,
    ),
    ReportSubmission(
        channel=Channel.APP,
        language="fr",
        category="bullying",
        narrative="Des élèves plus âgés me prennent mon goûter tous les jours à la récréation.",
        immediate_danger=Danger.NO,
        school="capital-001",
        child_age=8,
        reporter_role=ReporterRole.SELF,
        contact_method=ContactMethod.FOLLOW_UP_ONLY,
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    """How to sign in as one demo member of staff (development only)."""

    username: str
    role: Role
    password: str
    totp_secret: str

    def __repr__(self) -> str:
        return f"DemoLogin({self.username!r})"


@dataclass(frozen=True)
class DemoResult:
    """What seeding did."""

    seeded: bool
    receipts: list[ReportReceipt]
    logins: list[DemoLogin] = field(default_factory=list)
    partner_key: str | None = None


TEAMS = [("Capital team", ["capital"], False), ("North and South team", ["north", "south"], False)]
# username, display name, role, teams
STAFF = [
    ("cw.amina", "Amina Diallo", Role.CASEWORKER, ["Capital team"]),
    ("cw.boris", "Boris Petrov", Role.CASEWORKER, ["North and South team"]),
    ("sv.chen", "Chen Wei", Role.SUPERVISOR, ["Capital team", "North and South team"]),
    ("admin.dana", "Dana Cruz", Role.ADMINISTRATOR, []),
    ("audit.eli", "Eli Novak", Role.AUDITOR, []),
    ("partner.fatima", "Fatima Haddad", Role.PARTNER, []),
]
PARTNER = ("Capital Social Services", "social_services")
# Routing in the demo: languages, a week on shift in their teams' regions, and on call.
LANGUAGES = {"cw.amina": ["en", "fr"], "cw.boris": ["en", "bg"], "sv.chen": ["en", "fil"]}
ON_SHIFT = {"cw.amina": ["capital"], "cw.boris": ["north", "south"]}
ON_CALL = {"sv.chen": ["capital", "north", "south"]}
OFFICE_HOURS = {str(day): ["08:00", "18:00"] for day in range(5)}  # Monday to Friday


def seed_places(session: Session) -> bool:
    """Add the demo regions and schools unless there are regions already; True if added."""
    if session.scalar(select(func.count()).select_from(Region)):
        return False
    regions = {code: Region(code=code, name=name) for code, name in REGIONS}
    session.add_all(regions.values())
    session.flush()
    session.add_all(
        School(code=code, name=name, region_id=regions[region].id) for code, name, region in SCHOOLS
    )
    session.flush()
    return True


def seed_demo(
    session: Session, *, clock: Clock, keyring: Keyring, hashing: PasswordHashing
) -> DemoResult:
    """Seed places, sample reports and demo staff once; a second run changes nothing."""
    if not seed_places(session):
        return DemoResult(seeded=False, receipts=[])
    keyring.ensure_root(session, now=clock.now())
    receipts = [
        submit_report(
            session,
            submission=submission,
            follow_up=prepare_follow_up(None),
            clock=clock,
            keyring=keyring,
        )
        for submission in SAMPLE_REPORTS
    ]
    logins, partner_key = _seed_staff(session, clock=clock, keyring=keyring, hashing=hashing)
    _place_cases(session, receipts, clock=clock)
    return DemoResult(seeded=True, receipts=receipts, logins=logins, partner_key=partner_key)


def _seed_staff(
    session: Session, *, clock: Clock, keyring: Keyring, hashing: PasswordHashing
) -> tuple[list[DemoLogin], str]:
    now = clock.now()
    for name, regions, national in TEAMS:
        ensure_team(session, name=name, region_codes=regions, national=national)
    partner = create_partner(
        session, keyring=keyring, name=PARTNER[0], kind=PARTNER[1], actor=SYSTEM, now=now
    )
    _, partner_key = new_api_key(
        session, keyring=keyring, partner=partner, label="demo", actor=SYSTEM, now=now
    )
    logins = []
    for username, display_name, role, teams in STAFF:
        password = secrets.token_urlsafe(15)
        user = create_user(
            session,
            keyring=keyring,
            username=username,
            display_name=display_name,
            role=role,
            password_hash=hashing.hash(password),
            partner_id=partner.id if role is Role.PARTNER else None,
            actor=SYSTEM,
            now=now,
        )
        if teams:
            set_teams(session, keyring=keyring, user=user, team_names=teams, actor=SYSTEM, now=now)
        # Already set up, so a newcomer can sign in with the printed secret.
        secret = new_secret()
        user.totp_secret_ct = seal_text(
            keyring.purpose_key(session, STAFF_PURPOSE),
            table="staff_user",
            column="totp_secret",
            row_id=user.id,
            text=secret,
        )
        user.totp_confirmed_at = now
        logins.append(DemoLogin(username, role, password, secret))
        _seed_rota(session, user, now=now)
    for region in session.scalars(select(Region)):
        session.add(RegionCalendar(region_id=region.id, timezone="UTC", hours=OFFICE_HOURS))
    session.flush()
    return logins, partner_key


def _seed_rota(session: Session, user: StaffUser, *, now: dt.datetime) -> None:
    """Languages, shifts and on-call turns of the demo staff, for the coming week."""
    week = now + dt.timedelta(days=7)
    session.add_all(
        StaffLanguage(user_id=user.id, language=lang) for lang in LANGUAGES.get(user.username, [])
    )
    for code in ON_SHIFT.get(user.username, []):
        region = session.scalars(select(Region).where(Region.code == code)).one()
        session.add(StaffShift(user_id=user.id, region_id=region.id, starts_at=now, ends_at=week))
    for code in ON_CALL.get(user.username, []):
        region = session.scalars(select(Region).where(Region.code == code)).one()
        session.add(OnCallShift(user_id=user.id, region_id=region.id, starts_at=now, ends_at=week))


def _place_cases(session: Session, receipts: list[ReportReceipt], *, clock: Clock) -> None:
    """Put the sample cases in their teams' queues; the teacher case restricted to Amina."""
    teams = {t.name: t.id for t in session.scalars(select(Team))}
    amina = session.scalars(select(StaffUser).where(StaffUser.username == "cw.amina")).one()
    for receipt in receipts:
        case = session.get_one(Case, receipt.case_id)
        region = session.get(Region, case.region_id) if case.region_id else None
        capital = region is not None and region.code == "capital"
        case.team_id = teams["Capital team" if capital else "North and South team"]
    first = session.get_one(Case, receipts[0].case_id)  # the teacher with a ruler
    first.assigned_to_id = amina.id
    first.restricted = True
    session.add(
        CaseAccessGrant(
            case_id=first.id, user_id=amina.id, kind=GrantKind.NAMED, created_at=clock.now()
        )
    )
    session.flush()
