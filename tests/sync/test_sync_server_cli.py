"""`asb-sync-server` administration: clear one-line errors, the data dir default, migrations that
match the tables the code uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sync_server_testkit import fresh_database, run_cli, server_env

from sync.server import migrate
from sync.server.db import metadata, open_database


def _one_line_error(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr


def test_serve_refuses_plain_http_off_loopback(tmp_path: Path) -> None:
    done = run_cli(
        "serve",
        "--host",
        "0.0.0.0",  # noqa: S104 - refused, never bound
        "--db",
        f"sqlite:///{tmp_path}/x",
        check=False,
    )
    assert done.returncode != 0
    _one_line_error(done.stderr)
    assert "--insecure-http" in done.stderr and "--ssl-certfile" in done.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    done = run_cli("migrate", "--db", "postgresql://nobody@127.0.0.1:1/none", check=False)
    assert done.returncode != 0
    _one_line_error(done.stderr)
    done = run_cli("device", "revoke", "nope", "--db", f"sqlite:///{tmp_path}/y", check=False)
    assert done.returncode != 0
    _one_line_error(done.stderr)


def test_officer_add_uses_the_data_dir_by_default(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**server_env(), "ASB_SERVER_DATA_DIR": str(tmp_path / "data")}
    env.pop("ASB_SERVER_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "officer", "add", "Dee", "--team", "south"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert len(token) >= 20
    assert (tmp_path / "data" / "central.sqlite3").exists()
    env["ASB_SERVER_DB"] = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "device", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0 and "no devices" in done.stdout
    assert (tmp_path / "other.sqlite3").exists()
    assert os.environ.get("ASB_SERVER_DATA_DIR") != str(tmp_path / "data")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrations_match_the_tables(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        database = open_database(url)
        try:
            migrate.upgrade(database.writer)
            migrate.upgrade(database.writer)  # twice is a no-op
            assert migrate.current_revision(database.writer) == migrate.head_revision()
            with database.writer.connect() as connection:
                diff = compare_metadata(MigrationContext.configure(connection), metadata)
            assert diff == []
        finally:
            database.dispose()
