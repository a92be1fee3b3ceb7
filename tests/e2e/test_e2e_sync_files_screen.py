"""The sync screen moves the evidence files after the records, in a worker, with progress in
bytes: a second laptop of the team presses the sync key and ends with the file whole."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from app_testkit import app_on_screen
from sync_e2e_support import (  # noqa: F401  (fixtures)
    LaptopFactory,
    central,
    laptops,
    sqlite_central_db,
    unique_team,
)
from test_e2e_sync_files import _attach
from textual.message import Message
from textual.widgets import Static

from asb_tui.screens.sync import FilesSynced, FileStep, SyncScreen, SyncStep
from asb_tui.services import file_sync
from asb_tui.services.file_sync import run_file_sync
from asb_tui.store.replica.files import downloads_mode
from sync.protocol import FILE_CHUNK_SIZE


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


async def _until(pilot: Any, done: Any, what: str) -> None:
    for _ in range(600):
        await pilot.pause(0.05)
        if done():
            return
    raise AssertionError(f"gave up waiting for {what}")


async def test_the_sync_key_fetches_the_files_after_the_records(
    laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    data = os.urandom(3 * FILE_CHUNK_SIZE + 1)
    ref = _attach(ann, ann.new_case(), data)
    ann.sync()
    run_file_sync(ann.store)

    threads: list[threading.Thread] = []
    real = file_sync.run_file_sync

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(file_sync, "run_file_sync", recorded)
    order: list[str] = []

    def seen(message: Message) -> None:
        if isinstance(message, SyncStep | FileStep | FilesSynced):
            order.append(type(message).__name__)

    app = app_on_screen(SyncScreen(), bob.data_dir, bob.store, officer=bob.name, team=team)
    async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await pilot.press("s")
        await _until(pilot, lambda: "FilesSynced" in order, "the files")
        text = str(screen.query_one("#sync-files", Static).render())
        assert "received 1 (4 chunks)" in text
    assert threads and threads[0] is not threading.main_thread()
    assert order.index("SyncStep") < order.index("FileStep") < order.index("FilesSynced")
    assert b"".join(bob.store.blobs.iter_plain(ref)) == data


async def test_the_f_key_defers_file_downloads(laptops: LaptopFactory) -> None:
    bob = laptops(team=unique_team(), name="Bob")
    app = app_on_screen(SyncScreen(), bob.data_dir, bob.store, officer=bob.name, team=bob.team)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        files = screen.query_one("#sync-files", Static)
        await pilot.press("f")
        await _until(pilot, lambda: "on demand" in str(files.render()), "the setting")
        assert downloads_mode(bob.store) == "on-demand"
        await pilot.press("f")
        await _until(pilot, lambda: "each sync" in str(files.render()), "the setting back")
    assert downloads_mode(bob.store) == "auto"
