"""Driven by test_diary_kill.py in a subprocess: runs the diary sheet screen headless over a
real store and types rows for ever, printing each row's id once the grid shows it saved (its save
has returned). The parent kills this process with SIGKILL at a random moment."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))  # run as a script
from app_testkit import app_on_screen

from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store.core.store import open_store


async def _type(pilot: Pilot[int], text: str) -> None:
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def main(data_dir: Path, case_id: str, sheet_id: str) -> None:
    store = open_store(data_dir, os.environ["ASB_PASSPHRASE"], actor="Kill Test")
    screen = DiarySheetScreen(case_id, sheet_id)
    app = app_on_screen(screen, data_dir, store, today=date(2026, 11, 23), officer="Kill Test")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        number = 0
        while True:
            number += 1
            day = 1 + number % 20
            row = (f"{day:02d}/11/2026", "21:30", f"Entry {number}", "Flat 4", "Upset", "n", "")
            for index, value in enumerate(row):
                await _type(pilot, value)
                await pilot.press("enter" if index == len(row) - 1 else "tab")
            for _ in range(1000):  # the save queue reports the row within milliseconds
                if len(screen.saved_ids) == number:
                    break
                await pilot.pause(0.01)
            if len(screen.saved_ids) == number:
                print(screen.saved_ids[-1], flush=True)
            else:
                print("NOT SAVED", flush=True)
                return


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
