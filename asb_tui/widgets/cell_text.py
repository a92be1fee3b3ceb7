"""The text of one cell being edited: its value, the caret, and whether the whole value is selected.

Shared by the key-owning widgets (the diary grid, the house-to-house run sheet), which draw it
themselves. Arriving in a cell selects what is there, as a spreadsheet does, so typing replaces a
carried-over value and the arrow keys keep it for editing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CellText:
    value: str = ""
    caret: int = 0
    selected: bool = False

    def arrive(self) -> None:
        """The cursor came to this cell: select its text (if any), caret at the end."""
        self.caret = len(self.value)
        self.selected = bool(self.value)

    def place_at_end(self) -> None:
        """Caret after the last character, nothing selected (a restored draft carries on)."""
        self.caret = len(self.value)
        self.selected = False

    def set(self, value: str) -> None:
        self.value = value
        self.place_at_end()

    def insert(self, text: str) -> None:
        if self.selected:
            self.value, self.caret, self.selected = "", 0, False
        self.value = self.value[: self.caret] + text + self.value[self.caret :]
        self.caret += len(text)

    def backspace(self) -> None:
        if self.selected:
            self.value, self.caret, self.selected = "", 0, False
        elif self.caret > 0:
            self.value = self.value[: self.caret - 1] + self.value[self.caret :]
            self.caret -= 1

    def delete(self) -> None:
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
