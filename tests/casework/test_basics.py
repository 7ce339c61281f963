"""Identifiers, clocks, timestamps and reprs that never show a child's words."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.clock import FixedClock
from casework.db import UTCDateTime
from casework.enums import Channel, ContactMethod
from casework.ids import new_id
from casework.intake.models import Report
from casework.intake.schemas import PreparedFollowUp
from hotline.runtime.database import Database
from tests.factories.reports import submission


def test_ids_are_uuid7_and_time_ordered() -> None:
    ids = [new_id() for _ in range(1000)]

    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == 1000
    stamps = [i.int >> 80 for i in ids]
    assert stamps == sorted(stamps)


def test_fixed_clock_refuses_naive_time_and_moves_on_request() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(dt.datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    clock = FixedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    clock.advance(dt.timedelta(minutes=5))
    assert clock.now() == dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC)


def test_utc_datetime_refuses_naive_and_normalises_offsets() -> None:
    column = UTCDateTime()
    dialect = type("D", (), {"name": "postgresql"})()

    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(dt.datetime(2026, 1, 1), dialect)  # noqa: DTZ001
    plus_two = dt.timezone(dt.timedelta(hours=2))
    stored = column.process_bind_param(dt.datetime(2026, 1, 1, 12, tzinfo=plus_two), dialect)
    assert stored == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)


def test_timestamps_come_back_aware_utc_from_both_databases(
    client: TestClient, db: Database
) -> None:
    client.post("/api/v1/reports", json={"category": "other", "narrative": "x"})

    received = db.run(lambda s: s.scalars(select(Report.received_at)).one(), write=False)

    assert received.tzinfo is not None
    assert received.utcoffset() == dt.timedelta(0)


def test_reprs_never_show_what_a_reporter_wrote() -> None:
    sub = submission(
        narrative="secret words", contact_method=ContactMethod.SMS, contact_phone="+359888123456"
    )
    report = Report(
        id=new_id(), channel=Channel.APP, narrative_ct=b"secret words", phone_ct=b"+359888123456"
    )
    prepared = PreparedFollowUp(code="AAAA-BBBB-CCCC", code_hash="$argon2id$...", salt=None)

    for text in (repr(sub), repr(report), repr(prepared)):
        assert "secret words" not in text
        assert "888123456" not in text
        assert "AAAA" not in text
