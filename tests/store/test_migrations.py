"""Schema migrations: a store written at an older revision is upgraded when it is opened; a store
from a newer release is refused with a clear message."""

from __future__ import annotations

import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlmodel import Session, SQLModel
from tamper_kit import tampering, tampering_with, write_engine

from asb_tui.store.core import keyslots, settings
from asb_tui.store.core.database import make_engines
from asb_tui.store.core.errors import StoreError
from asb_tui.store.core.migrate import alembic_config, current_revision, file_head, head_revision
from asb_tui.store.core.models import Case, Incident
from asb_tui.store.core.store import StorePaths, open_store

PASSPHRASE = "correct horse battery staple"


def _store_at_revision(
    data_dir: Path, revision: str, more: Callable[[Connection, str], None] | None = None
) -> tuple[str, str]:
    """A store as an older release left it: schema up to `revision`, device id, key file, and
    one case with one incident written at that revision (and what `more` writes, given the
    connection and the case id). Returns (case id, incident id)."""
    paths = StorePaths(data_dir)
    data_dir.mkdir(parents=True)
    key = secrets.token_bytes(32)
    read, write = make_engines(paths.database, key)
    case_id, incident_id = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        with tampering_with(write) as conn:
            command.upgrade(alembic_config(conn), revision)
        with tampering(write) as session:
            settings.put(session, settings.DEVICE_ID, str(uuid.uuid4()))
            session.add(
                Case(
                    id=case_id,
                    ref="ASB-2025-00001",
                    category="nuisance",
                    status="accepted",
                    summary="Fly-tipping behind the garages",
                    referred_on=date(2025, 6, 1),
                )
            )
            # The incident row as the first revision's columns hold it (the model has grown).
            session.flush()
            session.connection().execute(
                text(
                    "INSERT INTO incident (id, case_id, occurred_on, occurred_time, location, "
                    "description, who_involved, impact, reported_to_police, police_ref, source, "
                    "recorded_by, created_at) VALUES (:id, :case_id, '2025-06-02', '', '', "
                    "'Mattress dumped by the bins', '', '', 0, '', 'diary', '', "
                    "'2025-06-02 10:00:00.000000')"
                ),
                {"id": incident_id, "case_id": case_id},
            )
        if more is not None:
            with tampering_with(write) as conn:
                more(conn, case_id)
        with read.connect() as conn:
            assert current_revision(conn) == (head_revision() if revision == "head" else revision)
    finally:
        read.dispose()
        write.dispose()
    keyslots.write_atomically(
        paths.key_file,
        keyslots.KeyFile.create(key, PASSPHRASE, keyslots.new_recovery_key()).to_bytes(),
    )
    return case_id, incident_id


def _has_table(session: Session, name: str) -> bool:
    found = (
        session.connection()
        .execute(text("SELECT count(*) FROM sqlite_master WHERE name = :name"), {"name": name})
        .scalar()
    )
    return bool(found)


def test_a_store_at_the_first_revision_is_upgraded_on_open(data_dir: Path) -> None:
    case_id, _incident_id = _store_at_revision(data_dir, "0001")
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        with store.read() as session:
            assert current_revision(session.connection()) == head_revision()
            assert _has_table(session, "search_index")
            case = session.get(Case, case_id)
            assert case is not None and case.summary == "Fly-tipping behind the garages"
        # The upgraded store works: a new entry is written and found by full-text search.
        with store.write() as uow:
            uow.add(
                Incident(
                    case_id=case_id,
                    occurred_on=date(2026, 11, 3),
                    description="Shopping trolleys in the stream",
                ),
                action="incident.add",
            )
        with store.read() as session:
            hits = (
                session.connection()
                .exec_driver_sql(
                    "SELECT entity FROM search_index WHERE search_index MATCH 'trolley*'"
                )
                .scalars()
                .all()
            )
        assert hits == ["incident"]


def test_rows_written_before_the_search_index_existed_are_searchable(data_dir: Path) -> None:
    _store_at_revision(data_dir, "0001")
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store, store.read() as session:
        hits = (
            session.connection()
            .exec_driver_sql("SELECT entity FROM search_index WHERE search_index MATCH 'mattress'")
            .scalars()
            .all()
        )
    assert hits == ["incident"]


def test_opening_a_store_at_head_runs_no_migration(data_dir: Path) -> None:
    _store_at_revision(data_dir, "head")
    before = (data_dir / "asb.db").read_bytes()
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()
    assert (data_dir / "asb.db").read_bytes() == before


def test_the_files_name_the_same_head_as_alembic() -> None:
    assert file_head() == head_revision()


def test_opening_a_store_at_head_does_not_load_alembic(data_dir: Path) -> None:
    """The cheap check: a CLI command on a current store never pays for Alembic's import."""
    _store_at_revision(data_dir, "head")
    code = (
        "import sys\n"
        "from asb_tui.store.core.store import open_store\n"
        f"open_store({str(data_dir)!r}, {PASSPHRASE!r}, actor='Officer').close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_a_store_from_a_newer_release_is_refused_clearly(data_dir: Path) -> None:
    _store_at_revision(data_dir, "head")
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with tampering_with(write_engine(store)) as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    store.close()
    with pytest.raises(StoreError, match="newer asb-tui"):
        open_store(data_dir, PASSPHRASE, actor="Officer")


def test_the_migrated_schema_matches_the_models(data_dir: Path) -> None:
    """models.py and the Alembic revisions agree: nothing a later revision forgot to add."""
    _store_at_revision(data_dir, "0001")
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store, store.read_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [
            diff
            for diff in compare_metadata(context, SQLModel.metadata)
            # The FTS5 table and its shadow tables are made by SQL, not by the models.
            if not (diff[0] == "remove_table" and diff[1].name.startswith("search_index"))
        ]
        triggers = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
        )
    assert differences == []
    # Rebuilding a table in a later revision (SQLite batch mode) would silently drop these.
    indexed = ["asb_case", "incident", "note", "visit", "agency_contact", "victim_update"]
    assert {f"{t}_search_{s}" for t in indexed for s in ("ai", "au", "ad")} <= triggers


def test_drafts_and_the_dashboard_copy_move_to_the_local_cache(data_dir: Path) -> None:
    """Revision 0006: a store's `form_draft` rows (half-typed forms, and the dashboard's copy
    under its key prefix) move to `local_cache` with their kind, unchanged."""
    from asb_tui.store.cache.local_cache import DASHBOARD, DRAFT, draft_keys, load_draft

    _store_at_revision(data_dir, "0005")
    key = StorePaths(data_dir)
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()
    # Back to 0005 with rows in form_draft, as the last release left them.
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with tampering_with(write_engine(store)) as conn:
        command.downgrade(alembic_config(conn), "0005")
        conn.exec_driver_sql(
            "INSERT INTO form_draft (key, payload, saved_at) VALUES "
            "('diary:case-1', '{\"text\": \"  as typed  \"}', '2026-11-01 09:00:00'), "
            "('dashboard-snapshot:Officer', '{\"format\": 1}', '2026-11-01 09:00:00')"
        )
    store.close()
    assert key.database.exists()
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        assert draft_keys(store) == ["diary:case-1"]
        assert load_draft(store, "diary:case-1") == {"text": "  as typed  "}
        with store.read() as session:
            kinds = (
                session.connection()
                .exec_driver_sql("SELECT kind, key, payload FROM local_cache ORDER BY kind")
                .all()
            )
            assert not _has_table(session, "form_draft")
    assert [(k, n) for k, n, _ in kinds] == [(DASHBOARD, "Officer"), (DRAFT, "diary:case-1")]


def test_set_aside_pulled_changes_move_from_their_setting_to_their_table(data_dir: Path) -> None:
    """Revision 0007: the pulled changes an older release set aside (a JSON list in the setting
    "sync.set_aside_pulled", reasons without fields) move to `set_aside_change`, still listed
    (and, having no fields, never retried); the setting goes."""
    from asb_tui.store.core.models import SetAsideChange
    from asb_tui.store.replica.replica import StoreReplica
    from asb_tui.store.replica.sync_state import set_aside_changes

    case_id, _ = _store_at_revision(data_dir, "0006")
    old = (
        '[{"seq": 7, "table": "door_bell_camera", "row_id": "r-1", "case_id": "' + case_id + '",'
        ' "op": "insert", "reason": "a kind of record this version does not know",'
        ' "set_aside_at": "2026-11-01T09:00:00+00:00"}, {"seq": 7, "table": "duplicate"},'
        ' {"no": "seq"}]'
    )
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with tampering_with(write_engine(store)) as conn:  # back to 0006, as the last release left it
        command.downgrade(alembic_config(conn), "0006")
        conn.execute(
            text("INSERT INTO setting (key, value) VALUES ('sync.set_aside_pulled', :old)"),
            {"old": old},
        )
    store.close()
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        (view,) = set_aside_changes(store)
        assert (view.number, view.table, view.row_id, view.case_ref) == (
            7, "door_bell_camera", "r-1", "ASB-2025-00001",
        )  # fmt: skip
        assert view.reason == "a kind of record this version does not know"
        assert view.at is not None and view.at.isoformat() == "2026-11-01T09:00:00+00:00"
        with store.read() as session:
            assert settings.get(session, "sync.set_aside_pulled") is None
            assert session.get(SetAsideChange, 7).fields is None  # type: ignore[union-attr]
        assert StoreReplica(store).retry_set_aside() == 0
        assert len(set_aside_changes(store)) == 1


def _search(session: Session, query: str) -> list[tuple[int, str]]:
    return [
        (rowid, row_id)
        for rowid, row_id in session.connection().exec_driver_sql(
            "SELECT rowid, row_id FROM search_index WHERE search_index MATCH ? ORDER BY rowid",
            (query,),
        )
    ]


def test_revision_0014_rebuilds_search_with_prefix_indexes_and_keeps_every_rowid(
    data_dir: Path,
) -> None:
    """Revision 0014 builds the FTS5 table anew with prefix indexes: every entry keeps its rowid
    (search ranks newest first by it), the triggers still feed the renamed table, and a deleted
    row leaves the index."""
    seen: dict[str, Any] = {}

    def notes_with_holes(conn: Connection, case_id: str) -> None:
        # Holes in the rowids, as deleted entries leave them: the rebuild must not renumber.
        for n in range(5):
            conn.execute(
                text(
                    "INSERT INTO note (id, case_id, kind, body, author, created_at) VALUES "
                    "(:id, :case_id, 'note', :body, 'Officer', '2025-06-03 10:00:00.000000')"
                ),
                {"id": f"note-{n}", "case_id": case_id, "body": f"Graffiti number {n}"},
            )
        conn.execute(text("DELETE FROM note WHERE id IN ('note-1', 'note-3')"))
        seen["rows"] = sorted(
            tuple(r) for r in conn.exec_driver_sql("SELECT rowid, row_id FROM search_index")
        )
        seen["sql"] = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'search_index'"
        ).scalar_one()

    case_id, incident_id = _store_at_revision(data_dir, "0013", notes_with_holes)
    before, old_sql = seen["rows"], seen["sql"]
    assert "prefix" not in old_sql
    assert {row_id for _rowid, row_id in before} >= {incident_id, "note-0", "note-2", "note-4"}

    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        with store.read() as session:
            after = sorted(
                tuple(r)
                for r in session.connection().exec_driver_sql(
                    "SELECT rowid, row_id FROM search_index"
                )
            )
            new_sql = (
                session.connection()
                .exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'search_index'")
                .scalar_one()
            )
            assert after == before
            assert "prefix = '2 3 4'" in new_sql
            # Two-letter prefixes are answered (from the 2-character prefix index).
            assert [row_id for _r, row_id in _search(session, "ma*")] == [incident_id]
            assert [r for _r, r in _search(session, "graff*")] == ["note-0", "note-2", "note-4"]
        with store.write() as uow:
            uow.add(
                Incident(case_id=case_id, occurred_on=date(2026, 11, 3), description="Moped race"),
                action="incident.add",
            )
        with store.read() as session:
            found = _search(session, "mop*")
            assert len(found) == 1 and found[0][0] > max(rowid for rowid, _ in after)
        with store.write() as uow:
            incident = uow.reads.get(Incident, incident_id)
            assert incident is not None
            uow.delete(incident, action="incident.delete")
        with store.read() as session:
            assert _search(session, "mattress") == []
            assert len(_search(session, "mop*")) == 1
