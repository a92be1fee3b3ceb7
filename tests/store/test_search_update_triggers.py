"""The search index follows an update of the text it indexes and nothing else (revision 0015):
each searchable table's update trigger names the columns its body reads, so a push raising a
row's version, or an edit of an unindexed field, leaves the row's search entry alone, and an
edit of an indexed one re-indexes it. Generated from the triggers the store holds, over a demo
store's rows: a table made searchable later is covered without naming it here."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection
from tamper_kit import write_engine

from asb_tui.store.core import write_gate
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries.search import search

TODAY = date(2026, 11, 20)
_OF = re.compile(r"AFTER\s+UPDATE\s+OF\s+(?P<columns>[\w\s,]+?)\s+ON\s+(?P<table>\w+)", re.I)


def _triggers(conn: Connection) -> dict[str, list[str]]:
    """table: the columns its search update trigger fires on."""
    found: dict[str, list[str]] = {}
    for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_search_au'"
    ):
        match = _OF.search(sql)
        assert match is not None, f"{name} fires on every update: {sql}"
        found[match["table"]] = [c.strip() for c in match["columns"].split(",")]
    return found


def _entry(conn: Connection, row_id: str) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in conn.exec_driver_sql(
            "SELECT rowid, body FROM search_index WHERE search_index MATCH ?",
            (f'row_id:"{row_id}"',),
        )
    ]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from asb_tui.store.core.store import create_store

    store, _recovery = create_store(
        tmp_path_factory.mktemp("search-triggers"), "correct horse battery staple", actor="Officer"
    )
    fill_demo(store, cases=4, seed=7, today=TODAY, worked_cases=2)
    try:
        yield store
    finally:
        store.close()


def _mark(conn: Connection, row_id: str) -> str:
    """Overwrite the row's search text with a marker: a trigger that fires writes it anew."""
    conn.exec_driver_sql(
        "UPDATE search_index SET body = 'untouched' WHERE rowid IN (SELECT rowid FROM "
        "search_index WHERE search_index MATCH ?)",
        (f'row_id:"{row_id}"',),
    )
    ((_rowid, body),) = _entry(conn, row_id)
    return str(body)


def test_every_search_trigger_fires_only_on_what_it_reads(demo_store: Store) -> None:
    # Updates written past the unit of work (as a pulled change's apply does), rolled back.
    with write_engine(demo_store).connect() as conn, write_gate.opened(conn):
        triggers = _triggers(conn)
        # The tables searched since revisions 0002, 0005 and 0008 (a smaller set is a lost one).
        assert {"asb_case", "incident", "note", "person", "address"} <= set(triggers)
        for table, columns in triggers.items():
            row = conn.exec_driver_sql(f"SELECT * FROM {table} LIMIT 1").mappings().first()
            assert row is not None, f"the demo store has no {table} row"
            row_id = str(row["id"])
            ((_rowid, indexed),) = _entry(conn, row_id)
            quiet = [c for c in row if c not in columns]
            assert "version" in quiet or "version" not in row, table
            assert _mark(conn, row_id) == "untouched"
            for column in quiet:
                conn.exec_driver_sql(
                    f"UPDATE {table} SET {column} = {column} WHERE id = ?",
                    (row_id,),
                )
                ((_rowid, body),) = _entry(conn, row_id)
                assert body == "untouched", f"{table}.{column} (not indexed) re-indexed the row"
            for column in columns:
                if column == "id":
                    continue
                _mark(conn, row_id)
                conn.exec_driver_sql(
                    f"UPDATE {table} SET {column} = {column} WHERE id = ?",
                    (row_id,),
                )
                ((_rowid, body),) = _entry(conn, row_id)
                assert body == indexed, f"{table}.{column} did not re-index the row"
        conn.rollback()


def test_an_edit_is_found_by_its_new_words_and_other_edits_leave_the_entry(
    demo_store: Store,
) -> None:
    from asb_tui.store.core.models import Person

    with demo_store.read() as session:
        person_id, case_id = (
            session.connection().exec_driver_sql("SELECT id, case_id FROM person LIMIT 1").one()
        )
    with demo_store.write() as uow:
        person = uow.reads.get(Person, person_id)
        assert person is not None
        uow.update(person, {"name": "Quillon Zephyrine"}, action="person.edit")
    with demo_store.read() as session:
        hits = search(session, "Zephyrine")
        assert [(hit.case_id, hit.entity) for hit in hits] == [(case_id, "person")]
    with write_engine(demo_store).begin() as conn, write_gate.opened(conn):
        _mark(conn, person_id)
    # Through the unit of work: an edit of the phone (and the version it raises) leaves the
    # entry; an edit of the name writes it anew.
    for change, indexed in (({"phone": "01632 960001"}, False), ({"name": "Quillon Ashby"}, True)):
        with demo_store.write() as uow:
            person = uow.reads.get(Person, person_id)
            assert person is not None
            uow.update(person, change, action="person.edit")
        with demo_store.read() as session:
            ((_rowid, body),) = _entry(session.connection(), person_id)
        assert ("Ashby" in body) if indexed else (body == "untouched"), (change, body)
