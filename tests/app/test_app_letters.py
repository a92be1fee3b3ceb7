"""The letters screen through the real app: opened from case detail with `l`, the letter's
text shown before it is made, written to the chosen folder and logged (its task done), and a
clear word when there is no print system."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from app_testkit import app_on_screen, wait_for
from letters_testkit import COUNCIL, TODAY, VICTIM, accepted_case, letters_config
from textual.widgets import DataTable, Select, Static

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.letters import LettersScreen
from asb_tui.store.commands.communications import communications
from asb_tui.store.core.store import Store

COUNCIL_SETTINGS = {
    "council": COUNCIL,
    "council_address": ("Wynnstay Road", "Ruthin LL15 1YN"),
    "council_phone": "01824 706000",
}


def _text(screen: LettersScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_the_letter_is_previewed_written_and_logged(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = letters_config(tmp_path / "data")
    case = accepted_case(store, config)
    folder = tmp_path / "letters"
    folder.mkdir()
    screen = LettersScreen(case.case_id)
    app = app_on_screen(
        screen, tmp_path / "data", store, today=TODAY, letters_dir=folder, **COUNCIL_SETTINGS
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: f"Dear {VICTIM}," in _text(screen, "#letter-preview"))
        preview = _text(screen, "#letter-preview")
        assert case.ref in preview and COUNCIL in preview
        assert screen.query_one("#letter-to", Select).value == case.victim_id
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Wrote" in _text(screen, "#status"))
        status = _text(screen, "#status")
        assert "Task done: Send diary sheets and the explanatory letter" in status
        written = folder / f"{case.ref}-process-{TODAY:%Y-%m-%d}.pdf"
        assert written.exists()
        await wait_for(pilot, lambda: screen.query_one("#sent", DataTable).row_count == 1)
        logged = communications(store, case.case_id)
        assert logged[0].pdf_sha256 == hashlib.sha256(written.read_bytes()).hexdigest()

        # The written warning goes to the alleged perpetrator: chosen for it.
        screen.query_one("#letter-template", Select).value = "written-warning"
        await wait_for(
            pilot, lambda: screen.query_one("#letter-to", Select).value == case.perpetrator_id
        )
        await wait_for(
            pilot, lambda: "Community Protection Warning" in _text(screen, "#letter-preview")
        )

        # No print system: said plainly, and nothing is logged.
        monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "no print system" in _text(screen, "#status"))
        assert len(communications(store, case.case_id)) == 1


async def test_l_on_case_detail_opens_the_letters(store: Store, tmp_path: Path) -> None:
    config = letters_config(tmp_path / "data")
    case = accepted_case(store, config)
    detail = CaseDetailScreen(case.case_id)
    app = app_on_screen(detail, tmp_path / "data", store, today=TODAY, **COUNCIL_SETTINGS)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: detail.query("TabbedContent"))
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LettersScreen))
        letters_screen = app.screen
        assert isinstance(letters_screen, LettersScreen)
        await wait_for(pilot, lambda: case.ref in _text(letters_screen, "#letter-preview"))
