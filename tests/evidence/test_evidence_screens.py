"""The evidence locker in the real app under Pilot: attach from the case detail (the path
completed as it is typed), the Evidence tab, the exhibit's screen (a text file inline, its
history), and "open" through the system viewer from a private folder removed afterwards."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from app_testkit import app_on_screen, screen_text, wait_for, wait_for_screen
from textual.widgets import DataTable, Input, Static

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.evidence_item import EvidenceItemScreen
from asb_tui.store.core.store import Store
from asb_tui.store.queries.evidence import case_evidence
from asb_tui.widgets.path_suggester import complete_path


def test_a_path_completes_from_its_folder(tmp_path: Path) -> None:
    (tmp_path / "noise-log.txt").write_text("x")
    (tmp_path / "photos").mkdir()
    assert complete_path(f"{tmp_path}/noi") == f"{tmp_path}/noise-log.txt"
    assert complete_path(f"{tmp_path}/pho") == f"{tmp_path}/photos/"
    assert complete_path(f"{tmp_path}/zzz") is None


async def test_attach_show_and_open_an_exhibit_from_the_case(
    store: Store, case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "neighbour-messages.txt"
    source.write_text("You'll regret calling the council. TEXT-INLINE-42\n", encoding="utf-8")
    # A stand-in for the system viewer: it notes the path it was given and its folder's mode.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "viewer.log"
    viewer = bin_dir / "xdg-open"
    viewer.write_text(
        f'#!/bin/sh\nprintf "%s %s\\n" "$1" "$(stat -c %a "$(dirname "$1")")" >> {log}\n'
    )
    viewer.chmod(viewer.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    app = app_on_screen(CaseDetailScreen(case_id), tmp_path / "data", store)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.press("e")
        await wait_for_screen(pilot, "AttachEvidenceScreen")
        await pilot.press(*f"{tmp_path}/neighbour-m")
        path = app.screen.query_one("#path", Input)
        await wait_for(pilot, lambda: path._suggestion.endswith("messages.txt"))
        await pilot.press("right")  # accepts the completion
        assert path.value == str(source)
        await pilot.press("tab", *"Threats by text")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.press("8")  # the Evidence tab
        table = app.screen.query_one("#evidence-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert "TO/1" in str(table.get_row_at(0)[1])  # the store's officer: Test Officer
        table.focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "EvidenceItemScreen")
        body = app.screen.query_one("#item-body", Static)
        await wait_for(pilot, lambda: "TEXT-INLINE-42" in str(body.render()))
        shown = screen_text(app)
        assert "text/plain" in shown and "History" in shown and "view" in shown
        await pilot.press("o")
        await wait_for(pilot, lambda: log.exists() and log.read_text().strip())
        opened, mode = log.read_text().split()
        assert Path(opened).name == "neighbour-messages.txt" and mode == "700"
        assert Path(opened).read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
        screen = app.screen
        assert isinstance(screen, EvidenceItemScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert not Path(opened).parent.exists()
    with store.read() as session:
        [row] = case_evidence(session, store.blobs, case_id)
    assert row.description == "Threats by text" and row.exhibit_ref == "TO/1"
