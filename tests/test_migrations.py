"""Migrations build the whole schema from empty, match the models, and go down and up again."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.intake.models import Report
from casework.sla import weekly
from casework.sla.facts import week_of
from casework.sla.models import ClockFact
from hotline.runtime import migrations
from tests.databases import empty_database

SPEC_CATEGORIES = {
    "physical_abuse",
    "sexual_abuse",
    "emotional_abuse",
    "neglect",
    "corporal_punishment",
    "bullying",
    "cyberbullying",
    "online_sexual_exploitation",
    "child_marriage",
    "child_labour",
    "trafficking",
    "domestic_violence",
    "self_harm",
    "discrimination",
    "radicalisation",
    "other",
}


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> str:
    return empty_database(backend, tmp_path)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_everything_and_seeds_categories(empty_url: str) -> None:
    migrations.upgrade(empty_url)

    assert {
        "case",
        "case_event",
        "report",
        "category",
        "region",
        "school",
        "inbound_message",
        "intake_item",
        "follow_up_credential",
    } <= _tables(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        codes = set(conn.execute(text("SELECT code FROM category")).scalars())
    engine.dispose()
    assert codes == SPEC_CATEGORIES


def test_models_and_migrations_agree(empty_url: str) -> None:
    migrations.upgrade(empty_url)

    command.check(migrations.alembic_config(empty_url))  # raises when autogenerate finds a diff


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    migrations.upgrade(empty_url)
    migrations.downgrade(empty_url, "base")
    assert _tables(empty_url) <= {"alembic_version"}

    migrations.upgrade(empty_url)
    command.check(migrations.alembic_config(empty_url))


def test_newest_revision_downgrades_and_upgrades(empty_url: str) -> None:
    migrations.upgrade(empty_url)
    script = ScriptDirectory.from_config(migrations.alembic_config(empty_url))
    head = script.get_current_head()
    assert head is not None
    newest = script.get_revision(head)
    assert newest is not None
    previous = newest.down_revision
    assert previous is None or isinstance(previous, str)  # a straight line of revisions

    migrations.downgrade(empty_url, previous or "base")
    migrations.upgrade(empty_url)

    engine = create_engine(empty_url)
    assert migrations.current_revision(engine) == head
    engine.dispose()


def test_the_weekly_summary_keeps_its_counts_when_zeros_become_null(empty_url: str) -> None:
    migrations.upgrade(empty_url, "0019")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sla_clock_week "
                    "(week, clock, dim, value, region_id, team_id, met, missed, m3) VALUES "
                    "('2026-11-02', 'triage', 'all', '', 1, 2, 4, 0, 3), "
                    "('2026-11-02', 'triage', 'school', '7', 1, 2, 0, 1, 0)"
                )
            )
        migrations.upgrade(empty_url, "0020")
        query = text("SELECT dim, met, missed, m3, s0 FROM sla_clock_week ORDER BY dim")
        with engine.connect() as conn:
            assert conn.execute(query).all() == [
                ("all", 4, None, 3, None),
                ("school", None, 1, None, None),
            ]
        migrations.downgrade(empty_url, "0019")
        with engine.connect() as conn:
            assert conn.execute(query).all() == [("all", 4, 0, 3, 0), ("school", 0, 1, 0, 0)]
    finally:
        engine.dispose()


def _fact(case: int, priority: str, outcome: str | None, minutes: int | None) -> str:
    return (
        f"('00000000-0000-0000-0000-00000000000{case}', 'triage', 0, '2026-11-03 09:00:00+00', "
        f"'2026-11-02', '2026-11-03 09:00:00+00', {minutes or 'NULL'}, "
        f"{'NULL' if outcome is None else repr(outcome)}, 60, "
        f"{'NULL' if outcome is None else 0}, '{priority}', 3, 'web', 1, 7, 2)"
    )


def test_the_weekly_summary_is_split_by_priority_from_the_facts(empty_url: str) -> None:
    migrations.upgrade(empty_url, "0020")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            facts = [
                _fact(1, "P1", "met", 5),
                _fact(2, "P2", "missed", 5),
                _fact(3, "P2", None, None),
            ]
            conn.execute(
                text(
                    "INSERT INTO sla_clock_fact (case_id, clock, start_seq, opened_at, "  # noqa: S608 - constants
                    "opened_week, started_at, minutes, outcome, target_minutes, share_bucket, "
                    "priority, category_id, channel, region_id, school_id, team_id) VALUES "
                    + ", ".join(facts)
                )
            )
            conn.execute(
                text(
                    "INSERT INTO sla_clock_week "
                    "(week, clock, dim, value, region_id, team_id, met, missed, m4) VALUES "
                    "('2026-11-02', 'triage', 'school', '7', 1, 2, 1, 1, 2), "
                    "('2026-11-02', 'triage', 'priority', 'P1', 1, 2, 1, NULL, 1), "
                    "('2026-11-02', 'triage', 'all', '', 1, 2, 1, 1, 2)"
                )
            )
        migrations.upgrade(empty_url, "0021")
        query = text(
            "SELECT dim, value, priority, met, missed, m4 FROM sla_clock_week "
            "ORDER BY dim, value, priority"
        )
        with engine.connect() as conn:
            assert conn.execute(query).all() == [
                ("all", "", "P1", 1, None, 1),
                ("all", "", "P2", None, 1, 1),
                ("category", "3", "P1", 1, None, 1),
                ("category", "3", "P2", None, 1, 1),
                ("channel", "web", "P1", 1, None, 1),
                ("channel", "web", "P2", None, 1, 1),
                ("school", "7", "", 1, 1, 2),
            ]
        migrations.downgrade(empty_url, "0020")
        query = text("SELECT dim, value, met, missed, m4 FROM sla_clock_week ORDER BY dim, value")
        with engine.connect() as conn:
            assert conn.execute(query).all() == [
                ("all", "", 1, 1, 2),
                ("category", "3", 1, 1, 2),
                ("channel", "web", 1, 1, 2),
                ("priority", "P1", 1, None, 1),
                ("priority", "P2", None, 1, 1),
                ("school", "7", 1, 1, 2),
            ]
    finally:
        engine.dispose()


def test_the_wide_rows_are_added_up_in_blocks_of_weeks(empty_url: str) -> None:
    migrations.upgrade(empty_url, "0021")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            # Counted from 5 January 1970: 2026-10-26 and 2026-11-23 start blocks of 4 weeks,
            # 2026-09-28 a block of 16 that holds all three weeks.
            conn.execute(
                text(
                    "INSERT INTO sla_clock_week "
                    "(week, clock, dim, value, region_id, team_id, priority, met, missed, m4) "
                    "VALUES "
                    "('2026-10-26', 'triage', 'school', '7', 1, 2, '', 1, NULL, 1), "
                    "('2026-11-16', 'triage', 'school', '7', 1, 2, '', 2, 1, NULL), "
                    "('2026-11-23', 'triage', 'school', '7', 1, 2, '', NULL, 1, 1), "
                    "('2026-11-23', 'triage', 'all', '', 1, 2, 'P1', 3, NULL, NULL)"
                )
            )
        migrations.upgrade(empty_url, "0022")
        query = text(
            "SELECT week, dim, met, missed, m4 FROM sla_clock_week "
            "WHERE dim LIKE '%/%' ORDER BY dim, week"
        )
        with engine.connect() as conn:
            found = [(str(w), *rest) for w, *rest in conn.execute(query).all()]
        assert found == [
            ("2026-09-28", "school/16w", 3, 2, 2),
            ("2026-10-26", "school/4w", 3, 1, 1),
            ("2026-11-23", "school/4w", None, 1, 1),
        ]
        migrations.downgrade(empty_url, "0021")
        with engine.connect() as conn:
            assert conn.execute(query).all() == []
            assert conn.execute(text("SELECT count(*) FROM sla_clock_week")).scalar() == 4
    finally:
        engine.dispose()


def _weekly_facts() -> list[dict[str, Any]]:
    """Thirty weeks of clock facts, one a week, with every dimension varied."""
    opened = dt.datetime(2026, 9, 3, 9, 0, tzinfo=dt.UTC)
    return [
        {
            "case_id": uuid.UUID(int=n + 1),
            "clock": ("triage", "acknowledge")[n % 2],
            "start_seq": 0,
            "opened_at": opened + dt.timedelta(weeks=n),
            "opened_week": week_of(opened + dt.timedelta(weeks=n)),
            "started_at": opened,
            "minutes": 5 if n % 3 else None,
            "outcome": ("met", "missed")[n % 2] if n % 3 else None,
            "target_minutes": 60,
            "share_bucket": n % 7 if n % 3 else None,
            "priority": ("P1", "P2", "P3")[n % 3],
            "school_id": (7, 8, None)[n % 3],
            "assignee_id": (uuid.UUID(int=99 + n % 2), None)[n % 4 == 0],
            "category_id": (3, 12)[n % 5 == 0],
            "channel": ("web", "sms")[n % 2],
            "region_id": 1,
            "team_id": 2,
        }
        for n in range(30)
    ]


def test_the_wide_rows_split_by_priority_are_filled_as_the_summary_counts_them(
    empty_url: str,
) -> None:
    migrations.upgrade(empty_url, "0022")
    engine = create_engine(empty_url)
    facts = _weekly_facts()
    split = text(
        "SELECT * FROM sla_clock_week WHERE dim LIKE '%/p%' "
        "ORDER BY dim, week, clock, value, priority"
    )
    try:
        with Session(engine) as s, s.begin():
            s.execute(insert(ClockFact), facts)
        migrations.upgrade(empty_url, "0023")
        with engine.connect() as conn:
            migrated = conn.execute(split).all()
        assert {r.dim for r in migrated} >= {"school/p", "caseworker/p/16w", "school/p/4w"}
        migrations.downgrade(empty_url, "0022")
        with engine.connect() as conn:
            assert not conn.execute(split).all()
        # As this code keeps them.
        migrations.upgrade(empty_url)
        with Session(engine) as s, s.begin():
            weekly.rebuild(s)
        with engine.connect() as conn:
            assert conn.execute(split).all() == migrated
    finally:
        engine.dispose()


def test_the_rows_split_by_category_are_filled_as_the_summary_counts_them(
    empty_url: str,
) -> None:
    migrations.upgrade(empty_url, "0024")
    engine = create_engine(empty_url)
    facts = _weekly_facts()
    split = text(
        "SELECT * FROM sla_clock_week WHERE dim LIKE '%/c%' OR dim LIKE '%/h%' "
        "ORDER BY dim, week, clock, value, priority"
    )
    try:
        with Session(engine) as s, s.begin():
            s.execute(insert(ClockFact), facts)
        migrations.upgrade(empty_url, "0025")
        with engine.connect() as conn:
            migrated = conn.execute(split).all()
        assert {r.dim for r in migrated} >= {
            "school/c3",
            "school/c12/16w",
            "caseworker/c12/16w",
            "caseworker/c3/4w",
            "channel/c3",
            "school/hsms",
            "caseworker/hweb/4w",
        }
        assert "channel/c3/4w" not in {r.dim for r in migrated}
        with Session(engine) as s, s.begin():
            weekly.rebuild(s)
        with engine.connect() as conn:
            assert conn.execute(split).all() == migrated
        migrations.downgrade(empty_url, "0024")
        with engine.connect() as conn:
            assert not conn.execute(split).all()
            assert conn.execute(text("SELECT count(*) FROM sla_clock_week")).scalar()
    finally:
        engine.dispose()


def test_the_case_summary_is_filled_from_the_cases_on_upgrade(empty_url: str) -> None:
    migrations.upgrade(empty_url, "0017")
    engine = create_engine(empty_url)
    late_october = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)  # October in UTC
    november = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO region (id, code, name) VALUES (1, 'capital', 'C')"))
            category = conn.scalar(text("SELECT id FROM category WHERE code = 'bullying'"))
            conn.execute(
                insert(Case),
                [
                    _case_row(a, "HB-1", category, late_october, region_id=1, child_age=11),
                    _case_row(b, "HB-2", category, november, region_id=None, child_age=None),
                ],
            )
            conn.execute(
                insert(Report),
                [
                    _report_row(uuid.UUID(int=11), a, category, "web", late_october),
                    _report_row(uuid.UUID(int=12), a, category, "sms", november),
                    # The same moment: the first by id.
                    _report_row(uuid.UUID(int=13), b, category, "app", november),
                    _report_row(uuid.UUID(int=14), b, category, "sms", november),
                ],
            )
        migrations.upgrade(empty_url, "0018")
        with engine.connect() as conn:
            stats = conn.execute(
                text(
                    "SELECT opened_month, channel, age_band, region_id, school_id "
                    "FROM case_stat ORDER BY opened_month"
                )
            ).all()
            columns = "month, channel, age_band, region_id, cases"
            months = conn.execute(
                text(f"SELECT {columns} FROM case_month ORDER BY month")  # noqa: S608
            ).all()
        assert [(str(m), *rest) for m, *rest in stats] == [
            ("2026-10-01", "web", "10-12 years", 1, None),
            ("2026-11-01", "app", "age unknown", None, None),
        ]
        assert [(str(m), *rest) for m, *rest in months] == [
            ("2026-10-01", "web", "10-12 years", 1, 1),
            ("2026-11-01", "app", "age unknown", 0, 1),
        ]
    finally:
        engine.dispose()


def _case_row(
    id_: uuid.UUID, reference: str, category: int, opened: dt.datetime, **values: object
) -> dict[str, object]:
    return {
        "id": id_,
        "reference": reference,
        "status": "new",
        "priority": "P3",
        "category_id": category,
        "language": "en",
        "opened_at": opened,
        "status_changed_at": opened,
        "restricted": False,
        "perpetrator_role": "unknown",
        "ongoing": "unknown",
        "injury": "unknown",
        "risk_score": 10,
        "triage_factors": [],
        "last_event_seq": 1,
        "sla_seq": 1,
        **values,
    }


def _report_row(
    id_: uuid.UUID, case_id: uuid.UUID, category: int, channel: str, at: dt.datetime
) -> dict[str, object]:
    return {
        "id": id_,
        "case_id": case_id,
        "channel": channel,
        "language": "en",
        "category_id": category,
        "narrative_ct": b"sealed",
        "immediate_danger": "no",
        "reporter_role": "self",
        "contact_method": "follow_up_only",
        "received_at": at,
        "perpetrator_role": "unknown",
        "ongoing": "unknown",
        "injury": "unknown",
    }


def test_migration_files_are_date_stamped() -> None:
    versions = Path(migrations.ALEMBIC_DIR, "versions").glob("*.py")
    for path in versions:
        assert path.name[:4].isdigit(), path.name
        assert path.name[4] == "_", path.name


@pytest.mark.parametrize("statement", ["UPDATE case_event SET seq = 99", "DELETE FROM case_event"])
def test_case_history_is_append_only(fresh_url: str, statement: str) -> None:
    engine = create_engine(fresh_url)
    case_id, event_id = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "case" (id, reference, status, priority, category_id, language,'
                " opened_at, status_changed_at) VALUES (:id, 'HX-TEST-001', 'new', 'P3', 1, 'en',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"id": case_id.hex if engine.dialect.name == "sqlite" else case_id},
        )
        conn.execute(
            text(
                "INSERT INTO case_event (id, case_id, seq, kind, actor_kind, occurred_at, data)"
                " VALUES (:id, :case_id, 1, 'opened', 'system', CURRENT_TIMESTAMP, '{}')"
            ),
            {
                "id": event_id.hex if engine.dialect.name == "sqlite" else event_id,
                "case_id": case_id.hex if engine.dialect.name == "sqlite" else case_id,
            },
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT seq FROM case_event")).scalar_one() == 1
    engine.dispose()
