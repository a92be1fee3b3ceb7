"""Every migration since a release upgrades a store that holds rows in every case table, with
the rows referencing each other as real data does (a stage its remedy, a party its person): a
migration that copies and drops a referenced table fails here, where a store with one case and
one incident would not notice. Generated from `models.CASE_TABLES` and the schema as it was at
each release's revision."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from tamper_kit import tampering_with

from asb_tui.store.core import keyslots
from asb_tui.store.core.database import make_engines
from asb_tui.store.core.migrate import alembic_config, current_revision, head_revision
from asb_tui.store.core.models import CASE_TABLES
from asb_tui.store.core.store import StorePaths, open_store
from asb_tui.store.queries.case_records import load_case_records

PASSPHRASE = "correct horse battery staple"
#: The revisions earlier releases left stores at (the last of each release, and the first).
RELEASED = ("0001", "0007")


def _sample(declared: str) -> Any:
    kind = declared.upper()
    if "INT" in kind or "BOOL" in kind:
        return 0
    if "DATETIME" in kind:
        return "2025-06-01 09:30:00.000000"
    if "DATE" in kind:
        return "2025-06-01"
    if "JSON" in kind:
        return "{}"
    if "FLOAT" in kind or "REAL" in kind:
        return 0.5
    return "x"


def _fill(conn: Any, case_id: str) -> dict[str, int]:
    """One row in each case table as the schema at this revision has it; returns the counts."""
    made: dict[str, str] = {}
    counts: dict[str, int] = {}
    for model in CASE_TABLES:
        table = str(model.__tablename__)
        columns = conn.execute(text(f"PRAGMA table_info({table})")).fetchall()
        if not columns:
            continue  # a table this revision does not have yet
        keys = {row[3]: row[2] for row in conn.execute(text(f"PRAGMA foreign_key_list({table})"))}
        row_id = case_id if table == "asb_case" else str(uuid.uuid4())
        values: dict[str, Any] = {}
        for _cid, name, declared, notnull, default, _pk in columns:
            if name == "id":
                values[name] = row_id
            elif name in keys:
                values[name] = made.get(keys[name])
            elif name == "ref":
                values[name] = "ASB-2025-00001"
            elif notnull or default is None:
                values[name] = _sample(declared)
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)
        made[table] = row_id
        counts[table] = 1
    return counts


@pytest.mark.parametrize("revision", RELEASED)
def test_a_full_store_of_an_earlier_release_upgrades(tmp_path: Path, revision: str) -> None:
    data_dir = tmp_path / "data"
    paths = StorePaths(data_dir)
    data_dir.mkdir(parents=True)
    key = secrets.token_bytes(32)
    read, write = make_engines(paths.database, key)
    case_id = str(uuid.uuid4())
    try:
        with tampering_with(write) as conn:
            command.upgrade(alembic_config(conn), revision)
            counts = _fill(conn, case_id)
            conn.execute(
                text("INSERT INTO setting (key, value) VALUES ('device_id', :v)"),
                {"v": str(uuid.uuid4())},
            )
            conn.commit()
    finally:
        read.dispose()
        write.dispose()
    keyslots.write_atomically(
        paths.key_file,
        keyslots.KeyFile.create(key, PASSPHRASE, keyslots.new_recovery_key()).to_bytes(),
    )
    assert len(counts) >= 20, "the fill reached the case tables"
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store, store.read() as session:
        assert current_revision(session.connection()) == head_revision()
        records = load_case_records(session, case_id)
        assert records is not None
        kept = {table: len(records.rows(table)) for table in counts if table != "asb_case"}
        assert kept == {table: 1 for table in counts if table != "asb_case"}
        problems = session.connection().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        assert problems == []


def test_the_fields_a_version_1_export_may_lack_are_those_added_since_its_release(
    tmp_path: Path,
) -> None:
    """A version 1 export (made at revision 0007) lacks exactly the fields added since: the
    import's list (json_export.ADDED_SINCE_VERSION_1) is checked against the schema itself."""
    from asb_tui.export.json_export import ADDED_SINCE_VERSION_1

    read, write = make_engines(tmp_path / "asb.db", secrets.token_bytes(32))
    try:
        with tampering_with(write) as conn:
            command.upgrade(alembic_config(conn), "0007")
            added: dict[str, frozenset[str]] = {}
            for model in CASE_TABLES:
                table = str(model.__tablename__)
                then = {row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))}
                now = {column.name for column in model.__table__.columns}  # type: ignore[attr-defined]
                if then and now - then:
                    added[table] = frozenset(now - then)
    finally:
        read.dispose()
        write.dispose()
    assert added == ADDED_SINCE_VERSION_1
