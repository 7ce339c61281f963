"""Liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings
from integrations.keys.local import LocalKeyFile
from tests.databases import empty_database


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_when_migrated(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_readyz_is_503_on_an_unmigrated_database(
    backend: str, settings: Settings, tmp_path: Path, keys: LocalKeyFile
) -> None:
    db = Database(make_engine(empty_database(backend, tmp_path), pool_size=1, max_overflow=0))
    try:
        with TestClient(create_app(settings, database=db, keys=keys)) as client:
            response = client.get("/readyz")
    finally:
        db.dispose()

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    engine = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=1, max_overflow=0
    )
    with TestClient(create_app(settings, database=Database(engine))) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_openapi_documents_the_app_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    post = spec["paths"]["/api/v1/reports"]["post"]
    assert {"201", "400", "413", "415", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "/api/v1/follow-up" in spec["paths"]
    assert "/report" not in spec["paths"]  # HTML pages are not part of the API


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/reports", "/report"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_production_answers_carry_hsts(db: Database, tmp_path: Path, keys: LocalKeyFile) -> None:
    production = Settings(
        _env_file=None,
        env="production",
        data_dir=tmp_path,
        database_url="postgresql+psycopg://hotline:Vq8-real-pass@db/hotline",
        public_base_url="https://hotline.example.org",
        key_file=keys.path,
    )
    with TestClient(create_app(production, database=db, keys=keys)) as client:
        response = client.get("/healthz")

    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_development_answers_do_not_pin_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers


def test_readyz_says_loudly_when_a_report_could_reach_nobody(client: TestClient) -> None:
    # The demo places without any team: no desk, no region covered.
    response = client.get("/readyz")

    assert response.status_code == 200  # still taking reports: better than turning them away
    body = response.json()
    assert body["status"] == "degraded"
    codes = [(g["code"], g["region"]) for g in body["coverage"]]
    assert ("no_national_desk", None) in codes
    assert {r for c, r in codes if c == "region_uncovered"} == {"capital", "north", "south"}


def test_start_up_logs_each_gap_loudly(
    settings: Settings,
    db: Database,
    places: None,
    keys: LocalKeyFile,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level("WARNING", logger="hotline.app"),
        TestClient(create_app(settings, database=db, keys=keys)),
    ):
        pass

    gaps = [r for r in caplog.records if r.getMessage() == "coverage gap"]
    assert {r.gap for r in gaps} >= {"no_national_desk", "region_uncovered"}  # type: ignore[attr-defined]
    assert all(r.levelname == "CRITICAL" for r in gaps)
