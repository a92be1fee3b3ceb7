"""Test kit of the sync tests (not a test module; imported by its own name, and its fixtures by
tests/sync/conftest.py): real server processes on loopback, over SQLite and PostgreSQL.

Reusable pieces (the real store's end-to-end tests can import them from here):
- `db_url` (module scope, parametrised "sqlite" / "postgres"): a fresh central database URL. The
  PostgreSQL one is a new, uniquely named database on `ASB_TEST_DATABASE_URL`, dropped afterwards;
  skipped when PostgreSQL is unreachable, unless `ASB_REQUIRE_POSTGRES=1`.
- `server` (module scope): `asb-sync-server serve` running on a free loopback port on `db_url`.
- `running_server(db_url)`: the same as a context manager, for tests that kill and restart it.
- `make_device(server, tmp_path, team=..., agency=...)`: an officer, a `TestReplica` and an
  enrolled `SyncClient` (`Device`), the way an administrator and a laptop would do it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from sync.client import SyncClient, SyncResult
from sync.server.accounts import add_officer as _add_officer
from sync.server.db import open_database

sys.path.insert(0, str(Path(__file__).parent))
from replica_for_tests import TestReplica

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("ASB_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --- PostgreSQL ------------------------------------------------------------------------------


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def postgres_unavailable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(_psycopg_url(ADMIN_URL), connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at {ADMIN_URL} is unreachable: {str(exc).splitlines()[0]}"


def require_postgres() -> None:
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("ASB_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (and ASB_REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new empty database on the test PostgreSQL server, dropped on exit. Yields its URL."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"asb_sync_{uuid.uuid4().hex[:12]}"
    admin = _psycopg_url(ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(admin)
    params["dbname"] = name
    url = "postgresql+psycopg://" + _conninfo_to_url(make_conninfo("", **params))
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _conninfo_to_url(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(conninfo)
    user = p.get("user", "postgres")
    password = f":{p['password']}" if p.get("password") else ""
    host = p.get("host", "127.0.0.1")
    port = p.get("port", 5432)
    return f"{user}{password}@{host}:{port}/{p['dbname']}"


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "postgres":
        require_postgres()
        with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / f'central-{uuid.uuid4().hex[:8]}.sqlite3'}"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("central")) as url:
        yield url


# --- the server process ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`asb-sync-server ARGS` as a subprocess (python -m, so it works before pip install)."""
    done = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args],
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=60,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"asb-sync-server {' '.join(args)} failed: {done.stderr}")
    return done


class ServerProcess:
    """One `asb-sync-server serve` process on loopback; can be killed and restarted."""

    def __init__(self, db_url: str, log_path: Path, extra_args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.log_path = log_path
        self.extra_args = tuple(extra_args)  # more `serve` options (--keep-alive 2)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        for attempt in range(3):
            log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync.server.cli",
                    "serve",
                    "--db",
                    self.db_url,
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                    *self.extra_args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=server_env(),
            )
            log.close()
            if self._wait_ready(timeout):
                return
            self.kill()
            if attempt < 2:
                self.port = free_port()  # the port was probably taken meanwhile
        raise RuntimeError(f"the sync server did not start:\n{self.log_path.read_text()[-3000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/v1/status", timeout=1).status_code == 200:
                    return True
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, like a power cut of the service host."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_server(db_url: str, log_dir: Path | None = None) -> Iterator[ServerProcess]:
    """`asb-sync-server serve --db DB_URL` on a free loopback port, ready when yielded."""
    log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    server = ServerProcess(db_url, log_dir / f"sync-server-{uuid.uuid4().hex[:8]}.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(db_url, tmp_path_factory.mktemp("server-log")) as process:
        yield process


# --- officers and devices --------------------------------------------------------------------


def add_officer(db_url: str, name: str, *, team: str, agency: str | None = None) -> str:
    """Create an officer directly in the central database; return the enrolment token."""
    database = open_database(db_url)
    try:
        return _add_officer(database, name, team=team, agency=agency).enrolment_token
    finally:
        database.dispose()


def unique_team() -> str:
    return f"team-{uuid.uuid4().hex[:8]}"


@dataclass
class Device:
    replica: TestReplica
    client: SyncClient
    team: str  # the officer's team, as the service has it

    def sync(self) -> SyncResult:
        return self.client.sync()


class Service(Protocol):
    """Where devices enrol and sync: one server, or a cluster of them behind a proxy."""

    @property
    def db_url(self) -> str: ...

    @property
    def url(self) -> str: ...


def make_device(
    server: Service,
    directory: Path,
    *,
    team: str,
    agency: str | None = None,
    name: str | None = None,
    **client_options: Any,
) -> Device:
    name = name or f"officer-{uuid.uuid4().hex[:6]}"
    token = add_officer(server.db_url, name, team=team, agency=agency)
    replica = TestReplica(directory / f"{name}-{uuid.uuid4().hex[:6]}.sqlite3")
    client = SyncClient(replica, server.url, retry_delay=0.2, **client_options)
    client.enrol(token, f"{name}'s laptop")
    return Device(replica=replica, client=client, team=team)


class NewDevice(Protocol):
    """The `new_device` fixture: an enrolled `Device` of the team (and agency) on the module's
    server."""

    def __call__(
        self, *, team: str, agency: str | None = None, name: str | None = None
    ) -> Device: ...


@pytest.fixture
def new_device(server: ServerProcess, tmp_path: Path) -> Iterator[NewDevice]:
    """`new_device(team=..., agency=...)` -> an enrolled `Device` on the module's server."""
    made: list[Device] = []

    def factory(**kwargs: Any) -> Device:
        device = make_device(server, tmp_path, **kwargs)
        made.append(device)
        return device

    yield factory
    for device in made:
        device.client.close()
        device.replica.close()
