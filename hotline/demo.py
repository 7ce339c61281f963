"""Demo data for the embedded default: regions, schools and a few sample reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.enums import Channel, ContactMethod, Danger, ReporterRole
from casework.intake.schemas import ReportReceipt, ReportSubmission
from casework.intake.service import prepare_follow_up, submit_report
from casework.places.models import Region, School
from casework.protection.keys import Keyring

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
class DemoResult:
    """What seeding did."""

    seeded: bool
    receipts: list[ReportReceipt]


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


def seed_demo(session: Session, *, clock: Clock, keyring: Keyring) -> DemoResult:
    """Seed places and sample reports once; a second run changes nothing."""
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
    return DemoResult(seeded=True, receipts=receipts)
