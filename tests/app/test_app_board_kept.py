"""The dashboard's computation kept in the store (store/cache/board_cache.py): the next start
uses it when nothing changed, computes again only the cases written since (by this app or by
another process), and computes whole on another day or when a pulled page touched cases that
no event names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

from app_testkit import OFFICER, TODAY, accepted_case, make_app, make_config, screen_text, wait_for
from sqlmodel import select

from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.cache.board_cache import board_key, kept_board_state
from asb_tui.store.cache.local_cache import DASHBOARD, forget_case, forget_snapshots
from asb_tui.store.core.models import LocalCacheEntry
from asb_tui.store.core.store import Store, open_store
from asb_tui.store.queries.case_queries import BoardState
from asb_tui.store.queries.deadline_facts import deadline_rules


async def _start(data_dir: Path, passphrase: str, *, today: date = TODAY) -> tuple[BoardState, str]:
    """Start the app until its first fresh board is drawn and whatever it keeps is kept; the
    state the board was made of and the screen's text."""
    app = make_app(data_dir, open_store(data_dir, passphrase, actor=OFFICER), today=today)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await wait_for(pilot, lambda: board.board_state is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = board.board_state
        assert state is not None
        return state, screen_text(app)


def _add_action_in_another_process(data_dir: Path, passphrase: str, case_id: str) -> None:
    """Another process (the CLI, a second window) writes to a case while the app is closed."""
    due = (TODAY - timedelta(days=9)).isoformat()
    script = textwrap.dedent(
        f"""
        from datetime import date
        from asb_tui.store.commands import cases
        from asb_tui.store.core.store import open_store
        store = open_store({str(data_dir)!r}, {passphrase!r}, actor={OFFICER!r})
        try:
            cases.add_action(store, {case_id!r}, title="Ring the housing officer",
                             due_on=date.fromisoformat({due!r}))
        finally:
            store.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


async def test_a_start_uses_the_kept_board_only_while_nothing_changed(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    ids = [accepted_case(store, data_dir, name) for name in ("Ann", "Bea", "Cal")]
    store.close()

    first, _ = await _start(data_dir, passphrase)
    assert not first.kept and first.recomputed == len(ids)  # nothing kept yet: computed whole

    second, _ = await _start(data_dir, passphrase)
    assert second.kept and second.recomputed == 0  # nothing changed: no case computed again
    assert second.entries == first.entries

    _add_action_in_another_process(data_dir, passphrase, ids[1])
    third, shown = await _start(data_dir, passphrase)
    assert third.kept and third.recomputed == 1  # only the case the other process wrote
    assert "Ring the housing officer" in shown  # nine days overdue: the top row
    assert third.entries[ids[1]].overdue == first.entries[ids[1]].overdue + 1
    assert {k: v for k, v in third.entries.items() if k != ids[1]} == {
        k: v for k, v in first.entries.items() if k != ids[1]
    }

    tomorrow, _ = await _start(data_dir, passphrase, today=TODAY + timedelta(days=1))
    assert not tomorrow.kept and tomorrow.recomputed == len(ids)  # another day: whole


def test_a_pulled_page_or_a_restored_store_makes_the_kept_board_unusable(
    store: Store, data_dir: Path
) -> None:
    from asb_tui.store.cache.board_cache import save_board_state
    from asb_tui.store.queries.case_queries import board_state

    accepted_case(store, data_dir, "Ann")
    rules = deadline_rules(make_config(data_dir), TODAY)
    with store.read() as session:
        state = board_state(session, officer=OFFICER, today=TODAY, rules=rules)
    save_board_state(store, state)

    def kept() -> BoardState | None:
        with store.read() as session:
            return kept_board_state(session, officer=OFFICER, today=TODAY, rules=rules)

    assert kept() is not None
    other_rules = deadline_rules(make_config(data_dir, region="scotland"), TODAY)
    with store.read() as session:
        assert kept_board_state(session, officer=OFFICER, today=TODAY, rules=other_rules) is None
    # A pulled page names no case: what it changed is not known.
    with store.replica_writer() as writer:
        writer.audit_only(action="sync.apply", entity="sync", entity_id="7", details={"changes": 3})
    assert kept() is None
    # A kept state from further along the chain than the store is (a store restored from an
    # older copy) is not used either.
    with store.read() as session:
        state = board_state(session, officer=OFFICER, today=TODAY, rules=rules)
    from dataclasses import replace

    save_board_state(store, replace(state, audit_seq=state.audit_seq + 5))
    assert kept() is None
    # A case destroyed or purged takes the kept board and the copy shown first with it (they
    # hold its ref and deadline titles)...
    save_board_state(store, state)
    with store.write() as uow:
        uow.keep_local(LocalCacheEntry(kind=DASHBOARD, key=OFFICER, payload={"rows": []}))
    with store.read() as session:
        kept_rows = session.exec(
            select(LocalCacheEntry).where(LocalCacheEntry.kind == DASHBOARD)
        ).all()
    assert len(kept_rows) >= 3  # the board, its slices of entries, the copy shown first
    with store.write() as uow:
        assert forget_case(uow, "a-case-being-purged") == len(kept_rows)
    with store.read() as session:
        assert not session.exec(
            select(LocalCacheEntry).where(LocalCacheEntry.kind == DASHBOARD)
        ).all()
        assert session.get(LocalCacheEntry, (DASHBOARD, board_key(OFFICER))) is None
        assert session.get(LocalCacheEntry, (DASHBOARD, OFFICER)) is None
    # ... and retention forgets it with the dashboard copies.
    save_board_state(store, state)
    forget_snapshots(store)
    with store.read() as session:
        assert session.get(LocalCacheEntry, (DASHBOARD, board_key(OFFICER))) is None
