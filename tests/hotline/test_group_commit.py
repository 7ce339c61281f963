"""Group commit of the intake inbox (issue 16): reports arriving together are kept in one
transaction, each with its own receipt; a refused one does not hold the others back; a group
that fails is written again report by report, nothing lost and nothing twice. On both
databases, on a committed database of the test's own (real concurrency, real commits)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from casework.clock import SystemClock
from casework.intake.models import IntakeItem
from hotline.app import create_app
from hotline.channels import intake as intake_channel
from hotline.cli.demo import seed_places
from hotline.runtime.database import Database, make_engine
from hotline.runtime.group_commit import GroupCommit
from hotline.settings import Settings
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import app_payload

URL = "/api/v1/reports"
KEY = "a-key-made-by-the-test-0000"  # 22 characters at least, as the app's are


@pytest.fixture
def committed(fresh_url: str) -> Database:
    db = Database(make_engine(fresh_url, pool_size=4, max_overflow=4))
    db.run(seed_places, write=True)
    return db


def _app(committed: Database, tmp_path: Path, keys: LocalKeyFile) -> httpx.AsyncClient:
    settings = Settings(_env_file=None, env="development", data_dir=tmp_path)
    app = create_app(settings, database=committed, clock=SystemClock(), keys=keys)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _rows(db: Database) -> int:
    return db.run(
        lambda s: s.scalar(select(func.count()).select_from(IntakeItem)) or 0, write=False
    )


def test_reports_sent_together_each_get_their_own_receipt(
    committed: Database, tmp_path: Path, keys: LocalKeyFile
) -> None:
    async def send() -> list[httpx.Response]:
        async with _app(committed, tmp_path, keys) as client:
            bodies = [
                app_payload(narrative=f"Report number {i} about my school.") for i in range(24)
            ]
            bodies.append(app_payload(category="no-such-category"))
            calls = [
                client.post(URL, json=body, headers={"Idempotency-Key": f"{KEY}-{i}"})
                for i, body in enumerate(bodies)
            ]
            # The same report twice under one key, in the same instant: one report.
            calls.append(client.post(URL, json=bodies[0], headers={"Idempotency-Key": f"{KEY}-0"}))
            return list(await asyncio.gather(*calls))

    answers = asyncio.run(send())
    assert [a.status_code for a in answers[:24]] == [201] * 24
    assert answers[24].status_code == 422
    assert "category" in answers[24].text
    assert answers[25].status_code == 201  # the first receipt, replayed
    assert answers[25].json()["reference"] == answers[0].json()["reference"]
    assert answers[25].json()["follow_up_code"] == answers[0].json()["follow_up_code"]
    references = {a.json()["reference"] for a in answers[:24]}
    assert len(references) == 24
    assert _rows(committed) == 24


def test_several_reports_share_one_transaction(committed: Database) -> None:
    groups: list[int] = []

    def write(session: Session, items: Sequence[int]) -> list[int]:
        groups.append(len(items))
        session.execute(text("SELECT 1"))
        return [i * 2 for i in items]

    async def send() -> list[int | None]:
        group = GroupCommit(committed, write, max_group=64, writers=1)
        return list(await asyncio.gather(*(group.submit(i) for i in range(40))))

    assert asyncio.run(send()) == [i * 2 for i in range(40)]
    assert sum(groups) == 40
    assert len(groups) < 40  # the first alone, the rest waited and went together


def test_a_failed_group_keeps_nothing_and_answers_none(committed: Database) -> None:
    committed.run(lambda s: s.execute(text("CREATE TABLE group_probe (n integer)")), write=True)

    def write(session: Session, items: Sequence[int]) -> list[int]:
        for i in items:
            session.execute(text("INSERT INTO group_probe VALUES (:n)"), {"n": i})
        raise RuntimeError("the database went away")

    async def send() -> list[int | None]:
        group = GroupCommit(committed, write, max_group=64, writers=1)
        return list(await asyncio.gather(*(group.submit(i) for i in range(10))))

    assert asyncio.run(send()) == [None] * 10
    kept = committed.run(lambda s: s.scalar(text("SELECT count(*) FROM group_probe")), write=False)
    assert kept == 0


def test_reports_of_a_failed_group_are_kept_one_by_one(
    committed: Database, tmp_path: Path, keys: LocalKeyFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = []

    def failing(*args: object, **kwargs: object) -> object:
        failures.append(1)
        raise RuntimeError("lost connection")

    monkeypatch.setattr(intake_channel, "take_reports", failing)

    async def send() -> list[httpx.Response]:
        async with _app(committed, tmp_path, keys) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(URL, json=app_payload(), headers={"Idempotency-Key": k})
                        for k in [f"{KEY}-{n}" for n in range(8)]
                    )
                )
            )

    answers = asyncio.run(send())
    assert failures
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["reference"] for a in answers}) == 8
    assert _rows(committed) == 8
