"""The text of one cell being edited: its value, the caret, and whether the whole value is selected.

Shared by the key-owning widgets (the diary grid, the house-to-house run sheet), which draw it
themselves. Arriving in a cell of a short value (a date, a time, y/n), or in one whose value was
offered rather than typed (a carried date, a copied row), selects it as a spreadsheet does, so
typing replaces it; in text the officer typed, the caret goes to the end, so typing adds to it and
nothing typed is lost by a stray key.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CellText:
    value: str = ""
    caret: int = 0
    selected: bool = False
    offered: bool = False  # the value was put here (carried, copied), not typed

    def arrive(self, *, short_value: bool = False) -> None:
        """The cursor came to this cell: caret at the end; the text selected when it is a short
        value or was offered."""
        self.caret = len(self.value)
        self.selected = bool(self.value) and (short_value or self.offered)

    def offer(self, value: str) -> None:
        """Put a value here that the officer did not type (typing over it replaces it)."""
        self.set(value)
        self.offered = True

    def place_at_end(self) -> None:
        """Caret after the last character, nothing selected (a restored draft carries on)."""
        self.caret = len(self.value)
        self.selected = False

    def set(self, value: str) -> None:
        self.value = value
        self.place_at_end()

    def insert(self, text: str) -> None:
        self.offered = False
        if self.selected:
            self.value, self.caret, self.selected = "", 0, False
        self.value = self.value[: self.caret] + text + self.value[self.caret :]
        self.caret += len(text)

    def backspace(self) -> None:
        self.offered = False
        if self.selected:
            self.value, self.caret, self.selected = "", 0, False
        elif self.caret > 0:
            self.value = self.value[: self.caret - 1] + self.value[self.caret :]
            self.caret -= 1

    def delete(self) -> None:
        self.offered = False
        if self.selected:
            self.value, self.caret, self.selected = "", 0, False
        else:
            self.value = self.value[: self.caret] + self.value[self.caret + 1 :]

    def left(self) -> None:
        self.caret = 0 if self.selected else max(0, self.caret - 1)
        self.selected = False

    def right(self) -> None:
        self.caret = len(self.value) if self.selected else min(len(self.value), self.caret + 1)
        self.selected = False

    def home(self) -> None:
        self.caret, self.selected = 0, False

    def end(self) -> None:
        self.place_at_end()

    def apply_key(self, key: str) -> bool:
        """Apply an editing key (left, right, home, end, backspace, delete); False if not one."""
        action = _EDITING_KEYS.get(key)
        if action is None:
            return False
        action(self)
        return True


_EDITING_KEYS = {
    "left": CellText.left,
    "right": CellText.right,
    "home": CellText.home,
    "end": CellText.end,
    "backspace": CellText.backspace,
    "delete": CellText.delete,
}
