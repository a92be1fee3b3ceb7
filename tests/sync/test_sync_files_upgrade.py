"""Migration 0007 on a service that already holds evidence items: each well-formed item gets its
name (the index the file endpoints find a blob's items by), so its file can be uploaded after
the upgrade; a malformed one gets none. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_server_testkit import fresh_database

from sync.server import db as tables
from sync.server import migrate
from sync.server.db import open_database


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_items_held_before_the_upgrade_are_named(kind: str, tmp_path: Path) -> None:
    key = os.urandom(32)
    sha = hashlib.sha256(b"exhibit").hexdigest()
    with fresh_database(kind, tmp_path) as url:
        database = open_database(url)
        try:
            with database.writer.begin() as connection:
                migrate.upgrade_on(connection, "0006")
            rows = [
                (
                    "a" * 8 + "-0000-4000-8000-" + "0" * 12,
                    {"sha256": sha, "content_key": key.hex()},
                ),
                ("b" * 8 + "-0000-4000-8000-" + "0" * 12, {"sha256": "x-y", "content_key": "zz"}),
            ]
            with database.writer.begin() as connection:
                for row_id, fields in rows:
                    connection.execute(
                        sa.text(
                            "INSERT INTO row_state (table_name, row_id, case_id, version, fields,"
                            " field_versions, append_only, deleted, created_seq) VALUES"
                            " ('evidence_item', :row_id, 'c', 1, :fields, '{}', true, false, 1)"
                        ),
                        {"row_id": row_id, "fields": json.dumps(fields)},
                    )
            migrate.upgrade(database.writer)
            with database.read() as connection:
                named = connection.execute(sa.select(tables.evidence_name)).all()
            assert [(n.row_id, n.sha256, n.keyfp) for n in named] == [
                (rows[0][0], sha, hashlib.sha256(key).hexdigest()[:16])
            ]
        finally:
            database.dispose()
