"""Keys that do not belong to the database are caught before they do harm."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from casework.protection.keys import Keyring
from hotline.app import create_app
from hotline.bootstrap import build_key_file, check_keys
from hotline.cli.main import app as cli
from hotline.runtime.database import Database, make_engine
from hotline.settings import Settings, SettingsError
from integrations.keys.local import LocalKeyFile
from tests.factories.reports import app_payload


@pytest.fixture
def committed(fresh_url: str) -> Database:
    return Database(make_engine(fresh_url, pool_size=2, max_overflow=0))


def test_the_right_keys_pass(committed: Database, keys: LocalKeyFile) -> None:
    assert check_keys(committed, keys, Keyring(keys)) is None


def test_a_key_file_from_elsewhere_is_refused_and_readyz_says_so(
    committed: Database, settings: Settings, tmp_path: Path
) -> None:
    stranger = LocalKeyFile(tmp_path / "other.json", create=True, signer_name="hotline.test/audit")

    assert "master key" in (check_keys(committed, stranger, Keyring(stranger)) or "")
    with TestClient(create_app(settings, database=committed, keys=stranger)) as client:
        ready = client.get("/readyz")
        report = client.post(
            "/api/v1/reports",
            json=app_payload(school=None, contact={"method": "sms", "phone": "+359888123456"}),
        )
        plain = client.post("/api/v1/reports", json=app_payload(school=None))
        form = client.post("/report", data={"category": "other", "narrative": "x"})
    assert ready.status_code == 503
    assert ready.json()["keys"] == "mismatch"
    assert report.status_code == plain.status_code == form.status_code == 503
    assert form.headers["content-type"].startswith("text/html")


def test_a_missing_key_file_is_not_recreated_for_a_database_with_data(
    committed: Database, settings: Settings
) -> None:
    assert not settings.key_path.exists()

    with pytest.raises(SettingsError, match="missing but the database holds data"):
        build_key_file(settings, engine=committed.engine)
    assert not settings.key_path.exists()


def test_serve_refuses_to_start_with_keys_that_do_not_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    (tmp_path / "data" / "keys.json").rename(tmp_path / "elsewhere.json")
    LocalKeyFile(tmp_path / "stranger.json", create=True, signer_name="x/audit")
    monkeypatch.setenv("HOTLINE_KEY_FILE", str(tmp_path / "stranger.json"))

    result = runner.invoke(cli, ["serve", "--port", "1"])

    assert result.exit_code == 2
    assert "Refusing to start" in result.output

    monkeypatch.delenv("HOTLINE_KEY_FILE")
    missing = runner.invoke(cli, ["serve", "--port", "1"])
    assert missing.exit_code == 2
    assert "missing but the database holds data" in missing.output
