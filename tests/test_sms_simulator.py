"""The simulated phone: a newcomer texts the running embedded service with no Twilio account."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.settings import DEV_ONCALL_PHONE, Settings
from tests.factories.sms import ACCOUNT, OUR_NUMBER, TOKEN
from tests.test_cli import _free_port, _wait_ready


@pytest.fixture
def running(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """`hotline serve --demo` on SQLite, as the README's first command runs it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")} | {
        "HOTLINE_DATA_DIR": str(tmp_path / "data"),
        "HOTLINE_PORT": str(port),
        "HOTLINE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "serve", "--demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    try:
        _wait_ready(proc, env["HOTLINE_PUBLIC_BASE_URL"])
        yield env["HOTLINE_PUBLIC_BASE_URL"], env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _simulate(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "hotline", "sms", "simulate", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_whole_conversation_and_a_danger_alert_through_the_simulated_phone(
    running: tuple[str, dict[str, str]],
) -> None:
    base, env = running
    replies = [
        _simulate(env, text)
        for text in ("My teacher hits us", "Central Primary School", "no", "yes")
    ]

    # The first text told what happened: the hotline asks where, not "what happened?".
    assert "Where did it happen?" in replies[0]
    assert "in danger right now?" in replies[1]
    assert "May we text you back" in replies[2]
    assert re.search(r"Your reference is HX-[0-9A-Z]{4}-[0-9A-Z]{3}", replies[3])

    danger = _simulate(env, "--from", "+447400123457", "he has a knife")
    assert "112" in danger  # emergency guidance at once
    deadline = time.monotonic() + 15
    urgent: list[dict[str, str]] = []
    while not urgent and time.monotonic() < deadline:  # the worker texts the on-call phone
        alerts = httpx.get(f"{base}/dev/phone/{DEV_ONCALL_PHONE}", timeout=5).json()["messages"]
        # (An SMS case has no region yet: an earlier P2 case may have woken on-call too.)
        urgent = [a for a in alerts if "P1" in a["body"]]
        time.sleep(0.3)
    assert urgent
    assert "knife" not in urgent[0]["body"]  # the alert names the case, never the child's words


def test_the_simulated_network_exists_only_in_development_without_a_twilio_account(
    tmp_path: Path,
) -> None:
    def has_simulator(settings: Settings) -> bool:
        with TestClient(create_app(settings)) as client:
            return client.get(f"/dev/phone/{DEV_ONCALL_PHONE}").status_code == 200

    development = Settings(_env_file=None, env="development", data_dir=tmp_path)
    assert has_simulator(development)

    with_account = Settings(
        _env_file=None,
        env="development",
        data_dir=tmp_path,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from=OUR_NUMBER,
    )
    assert not has_simulator(with_account)
    assert with_account.twilio is not None
    assert not with_account.twilio.simulated


def test_the_simulated_network_answers_only_this_machine(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, env="development", data_dir=tmp_path))
    inbox = f"/dev/phone/{DEV_ONCALL_PHONE}"

    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        assert local.get(inbox).status_code == 200
    with TestClient(app, client=("203.0.113.9", 50000)) as remote:
        assert remote.get(inbox).status_code == 404


def test_the_phone_page_texts_the_hotline_and_shows_its_answers(
    running: tuple[str, dict[str, str]],
) -> None:
    base, _env = running
    with httpx.Client(base_url=base, timeout=10) as browser:
        page = browser.get("/dev/phone")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert page.status_code == 200
        assert token is not None
        forged = browser.post(
            "/dev/phone", data={"phone": "+447400123458", "body": "hi", "form_token": "x" * 43}
        )
        answer = browser.post(
            "/dev/phone",
            data={"phone": "+447400123458", "body": "My coach hits me", "form_token": token[1]},
        )

    assert forged.status_code == 403
    assert answer.status_code == 200
    assert "My coach hits me" in answer.text
    assert "Where did it happen?" in answer.text  # the hotline's first answer, shown as it came


def _simulate_against(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")} | {
        "HOTLINE_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "hotline", "sms", "simulate", *args, "hello"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_with_the_service_down_the_simulator_says_so_in_one_line(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{_free_port()}"

    flagged = _simulate_against(tmp_path, "--url", down)
    # Without --url it finds the service `hotline serve` wrote down (here: stopped since).
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "serve.json").write_text(
        json.dumps({"url": down, "local": down, "pid": 1})
    )
    recorded = _simulate_against(tmp_path)

    for done in (flagged, recorded):
        assert done.returncode == 1
        assert done.stderr == f"No hotline answers at {down}: start it with `hotline serve`.\n"
        assert done.stdout == ""


class _Answers404(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        del format, args


def test_an_http_error_is_one_line_too(tmp_path: Path) -> None:
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Answers404)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{other.server_address[1]}"
    try:
        done = _simulate_against(tmp_path, "--url", url)
    finally:
        other.shutdown()

    assert done.returncode == 1
    assert done.stderr == f"The hotline at {url} answered 404.\n"
    assert "Traceback" not in done.stdout + done.stderr
