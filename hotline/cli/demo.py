"""Demo data for the embedded default: regions, schools, sample reports, and one member of
staff of each role (with a password and an already set-up authenticator secret, printed so a
newcomer can sign in), their teams, and a partner with an API key. Development only."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from functools import partial

from casework.access.scope import load_principal
from casework.actors import SYSTEM
from casework.administration.places import add_places
from casework.context import Acting, Unit
from casework.enums import Channel, ContactMethod, Danger, ReporterRole
from casework.handling.work import set_restriction
from casework.intake.schemas import ReportReceipt, ReportSubmission
from casework.intake.service import prepare_follow_up, submit_report
from casework.partners.service import create_partner, new_api_key
from casework.places.repository import all_regions
from casework.protection.fields import seal_text
from casework.routing.config import add_shift, set_languages, set_phone
from casework.sla.models import RegionCalendar
from casework.staff.accounts import create_user, ensure_team, set_teams, user_by_username
from casework.staff.models import Role, StaffUser
from casework.staff.passwords import PasswordHashing
from casework.staff.signin import STAFF_PURPOSE
from casework.staff.totp import new_secret
from hotline.cli.demo_history import seed_history
from hotline.settings import DEV_ONCALL_PHONE

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
    past_cases: int = 0  # the history behind the charts (``demo_history``)


TEAMS = [
    ("Capital team", ["capital"], False),
    ("North and South team", ["north", "south"], False),
    # Reports whose region is not known yet (SMS until a school is named, web and app reports
    # without one) and any region nobody else can take: the national desk.
    ("Intake desk", [], True),
]
# username, display name, role, teams
STAFF = [
    ("cw.amina", "Amina Diallo", Role.CASEWORKER, ["Capital team"]),
    ("cw.boris", "Boris Petrov", Role.CASEWORKER, ["North and South team"]),
    ("cw.dara", "Dara Reyes", Role.CASEWORKER, ["Intake desk"]),
    # On the past weeks' rota of the demo history (``demo_history``), not on this week's.
    ("cw.kofi", "Kofi Mensah", Role.CASEWORKER, ["Capital team"]),
    ("cw.ines", "Ines Moreau", Role.CASEWORKER, ["North and South team"]),
    ("cw.lena", "Lena Ortiz", Role.CASEWORKER, ["North and South team"]),
    (
        "sv.chen",
        "Chen Wei",
        Role.SUPERVISOR,
        ["Capital team", "North and South team", "Intake desk"],
    ),
    ("admin.dana", "Dana Cruz", Role.ADMINISTRATOR, []),
    ("audit.eli", "Eli Novak", Role.AUDITOR, []),
    ("partner.fatima", "Fatima Haddad", Role.PARTNER, []),
]
PARTNER = ("Capital Social Services", "social_services")
# Routing in the demo: languages, a week on shift (None: the national desk), and on call.
LANGUAGES = {
    "cw.amina": ["en", "fr"],
    "cw.boris": ["en", "bg"],
    "cw.dara": ["en", "fr", "bg", "fil"],
    "cw.kofi": ["en", "fr"],
    "cw.ines": ["en", "bg"],
    "cw.lena": ["en", "fil"],
    "sv.chen": ["en", "fil"],
}
ON_SHIFT: dict[str, list[str | None]] = {
    "cw.amina": ["capital"],
    "cw.boris": ["north", "south"],
    "cw.dara": [None],
}
# On call nationally: every danger alert, whatever the region, reaches Chen's phone (the
# simulated on-call phone of the development phone network: GET /dev/phone/<number>).
ON_CALL: dict[str, list[str | None]] = {"sv.chen": [None]}
PHONES = {"sv.chen": DEV_ONCALL_PHONE}
OFFICE_HOURS = {str(day): ["08:00", "18:00"] for day in range(5)}  # Monday to Friday
ROTA_DAYS = 7


# Add the demo regions and schools unless there are regions already; True if added.
seed_places = partial(add_places, regions=REGIONS, schools=SCHOOLS)


def seed_demo(unit: Unit, *, hashing: PasswordHashing) -> DemoResult:
    """Seed places, demo staff on the rota, sample reports and months of past cases once (all
    through intake, routing and the staff use cases like any other); a second run changes
    nothing."""
    if not seed_places(unit.session):
        return DemoResult(seeded=False, receipts=[])
    unit.keyring.ensure_root(unit.session, now=unit.now)
    logins, partner_key = _seed_staff(unit, hashing=hashing)
    receipts = [
        submit_report(
            unit.session,
            submission=submission,
            follow_up=prepare_follow_up(None),
            clock=unit.clock,
            keyring=unit.keyring,
        )
        for submission in SAMPLE_REPORTS
    ]
    _restrict_first(unit, receipts[0])
    past = seed_history(unit, partner_name=PARTNER[0], languages=LANGUAGES)
    return DemoResult(
        seeded=True,
        receipts=receipts,
        logins=logins,
        partner_key=partner_key,
        past_cases=past,
    )


def seed_staff(unit: Unit, *, hashing: PasswordHashing) -> list[DemoLogin]:
    """The demo's teams, staff and their rota for the coming week, on places already there
    (the benchmarks' staffed runs); their logins."""
    unit.keyring.ensure_root(unit.session, now=unit.now)
    return _seed_staff(unit, hashing=hashing)[0]


def _seed_staff(unit: Unit, *, hashing: PasswordHashing) -> tuple[list[DemoLogin], str]:
    session, keyring, now = unit.session, unit.keyring, unit.now
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
        _seed_rota(unit, user)
    for region in all_regions(session):
        session.add(RegionCalendar(region_id=region.id, timezone="UTC", hours=OFFICE_HOURS))
    session.flush()
    return logins, partner_key


def _seed_rota(unit: Unit, user: StaffUser) -> None:
    """Languages, phone, shifts and on-call turns of the demo staff for the coming week, set
    through the same rota use cases as the staff API (so the same rules hold)."""
    session, keyring, now = unit.session, unit.keyring, unit.now
    if user.username in LANGUAGES:
        set_languages(
            session,
            keyring=keyring,
            actor=SYSTEM,
            user_id=user.id,
            languages=LANGUAGES[user.username],
            now=now,
        )
    if user.username in PHONES:
        set_phone(
            session,
            keyring=keyring,
            actor=SYSTEM,
            user_id=user.id,
            phone=PHONES[user.username],
            default_region=None,
            now=now,
        )
    turns = [(r, False) for r in ON_SHIFT.get(user.username, [])]
    turns += [(r, True) for r in ON_CALL.get(user.username, [])]
    for region, on_call in turns:
        for day in range(ROTA_DAYS):  # a turn lasts at most two days: one a day
            add_shift(
                session,
                keyring=keyring,
                actor=SYSTEM,
                user_id=user.id,
                region=region,
                starts_at=now + dt.timedelta(days=day),
                ends_at=now + dt.timedelta(days=day + 1),
                on_call=on_call,
                now=now,
            )


def _restrict_first(unit: Unit, receipt: ReportReceipt) -> None:
    """The teacher with a ruler: restricted to Amina, as a supervisor would do it."""
    chen = user_by_username(unit.session, "sv.chen")
    amina = user_by_username(unit.session, "cw.amina")
    principal = load_principal(unit.session, chen)
    # Timed now, after the reports it restricts were taken.
    acting = Acting(unit.session, unit.keyring, unit.clock, unit.clock.now(), principal)
    set_restriction(acting, receipt.case_id, True, [amina.id])
    unit.session.flush()
