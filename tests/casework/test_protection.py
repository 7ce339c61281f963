"""Field encryption: sealed where stored, unreadable anywhere else, shredded on erasure."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.actors import SYSTEM
from casework.audit.models import AuditEvent
from casework.audit.record import read_details
from casework.cases.models import Case
from casework.clock import FixedClock
from casework.db import Base
from casework.errors import DataErased
from casework.intake.models import IntakeItem, Report
from casework.intake.reading import read_report_content
from casework.lifecycle.erasure import erase_case
from casework.protection import fields
from casework.protection.fields import TamperedField
from casework.protection.keys import Keyring, SealingKey
from hotline.runtime.database import Database
from tests.factories.reports import app_payload
from tests.helpers import case_with_reports, content

CASE_A, CASE_B = uuid.uuid4(), uuid.uuid4()
ROW_1, ROW_2 = uuid.uuid4(), uuid.uuid4()


def _key(case: uuid.UUID, ref: uuid.UUID | None = None, secret: bytes = b"k" * 32) -> SealingKey:
    return SealingKey(key_ref=ref or uuid.uuid4(), case_id=case, secret=secret)


class TestSealing:
    key = _key(CASE_A)

    def test_round_trip_and_the_format_names_its_key(self) -> None:
        sealed = fields.seal_text(
            self.key, table="report", column="narrative", row_id=ROW_1, text="Hi"
        )

        assert sealed[0] == fields.VERSION
        assert fields.key_ref_of(sealed) == self.key.key_ref
        assert b"Hi" not in sealed
        assert (
            fields.open_text(
                self.key, table="report", column="narrative", row_id=ROW_1, ciphertext=sealed
            )
            == "Hi"
        )

    def test_nonces_are_random(self) -> None:
        a = fields.seal_text(self.key, table="t", column="c", row_id=ROW_1, text="same")
        b = fields.seal_text(self.key, table="t", column="c", row_id=ROW_1, text="same")
        assert a != b

    @pytest.mark.parametrize(
        ("where", "key"),
        [
            ({"table": "report", "column": "place", "row_id": ROW_1}, key),  # another column
            ({"table": "report", "column": "narrative", "row_id": ROW_2}, key),  # another row
            ({"table": "message", "column": "narrative", "row_id": ROW_1}, key),  # another table
            (
                {"table": "report", "column": "narrative", "row_id": ROW_1},
                SealingKey(key.key_ref, CASE_B, b"k" * 32),
            ),  # another case
            (
                {"table": "report", "column": "narrative", "row_id": ROW_1},
                _key(CASE_A),
            ),  # another key
        ],
    )
    def test_a_value_moved_anywhere_else_does_not_open(self, where: dict, key: SealingKey) -> None:  # type: ignore[type-arg]
        sealed = fields.seal_text(
            self.key, table="report", column="narrative", row_id=ROW_1, text="secret"
        )

        with pytest.raises(TamperedField):
            fields.open_text(key, ciphertext=sealed, **where)

    def test_a_flipped_bit_does_not_open(self) -> None:
        sealed = bytearray(
            fields.seal_text(self.key, table="t", column="c", row_id=ROW_1, text="x")
        )
        sealed[-1] ^= 1
        with pytest.raises(TamperedField):
            fields.open_text(
                self.key, table="t", column="c", row_id=ROW_1, ciphertext=bytes(sealed)
            )

    def test_keys_never_show_in_reprs(self) -> None:
        assert "kkkk" not in repr(self.key)
        assert "***" in repr(self.key)


def _two_reports(client: TestClient, db: Database) -> tuple[Report, Report]:
    refs = [
        client.post(
            "/api/v1/reports", json=app_payload(narrative=f"Story {i}", place=f"Place {i}")
        ).json()["reference"]
        for i in (1, 2)
    ]
    return case_with_reports(db, refs[0])[1][0], case_with_reports(db, refs[1])[1][0]


def test_nothing_a_child_wrote_is_stored_in_clear(client: TestClient, db: Database) -> None:
    words = {"narrative": "Quokka-secret story", "place": "Quokka-place"}
    phone = "+359888123456"
    key = "0b6b2c1e-52b1-4a0c-9e57-8f0e6c1d2a33"
    body = client.post(
        "/api/v1/reports",
        json=app_payload(**words, contact={"method": "sms", "phone": phone}),
        headers={"Idempotency-Key": key},
    ).json()
    client.post(
        "/api/v1/follow-up", json={"reference": body["reference"], "code": body["follow_up_code"]}
    )

    def dump(s: Session) -> bytes:
        # Every column of every table, as the database hands it to whoever copies it.
        return b"\n".join(
            repr(tuple(row)).encode()
            for table in Base.metadata.sorted_tables
            for row in s.execute(select(table)).all()
        )

    everything = db.run(dump, write=False)
    for secret in (
        "Quokka",
        phone[4:],
        body["follow_up_code"],
        body["follow_up_code"].replace("-", ""),
        key,
    ):
        assert secret.encode() not in everything, secret


def test_ciphertext_swapped_between_rows_does_not_decrypt(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    first, second = _two_reports(client, db)
    db.run(
        lambda s: s.execute(
            update(Report).where(Report.id == first.id).values(narrative_ct=second.narrative_ct)
        ),
        write=True,
    )

    with pytest.raises(TamperedField):
        content(db, keyring, first)
    assert content(db, keyring, second).narrative == "Story 2"


def test_ciphertext_swapped_between_columns_does_not_decrypt(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    first, _ = _two_reports(client, db)
    db.run(
        lambda s: s.execute(
            update(Report)
            .where(Report.id == first.id)
            .values(narrative_ct=first.place_ct, place_ct=first.narrative_ct)
        ),
        write=True,
    )

    with pytest.raises(TamperedField):
        content(db, keyring, first)


def test_blind_index_finds_the_same_phone_without_storing_it(
    client: TestClient, db: Database
) -> None:
    for phone in ("+359 88 812 3456", "+359888123456", "+33612345678"):
        client.post("/api/v1/reports", json=app_payload(contact={"method": "sms", "phone": phone}))

    indexes = db.run(
        lambda s: list(
            s.scalars(select(Report.phone_index).order_by(Report.received_at, Report.id))
        ),
        write=False,
    )

    assert indexes[0] == indexes[1] != indexes[2]
    assert all(i is not None and len(i) == 32 for i in indexes)


def test_erasure_shreds_every_field_of_the_case_and_only_that_case(
    client: TestClient, db: Database, keyring: Keyring, clock: FixedClock
) -> None:
    erased = client.post(
        "/api/v1/reports",
        json=app_payload(contact={"method": "sms", "phone": "+359888123456"}),
        headers={"Idempotency-Key": "5b8f4ae4-5c11-4b1c-8f3a-0d2f6a7b9c10"},
    ).json()
    erased_ref = erased["reference"]
    erased_receipt = {"reference": erased_ref, "code": erased["follow_up_code"]}
    kept_ref = client.post("/api/v1/reports", json=app_payload(narrative="Keep me")).json()[
        "reference"
    ]
    case, reports, _ = case_with_reports(db, erased_ref)

    def erase(s) -> None:  # type: ignore[no-untyped-def]
        erase_case(
            s,
            keyring=Keyring(keyring.provider),
            case=s.get(Case, case.id),
            actor=SYSTEM,
            reason="retention",
            now=clock.now(),
        )

    db.run(erase, write=True)

    with pytest.raises(DataErased):
        content(db, keyring, reports[0])
    case_events = db.run(
        lambda s: list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))),
        write=False,
    )
    assert case_events
    for event in case_events:
        with pytest.raises(DataErased):
            db.run(lambda s, e=event: read_details(s, keyring=keyring, event=e), write=False)  # type: ignore[misc]
    assert db.run(lambda s: s.get_one(Report, reports[0].id).phone_index, write=False) is None
    kept = case_with_reports(db, kept_ref)[1][0]
    assert content(db, keyring, kept).narrative == "Keep me"
    # The right code opens nothing any more: the reference answers like one that never was.
    assert client.post("/api/v1/follow-up", json=erased_receipt).status_code == 403
    assert db.run(lambda s: s.get(IntakeItem, reports[0].id), write=False) is None


def test_report_content_repr_hides_everything(
    client: TestClient, db: Database, keyring: Keyring
) -> None:
    ref = client.post("/api/v1/reports", json=app_payload(narrative="Hidden words")).json()[
        "reference"
    ]
    report = case_with_reports(db, ref)[1][0]
    opened = db.run(
        lambda s: read_report_content(s, keyring=keyring, report_id=report.id), write=False
    )

    assert opened.narrative == "Hidden words"
    assert "Hidden" not in repr(opened)
