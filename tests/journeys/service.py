"""A hotline started the way an operator starts it, through the product's own doors only.

SQLite: README command 1's `hotline serve --demo`, with nothing but `--port`. PostgreSQL:
`hotline db upgrade`, `hotline demo`, `hotline serve` and a `hotline worker` process, as in
production. Each in a process of its own, on loopback, with a data folder of its own; the
demo staff's passwords and authenticator secrets are read from what `hotline demo` prints,
as a newcomer reads them. Nothing here writes a row behind the product's back.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pyotp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.databases import PG_ADMIN_URL

HOTLINE = Path(sys.executable).with_name("hotline")
ON_CALL_PHONE = "+15005550009"  # the simulated on-call phone sv.chen carries in the demo
_LOGIN = re.compile(r"^\s+(\w+)\s+(\S+)\s+password (\S+)\s+TOTP secret ([A-Z2-7]+)\s*$")
T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    """A demo account as `hotline demo` prints it."""

    username: str
    role: str
    password: str
    secret: str


@dataclass
class Totp:
    """Codes from the authenticator app, each used once (the service refuses a replay)."""

    secret: str
    last_step: int = -1

    def code(self) -> str:
        """A fresh code: this 30-second step's, or the next one's (accepted for clock drift)."""
        while True:
            now = int(time.time() // 30)
            step = max(now, self.last_step + 1)
            if step <= now + 1:
                self.last_step = step
                return str(pyotp.TOTP(self.secret).at(step * 30))
            time.sleep(1)


@dataclass
class Service:
    """A running hotline and what its operator knows about it."""

    backend: str
    base: str
    folder: Path
    env: dict[str, str]
    logins: dict[str, Login] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    totp: dict[str, Totp] = field(default_factory=dict)
    _api_tokens: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a `hotline` command as the operator would, in the service's folder."""
        return subprocess.run(
            [str(HOTLINE), *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def code(self, username: str) -> str:
        """The next unused authenticator code of a demo member of staff."""
        if username not in self.totp:
            self.totp[username] = Totp(self.logins[username].secret)
        return self.totp[username].code()

    def api_token(self, username: str) -> str:
        """A staff API session (password, then the authenticator code), made once."""
        if username not in self._api_tokens:
            login = self.logins[username]
            with httpx.Client(base_url=self.base, timeout=30) as http:
                first = http.post(
                    "/api/staff/v1/auth/login",
                    json={"username": username, "password": login.password},
                )
                first.raise_for_status()
                second = http.post(
                    "/api/staff/v1/auth/mfa",
                    json={"token": first.json()["token"], "code": self.code(username)},
                )
                second.raise_for_status()
                self._api_tokens[username] = second.json()["token"]
        return self._api_tokens[username]

    def staff(self, method: str, username: str, path: str, **kwargs: object) -> httpx.Response:
        """A staff API request as this member of staff (a bearer session)."""
        headers = {"Authorization": f"Bearer {self.api_token(username)}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]

    def staff_get(self, username: str, path: str, **params: object) -> httpx.Response:
        """GET on the staff API as this member of staff."""
        return self.staff("GET", username, path, params=params)

    def worker(self) -> subprocess.Popen[bytes] | None:
        """The `hotline worker` process (PostgreSQL only: SQLite's runs inside serve)."""
        found = [p for p in self.processes if p.args[-1] == "worker" and p.poll() is None]  # type: ignore[index]
        return found[0] if found else None

    def kill_worker(self) -> None:
        """SIGKILL the worker process, as a crash or an out-of-memory killer would."""
        process = self.worker()
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def start_worker(self) -> None:
        """Start a `hotline worker` process again."""
        if self.worker() is None:
            _spawn(self, "worker", "worker")

    def logs(self) -> str:
        """The last lines every process printed (shown when something goes wrong)."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def eventually(check: Callable[[], T | None], *, seconds: float = 30, what: str) -> T:
    """Wait for ``check`` to give an answer (the outbox and the worker work in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.25)


def _environment(folder: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({"HOTLINE_DATA_DIR": str(folder / "var"), **settings})
    return env


def _read_logins(output: str) -> dict[str, Login]:
    logins = {}
    for line in output.splitlines():
        found = _LOGIN.match(line)
        if found:
            role, username, password, secret = found.groups()
            logins[username] = Login(username, role, password, secret)
    return logins


def _spawn(service: Service, name: str, *args: str) -> subprocess.Popen[bytes]:
    log = (service.folder / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [str(HOTLINE), *args],
        cwd=service.folder,
        env=service.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    service.processes.append(process)
    return process


def _wait_ready(service: Service) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for process in service.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a hotline process stopped:\n{service.logs()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(service.base + "/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the hotline never became ready:\n{service.logs()}")


def _stop(service: Service) -> None:
    for process in service.processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in service.processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


@contextlib.contextmanager
def running_hotline(backend: str, folder: Path) -> Iterator[Service]:
    """Start the hotline on ``backend`` with the demo data; stop it (and drop its database)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = None
    if backend == "sqlite":
        # README command 1, with only a port of its own: the public URL follows it.
        service = Service(backend, base, folder, _environment(folder))
        demo = _spawn(service, "serve", "serve", "--demo", "--port", str(port))
    else:
        database = f"hotline_journey_{os.getpid()}_{secrets.token_hex(4)}"
        _pg_admin(f'CREATE DATABASE "{database}"')
        url = make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)
        # The worker is a process of its own here, so it is told the public URL like in
        # production (HOTLINE_PUBLIC_BASE_URL); the simulated phone network is the serve's.
        service = Service(
            backend,
            base,
            folder,
            _environment(folder, HOTLINE_DATABASE_URL=url, HOTLINE_PUBLIC_BASE_URL=base),
        )
        for step in (("db", "upgrade"), ("demo",)):
            done = service.cli(*step)
            if done.returncode != 0:
                raise RuntimeError(f"hotline {' '.join(step)} failed:\n{done.stdout}{done.stderr}")
            service.logins.update(_read_logins(done.stdout))
        demo = _spawn(service, "serve", "serve", "--port", str(port))
        _spawn(service, "worker", "worker")
    try:
        _wait_ready(service)
        if backend == "sqlite":
            service.logins = _read_logins((folder / "serve.log").read_text(errors="replace"))
        if not service.logins:
            raise RuntimeError(f"no demo logins were printed:\n{service.logs()}")
        yield service
    finally:
        del demo
        _stop(service)
        if database is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
