"""Helpers for the rapid-entry tests (not a test module): key events as a terminal sends them, a
diary sheet to type with what the store must hold for each row, and waiting for the grid."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot

from asb_tui.widgets.diary_grid import DiaryGrid, RowState


def key_event(character_or_key: str) -> events.Key:
    """A key as the terminal driver makes it: a character, or a named key such as "tab"."""
    if len(character_or_key) == 1:
        character = character_or_key
        key = character if character.isalnum() else _character_to_key(character)
        return events.Key(key, character)
    named = {"tab": "\t", "enter": "\r", "space": " ", "backspace": "\x7f", "escape": "\x1b"}
    return events.Key(character_or_key, named.get(character_or_key))


def post_keys(app: App[Any], keys: Iterable[str]) -> int:
    """Post every key at once, without waiting between them (type-ahead as fast as the event
    loop takes them). Returns how many were posted."""
    count = 0
    for key in keys:
        app.post_message(key_event(key))
        count += 1
    return count


def text_keys(text: str) -> list[str]:
    return list(text)


@dataclass(frozen=True)
class SheetRow:
    typed: tuple[str, str, str, str, str, str, str]  # the seven cells as typed ("" = skip)
    occurred_on: date
    occurred_time: str
    police: bool

    def key_names(self) -> list[str]:
        keys: list[str] = []
        for index, cell in enumerate(self.typed):
            keys.extend(cell)
            keys.append("enter" if index == len(self.typed) - 1 else "tab")
        return keys

    def tsv(self) -> str:
        return "\t".join(self.typed)

    @property
    def stored(self) -> tuple[date, str, str, str, str, bool, str]:
        _d, _t, what, who, effect, _p, ref = self.typed
        return (self.occurred_on, self.occurred_time, what, who, effect, self.police, ref)


# Eight shapes of row; the sheet repeats them with a running number so every row differs.
_SHAPES = [
    # (date typed, time typed, stored time, what, who, effect, police typed, ref, police)
    ("{d}/11/2026", "21:30", "21:30", "Loud music till late", "Flat 4", "Kept awake", "n", ""),
    ("", "2305", "23:05", "Shouting on the stairs", "Two men", "Scared", "y", "CAD 1234"),
    ("{d}/11/26", "7am", "07:00", "Bins set alight", "Unknown", "Afraid to go out", "y", "CR/55"),
    ("{d}.11.2026", "9.15pm", "21:15", "Eggs thrown; window [/] cracked", "Teens", "Upset", "", ""),
    ("{d}/11/2026", "", "", "Siobhán's door kicked — twice", "Ó Súilleabháin", "Shaken", "N", ""),
    ("", "18:00", "18:00", "Car blocking drive #[x] *again*", "Flat 4", "Late for work", "no", ""),
    ("{d}/11/2026", "0010", "00:10", "Banging on the wall", "Flat 4", "Awake", "yes", "CAD 9"),
    ("{d}/11/2026", "12pm", "12:00", "Abuse: 'move or else'", "Flat 4 man", "Fear", "Y", "C 1"),
]


def diary_sheet(rows: int, *, first_day: int = 1) -> list[SheetRow]:
    """`rows` rows over November 2026 (dates typed in several UK forms; a blank date carries the
    previous row's), each with what the store must hold."""
    sheet: list[SheetRow] = []
    day = first_day
    for number in range(rows):
        date_text, time_text, stored_time, what, who, effect, police, ref = _SHAPES[
            number % len(_SHAPES)
        ]
        if date_text:
            day = first_day + number % 20
            typed_date = date_text.format(d=f"{day:02d}")
        else:
            typed_date = ""
        sheet.append(
            SheetRow(
                (typed_date, time_text, f"{what} ({number + 1})", who, effect, police, ref),
                date(2026, 11, day),
                stored_time,
                police.lower() in {"y", "yes"},
            )
        )
    return sheet


def sheet_keys(sheet: Iterable[SheetRow]) -> list[str]:
    return [key for row in sheet for key in row.key_names()]


async def wait_until_saved(pilot: Pilot[Any], grid: DiaryGrid, rows: int) -> None:
    """Let the app run until `rows` rows are saved and none is still saving (the save queue
    reports each row as it is stored)."""
    for _ in range(2000):
        if grid.count(RowState.SAVED) >= rows and not grid.count(RowState.SAVING):
            return
        await pilot.pause(0.01)
    states = [(row.number, row.state.value, row.reason) for row in grid.rows]
    raise AssertionError(f"rows not saved in time: {states}")
