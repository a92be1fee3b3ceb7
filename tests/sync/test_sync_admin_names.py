"""Names typed on `asb-sync-server` (officers, teams, agencies, who acted) take the limits of the
sync schema: an over-long or unstorable one is refused in one line, and nothing is written, on
SQLite (which would store any length) as on PostgreSQL (which would fail mid-write)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import fresh_database, run_cli

from sync.schema import SHORT
from sync.server import db as tables
from sync.server.db import open_database

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TOO_LONG = "N" * (SHORT + 1)
LONE_SURROGATE = "Police \udcff"  # what an argument holding the byte 0xFF arrives as


def _refused(done: subprocess.CompletedProcess[str], mentions: str) -> None:
    stderr = done.stderr
    assert done.returncode != 0, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert mentions in lines[0], lines[0]
    assert TOO_LONG[:40] not in stderr  # the value itself is never echoed


def _count(url: str, table: sa.Table) -> int:
    database = open_database(url)
    try:
        with database.read() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
    finally:
        database.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_officer_names_over_the_schema_limit_are_refused_and_nothing_is_written(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as url:
        attempts = [
            (("officer", "add", TOO_LONG, "--team", "North"), "the officer's name"),
            (("officer", "add", "Ann", "--team", TOO_LONG), "the team"),
            (("officer", "add", "Ann", "--team", "North", "--agency", TOO_LONG), "the agency"),
            (("officer", "add", "Ann", "--team", "North", "--agency", LONE_SURROGATE), "Unicode"),
            (("officer", "add", "   ", "--team", "North"), "may not be empty"),
        ]
        for args, mentions in attempts:
            done = run_cli(*args, "--db", url, check=False)
            _refused(done, mentions)
            assert f"{SHORT + 1}" in done.stderr or mentions in ("Unicode", "may not be empty")
        assert _count(url, tables.officer) == 0
        assert _count(url, tables.enrolment_token) == 0

        longest = "L" * SHORT  # the limit itself fits
        done = run_cli(
            "officer", "add", longest, "--team", longest, "--agency", longest, "--db", url
        )
        assert done.returncode == 0
        database = open_database(url)
        try:
            with database.read() as connection:
                stored = connection.execute(sa.select(tables.officer)).one()
        finally:
            database.dispose()
        assert (stored.name, stored.team, stored.agency) == (longest, longest, longest)


@pytest.mark.parametrize("kind", KINDS)
def test_who_acted_over_the_limit_is_refused_before_a_transfer_a_clear_or_a_removal(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as url:
        case = "11111111-2222-3333-4444-555555555555"
        device = "66666666-7777-8888-9999-000000000000"
        attempts = [
            (
                ("case", "transfer", case, TOO_LONG, "--by", "Admin", "--requested-by", "Ann",
                 "--reason", "re-organisation"),
                "the team the case moves to",
            ),
            (
                ("case", "transfer", case, "South", "--by", TOO_LONG, "--requested-by", "Ann",
                 "--reason", "re-organisation"),
                "--by",
            ),
            (
                ("case", "transfer", case, "South", "--by", "Admin", "--requested-by",
                 LONE_SURROGATE, "--reason", "re-organisation"),
                "--requested-by",
            ),
            (("audit", "clear", device, "--by", TOO_LONG, "--reason", "checked"), "--by"),
            (("stream", "remove", "note", case, "--by", TOO_LONG, "--reason", "poison"), "--by"),
        ]  # fmt: skip
        for args, mentions in attempts:
            _refused(run_cli(*args, "--db", url, check=False), mentions)
        assert _count(url, tables.admin_action) == 0
        assert _count(url, tables.stream) == 0
