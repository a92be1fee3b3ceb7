"""The central store keeps its personal data to itself: its default SQLite file is 0600 in a
0700 folder (checked on the real files the CLI creates, WAL and shared memory included), and a
500 provoked in the real service logs no personal data, though the failed statement held it."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_server_testkit import NewDevice, ServerProcess, fresh_database, server_env, unique_team

from sync.client import SyncServerError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _server_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in server_env().items() if k != "ASB_SERVER_DB"}
    env["ASB_SERVER_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_the_default_database_is_private_to_the_service_account(tmp_path: Path) -> None:
    data_dir = tmp_path / "srv" / "asb-sync-server"
    old_umask = os.umask(0o022)  # a usual shell: new files 0644, folders 0755
    try:
        done = _server_cli("officer", "add", "Dee", "--team", "North", data_dir=data_dir)
    finally:
        os.umask(old_umask)
    assert done.returncode == 0, done.stderr
    database = data_dir / "central.sqlite3"
    assert _mode(data_dir) == 0o700
    assert _mode(database) == 0o600
    companions = [p for p in data_dir.iterdir() if p != database]
    assert all(_mode(p) == 0o600 for p in companions), [(p.name, oct(_mode(p))) for p in companions]

    # A file left readable by an older version is tightened at the next start.
    os.chmod(database, 0o644)
    os.chmod(data_dir, 0o755)  # noqa: S103 - the loose mode under test
    assert _server_cli("device", "list", data_dir=data_dir).returncode == 0
    assert (_mode(data_dir), _mode(database)) == (0o700, 0o600)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The failure is provoked with an SQLite trigger.
    with fresh_database("sqlite", tmp_path_factory.mktemp("central")) as url:
        yield url


def test_a_500_logs_no_personal_data(
    db_url: str, new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    victim = f"Zebedee Quartermaine-{uuid.uuid4().hex[:6]}"
    case_id = ann.replica.new_case(team, summary=f"{victim} is followed home")
    ann.replica.insert("person", {"name": victim, "address": "4 Privet Walk"}, case_id=case_id)
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as central:
        central.execute(
            "CREATE TRIGGER sabotage BEFORE INSERT ON row_state "
            "BEGIN SELECT RAISE(ABORT, 'disk controller on fire'); END"
        )
    try:
        with pytest.raises(SyncServerError) as failure:
            ann.sync()
    finally:
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as central:
            central.execute("DROP TRIGGER sabotage")
    assert failure.value.status == 500
    log = Path(server.log_path).read_text()
    # the first push of a sync goes up in the exchange
    assert "unhandled error on POST /v1/exchange" in log and "IntegrityError" in log
    for secret in (victim, "Privet", "followed home"):
        assert secret not in log
    assert "Traceback" not in log
    assert ann.sync().ok  # nothing was lost: the same changes go through once repaired
