"""The hotline command: version, db upgrade, demo, and serve as the README runs it."""

from __future__ import annotations

import json
import os
import pty
import select
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
from hotline.cli.main import app
from integrations.keys.local import LocalKeyFile

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
    deadline = time.monotonic() + 120  # the first start seeds the demo, history included
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
    assert "reach nobody" not in output  # the demo has a national desk and someone on call


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
        app, ["cases", "erase", ref.lower(), "--reason", "retention period over", "--yes"]
    )
    assert erased.exit_code == 0, erased.output

    verified = runner.invoke(
        app, ["audit", "verify", "--checkpoint", str(tmp_path / "outside.checkpoint")]
    )
    assert verified.exit_code == 0, verified.output
    assert "OK:" in verified.output

    export = tmp_path / "log.jsonl"
    assert runner.invoke(app, ["audit", "export", str(export)]).exit_code == 0
    key = runner.invoke(app, ["audit", "public-key"]).stdout.strip()
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
    # Each check of the database is kept for the console's audit page; an offline one is not.
    runs = conn.execute(
        "SELECT ok, entries, first_bad_position FROM audit_verify_run ORDER BY ran_at"
    ).fetchall()
    assert [(bool(ok), bad) for ok, _, bad in runs] == [(True, None), (False, 2)]
    assert runs[0][1] > 2


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


def _serve(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
        cwd=cwd,
    )


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    return proc.communicate(timeout=30)[0].decode()


def test_serve_on_another_port_serves_signs_and_is_found_there(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    record = Path(env["HOTLINE_DATA_DIR"]) / "serve.json"
    proc = _serve(env, tmp_path, "--port", str(port))
    try:
        _wait_ready(proc, base)
        assert json.loads(record.read_text())["url"] == base
        # No flags: the simulator finds the service and signs for its URL, not :8000.
        chat = subprocess.run(
            [sys.executable, "-m", "hotline", "sms", "simulate", "My teacher hits us"],
            env={**os.environ, **env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert chat.returncode == 0, chat.stderr
        assert "  hotline> " in chat.stdout  # the hotline's answer to a signed text
    finally:
        output = _stop(proc)
    assert f"Report form:         {base}/report" in output
    assert f"Caseworker console:  {base}/console" in output
    assert f"API docs:            {base}/docs" in output
    assert f"Phone page:          {base}/dev/phone" in output
    assert f"Audit log origin:    127.0.0.1:{port}/audit" in output
    assert not record.exists()  # a stopped service is not found by mistake
    # No team at all: said loudly before any report comes in.
    assert "Some reports would reach nobody" in output
    assert "[FIX NOW] No national desk" in output


def _checkpoint_origins(data: Path) -> list[str]:
    notes = sqlite3.connect(data / "hotline.db").execute(
        "SELECT note FROM audit_checkpoint ORDER BY size"
    )
    return [note.split("\n", 1)[0] for (note,) in notes]


def test_the_audit_log_keeps_the_origin_of_its_first_start(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = Path(env["HOTLINE_DATA_DIR"])
    first, second = _free_port(), _free_port()
    origin = f"127.0.0.1:{first}/audit"
    proc = _serve(env, tmp_path, "--port", str(first))
    try:
        _wait_ready(proc, f"http://127.0.0.1:{first}")
    finally:
        started = _stop(proc)
    assert f"Audit log origin:    {origin}" in started
    assert _checkpoint_origins(data) == [origin]  # named at the first start, before any report

    # The public URL changes (another port): it still starts, under the log's first name.
    proc = _serve(env, tmp_path, "--port", str(second))
    try:
        _wait_ready(proc, f"http://127.0.0.1:{second}")
        sent = httpx.post(
            f"http://127.0.0.1:{second}/report",
            data={"category": "bullying", "narrative": "They took my bag.", "danger": "no"},
            timeout=10,
        )
        assert sent.status_code == 200
    finally:
        restarted = _stop(proc)
    assert f"Audit log origin:    {origin}" in restarted

    monkeypatch.setenv("HOTLINE_PORT", str(second))
    assert runner.invoke(app, ["audit", "sequence"]).exit_code == 0
    assert len(_checkpoint_origins(data)) > 1
    assert set(_checkpoint_origins(data)) == {origin}
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "OK:" in verified.output
    key = runner.invoke(app, ["audit", "public-key"])
    assert key.stdout.startswith(f"{origin}+")
    assert f"Audit log origin: {origin}" in key.stderr

    # A log cannot be renamed: an explicit, different origin stops start-up.
    monkeypatch.setenv("HOTLINE_AUDIT_ORIGIN", "hotline.example.org/audit")
    refused = runner.invoke(app, ["serve", "--port", "1"])
    assert refused.exit_code == 2
    assert "cannot be renamed" in refused.output
    assert origin in refused.output


def test_keys_rotate_finishes_an_interrupted_rotation_before_adding_a_version(
    env: dict[str, str],
) -> None:
    data = Path(env["HOTLINE_DATA_DIR"])
    assert runner.invoke(app, ["demo"]).exit_code == 0
    first = runner.invoke(app, ["keys", "rotate"])
    assert "Added master key local-2." in first.output, first.output

    # Interrupted right after making a new version: every data key is still on local-2.
    LocalKeyFile(data / "keys.json", create=False, signer_name="x/audit").add_version()
    resumed = runner.invoke(app, ["keys", "rotate"])

    assert resumed.exit_code == 0, resumed.output
    assert "Added master key" not in resumed.output
    assert "Finished an unfinished rotation to local-3" in resumed.output
    assert "Done: every data key is wrapped by local-3" in resumed.output
    versions = json.loads((data / "keys.json").read_text())["master_keys"]
    assert sorted(versions) == ["local-1", "local-2", "local-3"]
    wrapped_by = sqlite3.connect(data / "hotline.db").execute(
        "SELECT DISTINCT key_id FROM data_key WHERE wrapped IS NOT NULL"
    )
    assert [k for (k,) in wrapped_by] == ["local-3"]

    # The rotation is complete: the next run is a new rotation.
    again = runner.invoke(app, ["keys", "rotate"])
    assert "Added master key local-4." in again.output


def _at_terminal(args: list[str], answer: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run a hotline command in a pseudo-terminal, answer its prompt, return code and output."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, **env},
        cwd=cwd,
    )
    os.close(child)
    output = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"to confirm" in output:
            os.write(main, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(main)
    return proc.wait(timeout=30), output.decode(errors="replace")


def test_cases_erase_asks_to_type_the_reference_again(env: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    db_path = Path(env["HOTLINE_DATA_DIR"]) / "hotline.db"
    ref = sqlite3.connect(db_path).execute('SELECT reference FROM "case" LIMIT 1').fetchone()[0]
    erase = ["cases", "erase", ref, "--reason", "asked by the family"]

    no_terminal = runner.invoke(app, erase)
    assert no_terminal.exit_code == 2
    assert "Not erased" in no_terminal.output
    assert "--yes" in no_terminal.output

    code, output = _at_terminal(erase, "HX-0000-000", env, tmp_path)
    assert code == 1, output
    assert "cannot be undone" in output
    assert "Not erased" in output

    code, output = _at_terminal(erase, ref.lower(), env, tmp_path)
    assert code == 0, output
    assert f"Case {ref} is erased." in output  # nothing was erased before

    scripted = runner.invoke(app, [*erase, "--yes"])
    assert scripted.exit_code == 0
    assert f"Case {ref} was already erased." in scripted.output


def test_users_list_shows_accounts_without_their_secrets(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    assert (
        runner.invoke(
            app, ["users", "create", "new.joiner", "--role", "caseworker", "--generate-password"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["users", "disable", "new.joiner"]).exit_code == 0

    listed = runner.invoke(app, ["users", "list"])

    assert listed.exit_code == 0, listed.output
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.output.splitlines()}
    assert rows["username"] == ["username", "name", "role", "state", "teams", "totp"]
    assert rows["new.joiner"][1:] == ["new.joiner", "caseworker", "disabled", "-", "not set up"]
    amina = rows["cw.amina"]
    assert amina[2:4] == ["caseworker", "active"]
    assert amina[4] != "-"  # in a team
    assert amina[5] == "set up"
    db = sqlite3.connect(Path(env["HOTLINE_DATA_DIR"]) / "hotline.db")
    for (password_hash,) in db.execute("SELECT password_hash FROM staff_user"):
        assert password_hash not in listed.output
    assert "$argon2" not in listed.output


def test_teams_add_and_list_make_the_national_desk(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    before = runner.invoke(app, ["teams", "list"]).output
    assert "National desk" not in before

    national = runner.invoke(app, ["teams", "add", "National desk", "--national"])
    regional = runner.invoke(
        app, ["teams", "add", "North and capital", "--region", "north", "--region", "capital"]
    )
    unknown = runner.invoke(app, ["teams", "add", "Nowhere", "--region", "atlantis"])
    covers_nothing = runner.invoke(app, ["teams", "add", "Empty"])

    assert national.exit_code == 0, national.output
    assert "Added team National desk, covering every region (national)." in national.output
    assert regional.exit_code == 0, regional.output
    assert unknown.exit_code == 2
    assert "Unknown regions: atlantis" in unknown.output
    assert covers_nothing.exit_code == 2
    listed = runner.invoke(app, ["teams", "list"]).output.splitlines()
    assert listed[0] == "name\tcovers\tmembers"
    assert "National desk\tnational (every region)\t0" in listed
    assert "North and capital\tcapital, north\t0" in listed
    assert not any(line.startswith(("Nowhere", "Empty")) for line in listed)
    audited = sqlite3.connect(Path(env["HOTLINE_DATA_DIR"]) / "hotline.db").execute(
        "SELECT count(*) FROM audit_event WHERE action = 'routing.changed' AND object_type = 'team'"
    )
    assert audited.fetchone()[0] == 2
