"""Shared plumbing for benchmarks: databases, servers on loopback, the load generator."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "HOTLINE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def bench_database(backend: str, workdir: Path) -> Iterator[str]:
    """A brand-new empty database for one benchmark; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'bench_{secrets.token_hex(4)}.db'}"
        return
    name = f"hotline_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_database(url: str, *, staffed: bool = False, keys_path: Path | None = None) -> None:
    """Migrate a fresh database and add the demo schools (reports name one); ``staffed``:
    the demo's teams, staff and rota too (its key file at ``keys_path``), so reports are
    routed to caseworkers on shift - without them every P2 report wakes the on-call rota."""
    from hotline.cli.demo import seed_places  # noqa: PLC0415
    from hotline.runtime import migrations  # noqa: PLC0415 - only the benchmarks that need it pay
    from hotline.runtime.database import Database, make_engine  # noqa: PLC0415

    migrations.upgrade(url)
    db = Database(make_engine(url, pool_size=1, max_overflow=0))
    db.run(seed_places, write=True)
    if staffed:
        _seed_staff(db, keys_path or Path("keys.json"))
    db.dispose()


def _seed_staff(db: Any, keys_path: Path) -> None:
    from casework.clock import SystemClock  # noqa: PLC0415
    from casework.context import Unit  # noqa: PLC0415
    from casework.protection.keys import Keyring  # noqa: PLC0415
    from casework.staff.passwords import PasswordHashing  # noqa: PLC0415
    from hotline.cli.demo import seed_staff  # noqa: PLC0415
    from integrations.keys.local import LocalKeyFile  # noqa: PLC0415

    keyring = Keyring(LocalKeyFile(keys_path, create=True, signer_name="hotline.local/audit"))
    clock = SystemClock()
    hashing = PasswordHashing(time_cost=1, memory_kib=8192, parallelism=1)  # logins unused
    db.run(lambda s: seed_staff(Unit(s, keyring, clock, clock.now()), hashing=hashing), write=True)


@contextmanager
def background_process(args: list[str], env: dict[str, str]) -> Iterator[None]:
    """Run a process (such as ``hotline worker``) until the block ends."""
    proc = subprocess.Popen(
        args, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        time.sleep(1)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "process died")
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def server(args: list[str], env: dict[str, str], ready_path: str, port: int) -> Iterator[None]:
    """Run a server process on loopback until the block ends."""
    proc = subprocess.Popen(
        args,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.request(
                    "GET" if ready_path != "/baseline" else "OPTIONS",
                    f"http://127.0.0.1:{port}{ready_path}",
                    timeout=1,
                )
                if response.status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def loadgen_args(
    port: int,
    path: str,
    body_file: Path | None = None,
    *,
    seconds: float,
    concurrency: int,
    key: bool = False,
    twilio: tuple[str, str] | None = None,
    rate: float | None = None,
) -> list[str]:
    """The command line of a load generator; ``twilio`` is (auth token, public base URL)."""
    args = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--path", path]
    args += ["--seconds", str(seconds), "--concurrency", str(concurrency)]
    if body_file is not None:
        args += ["--body-file", str(body_file)]
    if key:
        args.append("--idempotency-key")
    if twilio is not None:
        args += ["--twilio-token", twilio[0], "--public-url", twilio[1]]
    if rate is not None:
        args += ["--rate", str(rate)]
    return args


def load(
    port: int,
    path: str,
    body_file: Path | None = None,
    *,
    seconds: float,
    concurrency: int,
    key: bool = False,
    twilio: tuple[str, str] | None = None,
    rate: float | None = None,
) -> dict[str, Any]:
    """Drive the server from a separate process; returns the load generator's figures."""
    args = loadgen_args(
        port,
        path,
        body_file,
        seconds=seconds,
        concurrency=concurrency,
        key=key,
        twilio=twilio,
        rate=rate,
    )
    out = subprocess.run(args, cwd=ROOT, capture_output=True, check=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result
