"""The canonical leaf bytes: stable, JSON, and equal to the generic encoder's output."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from hypothesis import given
from hypothesis import strategies as st

from casework.audit.leaf import LeafRecord

TEXT = st.text(max_size=30)


@given(
    position=st.integers(min_value=0, max_value=2**62),
    actor_id=st.none() | TEXT,
    action=TEXT,
    object_type=TEXT,
    object_id=TEXT,
    case_id=st.none() | st.uuids(),
    payload=st.binary(max_size=60),
    micros=st.integers(min_value=0, max_value=10**15),
)
def test_hand_written_canonical_json_equals_json_dumps(
    position: int,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    case_id: uuid.UUID | None,
    payload: bytes,
    micros: int,
) -> None:
    record = LeafRecord(
        position=position,
        id=uuid.uuid4(),
        occurred_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros),
        actor_kind="staff",
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        payload_ct=payload,
    )
    generic = json.dumps(record.to_json(), sort_keys=True, separators=(",", ":")).encode()

    assert record.canonical() == generic
    assert LeafRecord.from_json(json.loads(generic)) == record


def test_a_known_leaf_stays_the_same_forever() -> None:
    record = LeafRecord(
        position=7,
        id=uuid.UUID("01a21a42-2b78-70ed-90a3-1182579566d3"),
        occurred_at=dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC),
        actor_kind="reporter",
        actor_id=None,
        action="report.received",
        object_type="report",
        object_id="r-1",
        case_id=None,
        payload_ct=b"\x01\x02",
    )

    assert record.canonical() == (
        b'{"action":"report.received","actor_id":null,"actor_kind":"reporter","case_id":null,'
        b'"id":"01a21a42-2b78-70ed-90a3-1182579566d3","object_id":"r-1","object_type":"report",'
        b'"occurred_at":"2026-11-26T09:30:00.000000Z","payload":"AQI=","position":7,"v":1}'
    )
