"""The hotline command: version, db upgrade, demo, and serve as the README runs it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hotline import __version__
from hotline.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in list(os.environ):
        if name.startswith("HOTLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    values = {"HOTLINE_DATA_DIR": str(tmp_path / "data")}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def test_version(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["version"])

    assert result.exit_code == 0
    assert result.output.strip() == __version__


def test_db_upgrade_then_demo_once(env: dict[str, str]) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    first = runner.invoke(app, ["demo"])
    second = runner.invoke(app, ["demo"])

    assert upgraded.exit_code == 0, upgraded.output
    assert first.exit_code == 0, first.output
    assert first.output.count("follow-up code") == 4
    assert second.exit_code == 0
    assert "already there" in second.output
    assert (Path(env["HOTLINE_DATA_DIR"]) / "hotline.db").exists()


def test_bad_configuration_is_a_clear_message_not_a_traceback(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_ENV", "production")

    result = runner.invoke(app, ["db", "upgrade"])

    assert result.exit_code == 2
    assert "HOTLINE_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


def test_demo_is_refused_in_production(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_ENV", "production")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://h:Vq8-real@127.0.0.1:1/h")
    monkeypatch.setenv("HOTLINE_PUBLIC_BASE_URL", "https://hotline.example.org")
    monkeypatch.setenv("HOTLINE_KEY_FILE", "/nonexistent/keys.json")

    result = runner.invoke(app, ["demo"])

    assert result.exit_code == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not become ready"
        time.sleep(0.2)


def test_serve_with_demo_starts_on_sqlite_and_takes_a_report(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(proc, base)
        form = httpx.get(f"{base}/report", timeout=5)
        assert "Tell us what happened" in form.text
        sent = httpx.post(
            f"{base}/report",
            data={"category": "bullying", "narrative": "They hide my bag.", "danger": "no"},
            timeout=10,
        )
        assert sent.status_code == 200
        assert 'id="follow-up-code"' in sent.text
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0].decode()
    assert f"http://127.0.0.1:{port}/report" in output
    assert "They hide my bag" not in output  # nothing a reporter writes reaches the logs


def test_maintenance_purge(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    result = runner.invoke(app, ["maintenance", "purge"])

    assert result.exit_code == 0, result.output
    assert "Removed 0" in result.output


def test_audit_erase_rotate_and_verify_from_the_command_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    reference = runner.invoke(app, ["demo"]).output  # demo twice: nothing more
    assert "already there" in reference

    sequenced = runner.invoke(app, ["audit", "sequence"])
    assert sequenced.exit_code == 0, sequenced.output
    events = (
        sqlite3.connect(Path(env["HOTLINE_DATA_DIR"]) / "hotline.db")
        .execute("SELECT count(*) FROM audit_event")
        .fetchone()[0]
    )
    assert f"Sequenced {events} events" in sequenced.output
    checkpoint = runner.invoke(app, ["audit", "checkpoint"])
    assert checkpoint.output.splitlines()[1] == str(events)
    (tmp_path / "outside.checkpoint").write_text(checkpoint.output)

    rotated = runner.invoke(app, ["keys", "rotate", "--batch", "2"])
    assert rotated.exit_code == 0, rotated.output
    assert "Done: every data key is wrapped by local-2" in rotated.output
    again = runner.invoke(app, ["keys", "rotate", "--rewrap-only"])
    assert "(0 re-wrapped)" in again.output

    db_path = Path(env["HOTLINE_DATA_DIR"]) / "hotline.db"
    ref = sqlite3.connect(db_path).execute('SELECT reference FROM "case" LIMIT 1').fetchone()[0]
    erased = runner.invoke(
        app, ["cases", "erase", ref.lower(), "--reason", "retention period over"]
    )
    assert erased.exit_code == 0, erased.output

    verified = runner.invoke(
        app, ["audit", "verify", "--checkpoint", str(tmp_path / "outside.checkpoint")]
    )
    assert verified.exit_code == 0, verified.output
    assert "OK:" in verified.output

    export = tmp_path / "log.jsonl"
    assert runner.invoke(app, ["audit", "export", str(export)]).exit_code == 0
    key = runner.invoke(app, ["audit", "public-key"]).output.strip()
    offline = runner.invoke(app, ["audit", "verify", "--log", str(export), "--key", key])
    assert offline.exit_code == 0, offline.output

    proof = runner.invoke(app, ["audit", "prove", "1"])
    assert '"verified": true' in proof.output
    consistency = runner.invoke(app, ["audit", "consistency", "2", "4"])
    assert '"verified": true' in consistency.output

    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("UPDATE audit_event SET object_type = 'tampered' WHERE position = 2")
    conn.commit()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "First bad position: 2" in broken.output


def test_the_embedded_database_and_keys_are_private(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    data = Path(env["HOTLINE_DATA_DIR"])

    for name in ("hotline.db", "keys.json"):
        assert (data / name).stat().st_mode & 0o077 == 0, name


def test_keys_init_makes_a_private_key_file_and_never_overwrites_one(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secrets" / "keys.json"
    created = runner.invoke(app, ["keys", "init", str(path)])
    assert created.exit_code == 0, created.output
    assert path.stat().st_mode & 0o077 == 0
    before = path.read_bytes()

    again = runner.invoke(app, ["keys", "init", str(path)])
    assert again.exit_code == 2
    assert "Refusing to overwrite" in again.output
    assert path.read_bytes() == before

    # Production uses the file as given (it never generates one) and the keys serve a database.
    monkeypatch.setenv("HOTLINE_ENV", "production")
    monkeypatch.setenv("HOTLINE_KEY_FILE", str(path))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("HOTLINE_PUBLIC_BASE_URL", "https://hotline.example.org")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    sequenced = runner.invoke(app, ["audit", "sequence"])
    assert sequenced.exit_code == 0, sequenced.output


def test_users_create_disable_and_reset_mfa(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    weak = runner.invoke(
        app,
        ["users", "create", "zoe", "--role", "caseworker"],
        input="password1234\npassword1234\n",
    )
    assert weak.exit_code == 2
    assert "most common" in weak.output

    made = runner.invoke(
        app, ["users", "create", "zoe", "--role", "supervisor", "--generate-password"]
    )
    assert made.exit_code == 0, made.output
    assert "Created zoe (supervisor)." in made.output
    assert "Password: " in made.output
    again = runner.invoke(
        app, ["users", "create", "ZOE", "--role", "auditor", "--generate-password"]
    )
    assert again.exit_code == 2
    assert "taken" in again.output

    assert runner.invoke(app, ["users", "reset-mfa", "zoe"]).exit_code == 0
    disabled = runner.invoke(app, ["users", "disable", "zoe"])
    assert disabled.exit_code == 0
    assert "Disabled zoe" in disabled.output
    missing = runner.invoke(app, ["users", "disable", "nobody"])
    assert missing.exit_code == 1


def test_demo_prints_a_sign_in_for_each_role(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["demo"])

    assert result.exit_code == 0, result.output
    for role in ("caseworker", "supervisor", "administrator", "auditor", "partner"):
        assert f"  {role}" in result.output
    assert "TOTP secret" in result.output
    assert "Partner API key" in result.output


def test_partners_add_list_and_deactivate(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo"]).exit_code == 0  # regions and categories
    added = runner.invoke(
        app,
        [
            "partners", "add", "Child Line North", "--type", "ngo", "--delivery", "webhook",
            "--webhook-url", "https://partner.example.org/hooks", "--region", "north",
            "--category", "bullying", "--language", "en",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Webhook secret (shown once): whsec_" in added.output
    unknown = runner.invoke(
        app, ["partners", "add", "Nobody", "--type", "ngo", "--region", "atlantis"]
    )
    assert unknown.exit_code == 2
    assert "Unknown regions: atlantis" in unknown.output

    listed = runner.invoke(app, ["partners", "list"])
    assert "Child Line North\tngo\twebhook\tnorth\tactive" in listed.output
    assert runner.invoke(app, ["partners", "deactivate", "Child Line North"]).exit_code == 0
    assert (
        "Child Line North\tngo\twebhook\tnorth\tinactive"
        in runner.invoke(app, ["partners", "list"]).output
    )
    assert runner.invoke(app, ["partners", "deactivate", "Nobody"]).exit_code == 2
