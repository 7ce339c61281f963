"""Months of demo history for the response-time charts: about 26 weeks of past cases, each
taken through the real use cases at a backdated clock - submitted, opened, triaged, answered,
worked on, referred to the demo partner (who acknowledges and accepts), closed with an outcome
and the child's views (P2 closures approved by the supervisor) - so the history is what the
product itself would have recorded. Development only.

Deterministic: every case draws from its own seeded ``random.Random``, every time is relative
to now. Each step lands at a chosen share of its SLA clock's target (the product's targets and
calendars): under 1 the clock is met, over 1 missed. That share improves week by week in the
capital and the north and worsens in the south, and differs between caseworkers.

About a hundred cases (4 a week, growing): every step is a real use case, some 35 ms each
on SQLite, and start-up pays for them; 400 cases would add some 15-20 seconds.

The history texts nobody: no report in it says a child is in danger now (no P1, so no
on-call alarm); a report that may be P2 on arrival finds the desk on shift (a turn planned
through the rota use case), so none wakes the on-call phone for want of an owner - the desk
gets a console notice for each; the supervisor assigns the others from the queue (no notice);
replies go to the reporter's follow-up inbox, never by SMS (SMS reporters are answered by
work starting); every referral is answered, none declined or withdrawn. Only the cases cut
short by now keep running clocks: the SLA scan sends their warnings and breaches to the
console (a few dozen notices, no text).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from casework.access.scope import Principal, load_principal
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.context import Acting, Unit
from casework.enums import Channel, Danger, PerpetratorRole, Priority, ReporterRole
from casework.handling.closure import Closure, decide_closure, request_closure
from casework.handling.lifecycle import TriageInput, decide_no_referral, start_work, triage
from casework.handling.reads import view_case
from casework.handling.referrals import refer
from casework.handling.work import assign, text_reporter
from casework.intake.schemas import ReportSubmission
from casework.intake.service import prepare_follow_up, submit_report
from casework.partners.callers import PartnerCaller, update_referral
from casework.partners.directory import partner_named
from casework.partners.models import Consent, ReferralStatus
from casework.partners.referrals import ConsentRecord
from casework.partners.service import partner_actor
from casework.places.repository import all_regions, all_schools
from casework.routing.config import add_shift
from casework.routing.service import team_for
from casework.sla.calendar import AROUND_THE_CLOCK, BusinessCalendar, reach
from casework.sla.clocks import Targets
from casework.sla.models import ClockKind
from casework.sla.service import load_calendar, load_targets
from casework.staff.accounts import user_by_username
from casework.triage.rules import TriageFacts, assess
from hotline.cli.demo_stories import (
    CHILD_VIEWS,
    FIRST_REPLY,
    NO_REFERRAL,
    REFERRAL_SUMMARY,
    STORIES,
)

WEEKS: Final = 26
# Cases a week: the first, plus what the weeks add by the last (each costs start-up time,
# some 35 ms on SQLite: this is about two hundred, enough for a weekly trend per region to
# show through the noise, for some 7 s more at the first start).
PER_WEEK: Final = (5, 4)
SEED: Final = 15
SUPERVISOR: Final = "sv.chen"
DESK: Final = "cw.dara"
SHIFT: Final = dt.timedelta(hours=1)
# Who the supervisor gives a region's cases to, and how often (if they speak the language);
# the desk keeps the rest.
TEAMS: Final[dict[str, dict[str, int]]] = {
    "capital": {"cw.amina": 3, "cw.kofi": 2},
    "north": {"cw.boris": 3, "cw.ines": 2},
    "south": {"cw.lena": 3, "cw.boris": 1},
}
KEPT_BY_DESK: Final = 0.15
# A region's pace (the share of a target a step takes, typically) in the first and last week:
# the capital and the north get quicker, the south - short of staff - slower.
TREND: Final = {"capital": (1.3, 0.5), "north": (1.4, 0.7), "south": (0.9, 1.3)}
PARTNER_TREND: Final = (1.2, 0.6)
# Each person's pace against their region's.
PACE: Final = {
    "cw.amina": 0.9,
    "cw.kofi": 0.75,
    "cw.boris": 1.2,
    "cw.ines": 1.05,
    "cw.lena": 0.95,
    DESK: 1.0,
    SUPERVISOR: 0.8,
}
REGION_SHARE: Final = {"capital": 45, "north": 30, "south": 25}
LANGUAGE_SHARE: Final = {
    "capital": {"en": 75, "fr": 25},
    "north": {"en": 70, "bg": 30},
    "south": {"en": 70, "fil": 30},
}
CHANNEL_SHARE: Final = {
    "capital": {Channel.WEB: 50, Channel.APP: 35, Channel.SMS: 15},
    "north": {Channel.WEB: 40, Channel.APP: 35, Channel.SMS: 25},
    "south": {Channel.WEB: 30, Channel.APP: 30, Channel.SMS: 40},
}
CATEGORY_SHARE: Final = {
    "bullying": 24,
    "cyberbullying": 16,
    "corporal_punishment": 8,
    "emotional_abuse": 11,
    "physical_abuse": 10,
    "neglect": 9,
    "discrimination": 8,
    "sexual_abuse": 4,
    "child_labour": 5,
    "other": 5,
}
# Who the child says did it, by category (web and app ask; SMS leaves it to triage).
ROLES: Final = {
    "bullying": [PerpetratorRole.PEER],
    "cyberbullying": [PerpetratorRole.PEER, PerpetratorRole.ONLINE_STRANGER],
    "corporal_punishment": [PerpetratorRole.TEACHER, PerpetratorRole.SCHOOL_STAFF],
    "emotional_abuse": [PerpetratorRole.PEER, PerpetratorRole.PEER, PerpetratorRole.TEACHER],
    "physical_abuse": [PerpetratorRole.PEER, PerpetratorRole.OTHER, PerpetratorRole.CARER],
    "neglect": [PerpetratorRole.UNKNOWN, PerpetratorRole.CARER],
    "discrimination": [PerpetratorRole.PEER, PerpetratorRole.PEER, PerpetratorRole.TEACHER],
    "sexual_abuse": [PerpetratorRole.OTHER, PerpetratorRole.UNKNOWN],
    "child_labour": [PerpetratorRole.OTHER, PerpetratorRole.UNKNOWN],
    "other": [PerpetratorRole.UNKNOWN],
}
REFER_SHARE: Final = {Priority.P2: 0.75, Priority.P3: 0.3, Priority.P4: 0.05}
OUTCOMES: Final = {
    "resolved": 40,
    "advice_given": 30,
    "no_further_action": 20,
    "unable_to_contact": 10,
}
MINUTE: Final = dt.timedelta(minutes=1)
# Share of web and app reporters answered in their inbox (the others, like SMS reporters, by
# work starting): fewer steps, a quicker start-up.
REPLIED: Final = 0.6
STAYS_OPEN: Final = 0.06  # still being worked on, however old
K = ClockKind
T = TypeVar("T")


@dataclass(frozen=True)
class _Plan:
    """What one past report was, before it reached the hotline."""

    number: int
    week: int
    opened: dt.datetime
    region: str
    submission: ReportSubmission
    triage: TriageInput
    urgent: bool  # may be P2 on arrival: the desk must be on shift to take it


class _History:
    """What every past case shares: the session and keys, people, targets and calendars."""

    def __init__(self, unit: Unit, partner_name: str, languages: Mapping[str, Sequence[str]]):
        session = unit.session
        self.unit = unit
        self.languages = languages
        self.start = unit.now - dt.timedelta(weeks=WEEKS)
        self.users = {name: user_by_username(session, name) for name in {*PACE, SUPERVISOR}}
        self.usernames = {u.id: name for name, u in self.users.items()}
        self.principals: dict[str, Principal] = {
            name: load_principal(session, user) for name, user in self.users.items()
        }
        partner = partner_named(session, partner_name)
        if partner is None:
            raise RuntimeError("the demo partner is seeded first")
        self.partner = PartnerCaller(partner.id, partner_actor(partner.id))
        self.region_ids = {r.code: r.id for r in all_regions(session)}
        region_codes = {v: k for k, v in self.region_ids.items()}
        self.schools: dict[str, list[str]] = {}
        for school in all_schools(session):
            self.schools.setdefault(region_codes[school.region_id], []).append(school.code)
        self.targets: Targets = load_targets(session)
        self._calendars: dict[int | None, BusinessCalendar] = {}

    def acting(self, username: str, at: dt.datetime) -> Acting:
        """The person acting at a past moment."""
        u = self.unit
        return Acting(u.session, u.keyring, FixedClock(at), at, self.principals[username])

    def partner_unit(self, at: dt.datetime) -> Unit:
        """The partner's system calling at a past moment."""
        return Unit(self.unit.session, self.unit.keyring, FixedClock(at), at)

    def due(
        self, clock: ClockKind, case: Case, priority: Priority, start: dt.datetime
    ) -> dt.datetime:
        """When ``clock`` of the case, started at ``start``, falls due (as the engine says)."""
        target = self.targets.get(clock, priority, case.category_id)
        if target is None:  # no target for this priority: a working day or so
            return start + dt.timedelta(hours=24)
        calendar = AROUND_THE_CLOCK
        if target.business_hours and priority is not Priority.P1:
            if case.region_id not in self._calendars:
                self._calendars[case.region_id] = load_calendar(self.unit.session, case.region_id)
            calendar = self._calendars[case.region_id]
        due = reach(calendar, start, dt.timedelta(minutes=target.minutes))
        return due or start + dt.timedelta(minutes=target.minutes)

    def pace(self, region: str, week: int, who: str | None) -> float:
        """The typical share of a target a step takes in this region, week, by this person."""
        first, last = PARTNER_TREND if who is None else TREND[region]
        own = 1.0 if who is None else PACE[who]
        return (first + (last - first) * week / (WEEKS - 1)) * own


def _pick(rng: random.Random, shares: Mapping[T, int]) -> T:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _ratio(rng: random.Random, pace: float) -> float:
    """A step's share of its target: around ``pace``, now and then much later."""
    return min(pace * math.exp(rng.gauss(0, 0.55)), 4.0)


def _at(start: dt.datetime, due: dt.datetime, ratio: float, after: dt.datetime) -> dt.datetime:
    """``ratio`` of the way from ``start`` to ``due``, and after ``after``."""
    return max(start + (due - start) * ratio, after + 2 * MINUTE)


def _worst(facts: TriageFacts) -> Priority:
    """The case's priority however many earlier reports its school has."""
    return assess(TriageFacts(**{**facts.__dict__, "earlier_about_school": 4})).priority


def _plan(h: _History, number: int, week: int, rng: random.Random) -> _Plan:
    region = _pick(rng, REGION_SHARE)
    language = _pick(rng, LANGUAGE_SHARE[region])
    channel = _pick(rng, CHANNEL_SHARE[region])
    category = _pick(rng, CATEGORY_SHARE)
    age = rng.randint(7, 9) if rng.random() < 0.15 else rng.randint(10, 17)
    role = rng.choice(ROLES[category])
    asked = channel is not Channel.SMS  # the web form and the app ask; SMS leaves it
    ongoing = rng.choice([Danger.YES, Danger.NO, Danger.UNKNOWN])
    injury = Danger.YES if category == "physical_abuse" and rng.random() < 0.4 else Danger.NO
    while _worst(TriageFacts(Danger.NO, category, age, role, ongoing, injury)) is Priority.P1:
        injury, ongoing, age = Danger.NO, Danger.UNKNOWN, max(age, 12)
    school = rng.choice(h.schools[region]) if rng.random() < 0.75 else None
    opened = h.start + dt.timedelta(weeks=week, days=rng.random() * 7)
    opened = opened.replace(hour=rng.choice([8, 10, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22]))
    submission = ReportSubmission(
        channel=channel,
        language=language,
        category=category,
        narrative=rng.choice(STORIES[category][language]),
        immediate_danger=Danger.NO if rng.random() < 0.7 else Danger.UNKNOWN,
        school=school,
        region=None if school else region,
        child_age=age if asked else None,
        reporter_role=rng.choice([ReporterRole.SELF] * 3 + [ReporterRole.OTHER_CHILD]),
        perpetrator_role=role if asked else PerpetratorRole.UNKNOWN,
        ongoing=ongoing if asked else Danger.UNKNOWN,
    )
    found = TriageInput(
        danger=Danger.NO, perpetrator_role=role, ongoing=ongoing, injury=injury, child_age=age
    )
    arrives = TriageFacts(
        Danger.NO,
        category,
        submission.child_age,
        submission.perpetrator_role,
        submission.ongoing,
    )
    return _Plan(number, week, opened, region, submission, found, _worst(arrives) is Priority.P2)


@dataclass
class _Case:
    """One past case as it unfolds: its plan, its own random draws, owner and priority."""

    plan: _Plan
    rng: random.Random
    case: Case
    owner: str
    priority: Priority
    at: dt.datetime  # when its latest step happened

    def share(self, h: _History, who: str | None) -> float:
        """The share of a target the next step by ``who`` (None: the partner) takes."""
        return _ratio(self.rng, h.pace(self.plan.region, self.plan.week, who))

    def due(self, h: _History, clock: ClockKind, start: dt.datetime | None = None) -> dt.datetime:
        """When the case's ``clock`` falls due (started when the case opened, or at ``start``)."""
        return h.due(clock, self.case, self.priority, start or self.plan.opened)


def _life(h: _History, plan: _Plan, rng: random.Random) -> Iterator[dt.datetime]:
    """One case's life: yields the time of its next step, which runs when resumed."""
    session, sub, t0 = h.unit.session, plan.submission, plan.opened
    yield t0
    if plan.urgent:
        _desk_on_shift(h, t0)
    receipt = submit_report(
        session,
        submission=sub,
        follow_up=None if sub.channel is Channel.SMS else prepare_follow_up(None),
        clock=FixedClock(t0),
        keyring=h.unit.keyring,
    )
    if receipt.priority is Priority.P1 or receipt.on_call_alerted:
        raise RuntimeError("the demo history must not alert anyone on call")
    case_id = receipt.case_id
    c = _Case(plan, rng, session.get_one(Case, case_id), DESK, receipt.priority, t0)
    # Acknowledged: the supervisor gives it to a caseworker of its region who speaks its
    # language, or the desk opens it and keeps it.
    t = _at(t0, c.due(h, K.ACKNOWLEDGE), c.share(h, SUPERVISOR), t0)
    yield t
    team = {p: n for p, n in TEAMS[plan.region].items() if sub.language in h.languages[p]}
    c.owner = _pick(rng, team) if team and rng.random() > KEPT_BY_DESK else DESK
    if c.case.assigned_to_id == h.users[c.owner].id:  # routed to the desk, which keeps it
        view_case(h.acting(c.owner, t), case_id)
    else:
        team_id = team_for(session, c.case.region_id) if c.owner != DESK else None
        assign(h.acting(SUPERVISOR, t), case_id, h.users[c.owner].id, team_id)
    t = _at(t0, c.due(h, K.TRIAGE), c.share(h, c.owner), t)
    yield t
    c.priority = triage(h.acting(c.owner, t), case_id, plan.triage).priority_now
    t = _at(t0, c.due(h, K.FIRST_RESPONSE), c.share(h, c.owner), t)
    if sub.channel is not Channel.SMS and rng.random() < REPLIED:
        yield t
        text_reporter(h.acting(c.owner, t), case_id, FIRST_REPLY[sub.language])
        t += rng.randint(10, 240) * MINUTE
    yield t
    start_work(h.acting(c.owner, t), case_id)
    c.at = t
    outcome = yield from _referral(h, c)
    if rng.random() > STAYS_OPEN:
        yield from _closure(h, c, outcome)


def _referral(h: _History, c: _Case) -> Generator[dt.datetime, None, str]:
    """Referred to the partner (who acknowledges and accepts), or decided not to be; yields
    the steps' times, returns the outcome it will close with."""
    rng, case_id, plan = c.rng, c.case.id, c.plan
    # Decided once work starts: on time when work started in time.
    t = _at(c.at, c.due(h, K.REFERRAL_DECISION), c.share(h, c.owner), c.at)
    if rng.random() >= REFER_SHARE[c.priority]:
        if c.priority is Priority.P2:  # the only priority with a decision clock
            yield t
            decide_no_referral(h.acting(c.owner, t), case_id, NO_REFERRAL)
        c.at = t
        return _pick(rng, OUTCOMES)
    yield t
    summary = REFERRAL_SUMMARY.format(
        category=plan.submission.category.replace("_", " "), age=plan.triage.child_age
    )
    consent = ConsentRecord(Consent.GIVEN, consent_from="child")
    referral = refer(h.acting(c.owner, t), case_id, h.partner.partner_id, summary, consent).id
    sent = t
    steps = [ReferralStatus.ACCEPTED]
    if rng.random() < 0.4:  # acknowledged first, accepted later
        steps.insert(0, ReferralStatus.ACKNOWLEDGED)
    for to in steps:
        clock = K.PARTNER_ACCEPTANCE if to is ReferralStatus.ACCEPTED else K.PARTNER_ACKNOWLEDGEMENT
        t = _at(sent, c.due(h, clock, sent), c.share(h, None), t)
        yield t
        update_referral(h.partner_unit(t), h.partner, referral, to=to, note=None)
    c.at = t
    return "referred_support"


def _closure(h: _History, c: _Case, outcome: str) -> Iterator[dt.datetime]:
    """Closed with the outcome and the child's views; a P2 case by the supervisor's approval."""
    rng, case_id = c.rng, c.case.id
    days = dt.timedelta(days=rng.uniform(4, 30))
    t = max(c.at + rng.randint(60, 2880) * MINUTE, c.plan.opened + days)
    yield t
    if outcome == "unable_to_contact" or rng.random() < 0.2:
        closure = Closure(outcome, views_missing=rng.choice(["unreachable", "declined_to_say"]))
    else:
        closure = Closure(outcome, child_views=rng.choice(CHILD_VIEWS))
    if not request_closure(h.acting(c.owner, t), case_id, closure):  # the supervisor decides
        asked = t
        t = _at(asked, c.due(h, K.CLOSURE_REVIEW, asked), c.share(h, SUPERVISOR), t)
        yield t
        decide_closure(h.acting(SUPERVISOR, t), case_id, True, None)


def _desk_on_shift(h: _History, at: dt.datetime) -> None:
    """The desk on shift around ``at``, planned by the supervisor: a report that is P2 on
    arrival and finds nobody wakes the on-call phone, which the history must not do. (Only
    then: whoever is on shift gets a console notice for each report routed to them.)"""
    add_shift(
        h.unit.session,
        keyring=h.unit.keyring,
        actor=h.principals[SUPERVISOR].actor,
        user_id=h.users[DESK].id,
        region=None,
        starts_at=at - SHIFT,
        ends_at=at + SHIFT,
        on_call=False,
        now=at - SHIFT,
    )


def seed_history(unit: Unit, *, partner_name: str, languages: Mapping[str, Sequence[str]]) -> int:
    """Seed about 26 weeks of past cases through the use cases (the demo's staff, places and
    partner first); returns how many cases."""
    h = _History(unit, partner_name, languages)
    base = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
    lives: list[tuple[dt.datetime, int, Iterator[dt.datetime]]] = []
    number = seeded = 0
    for week in range(WEEKS):
        for _ in range(PER_WEEK[0] + PER_WEEK[1] * week // WEEKS + base.randint(0, 1)):
            rng = random.Random(f"{SEED}:{number}")  # noqa: S311 - as above
            plan = _plan(h, number, week, rng)
            if plan.opened < unit.now - dt.timedelta(hours=1):
                life = _life(h, plan, rng)
                lives.append((next(life), number, life))
                seeded += 1
            number += 1
    # Every step of every case in the order it happened (a case's steps are in order, and
    # routing and triage see the cases before them), up to now: what is later has not happened.
    heapq.heapify(lives)
    while lives:
        at, n, life = heapq.heappop(lives)
        if at >= unit.now:
            continue
        following = next(life, None)
        if following is not None:
            heapq.heappush(lives, (following, n, life))
    unit.session.flush()
    return seeded
