"""The house-to-house run sheet: one widget that owns the keys of working a run, door by door.

One key per outcome (1-5) records the door under the cursor and moves on to the next door with no
outcome, at once, in the order typed: the save is the screen's (queued, in order), and the door
shows "saving" until it is stored, or the reason it was refused (with the outcome put back). "3"
(information given) and "n" (a note) open a small form inside the sheet, under the door, so the
keys typed after them go into it, never to a window that has not opened yet. Like the diary grid,
each key is applied the moment the app routes it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from asb_tui.domain.types import DoorOutcome
from asb_tui.widgets.cell_lines import fit, shown
from asb_tui.widgets.cell_text import CellText

OUTCOME_KEYS = {
    "1": DoorOutcome.NO_ANSWER,
    "2": DoorOutcome.NO_INFORMATION,
    "3": DoorOutcome.INFORMATION_GIVEN,
    "4": DoorOutcome.REFUSED,
    "5": DoorOutcome.CALL_BACK,
}
OUTCOME_LABELS = {
    DoorOutcome.NO_ANSWER: "No answer",
    DoorOutcome.NO_INFORMATION: "Spoke, no info",
    DoorOutcome.INFORMATION_GIVEN: "Info given",
    DoorOutcome.REFUSED: "Refused",
    DoorOutcome.CALL_BACK: "Card left / call back",
}


@dataclass(frozen=True)
class DoorView:
    """A door as stored."""

    id: str
    position: int
    address: str
    outcome: DoorOutcome | None
    note: str


@dataclass
class Door:
    id: str
    position: int
    address: str
    outcome: DoorOutcome | None  # as shown: the last one chosen
    note: str
    stored_outcome: DoorOutcome | None
    stored_note: str
    saving: int = 0
    reason: str = ""


@dataclass
class DoorForm:
    """The form open under a door: "information given", or a note."""

    door_id: str
    outcome: DoorOutcome
    labels: tuple[str, ...]
    keys: tuple[str, ...]
    cells: list[CellText]
    initial: tuple[str, ...]
    field: int = 0
    confirming: bool = False  # Escape with typing in it: asking whether to discard

    @property
    def typed(self) -> bool:
        return tuple(cell.value for cell in self.cells) != self.initial

    def values(self) -> dict[str, str]:
        return {key: cell.value for key, cell in zip(self.keys, self.cells, strict=True)}


@dataclass
class _Layout:
    lines: list[Strip] = field(default_factory=list)
    cursor_start: int = 0
    cursor_end: int = 0


class RunSheet(Widget, can_focus=True):
    owns_keys = True  # Tab belongs to the door form (see widgets/key_routing.py)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "run-sheet--header",
        "run-sheet--cursor",
        "run-sheet--saving",
        "run-sheet--refused",
        "run-sheet--form",
        "run-sheet--field",
        "run-sheet--caret",
        "run-sheet--selected",
    }
    DEFAULT_CSS = """
    RunSheet { height: 1fr; }
    RunSheet > .run-sheet--header { text-style: bold; background: $boost; }
    RunSheet > .run-sheet--cursor { background: $accent 40%; }
    RunSheet > .run-sheet--saving { color: $warning; }
    RunSheet > .run-sheet--refused { color: $error; text-style: bold; }
    RunSheet > .run-sheet--form { background: $boost; }
    RunSheet > .run-sheet--field { background: $accent 30%; }
    RunSheet > .run-sheet--caret { text-style: reverse; }
    RunSheet > .run-sheet--selected { background: $accent 70%; }
    """

    class OutcomeChosen(Message):
        """Record `outcome` at a door, with the note and (information given) what was said."""

        def __init__(
            self, sheet: RunSheet, door_id: str, outcome: DoorOutcome, values: dict[str, str]
        ) -> None:
            super().__init__()
            self.sheet = sheet
            self.door_id = door_id
            self.outcome = outcome
            self.values = values

    class Notice(Message):
        def __init__(self, sheet: RunSheet, text: str, *, error: bool = False) -> None:
            super().__init__()
            self.sheet = sheet
            self.text = text
            self.error = error

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.doors: list[Door] = []
        self.cursor = 0
        self.form: DoorForm | None = None
        self._top = 0
        self._layout_key: tuple[Any, ...] | None = None
        self._layout = _Layout()
        self._version = 0

    # -- what the screen tells the sheet -------------------------------------------------------

    def load(self, doors: Iterable[DoorView], *, cursor: int | None = None) -> None:
        """Show a run's doors as stored (a door still being saved keeps what was chosen)."""
        previous = {door.id: door for door in self.doors}
        loaded = []
        for view in doors:
            old = previous.get(view.id)
            door = Door(
                view.id,
                view.position,
                view.address,
                view.outcome,
                view.note,
                view.outcome,
                view.note,
            )
            if old is not None and old.saving:
                door.outcome, door.note, door.saving = old.outcome, old.note, old.saving
            loaded.append(door)
        same_run = {d.id for d in loaded} == set(previous)
        self.doors = loaded
        if cursor is not None:
            self.cursor = cursor
        elif not same_run:
            # A run opens at its first door with no outcome yet.
            first_open = next((i for i, d in enumerate(loaded) if d.outcome is None), 0)
            self.cursor, self._top = first_open, 0
            self.form = None
        self.cursor = min(max(self.cursor, 0), max(0, len(self.doors) - 1))
        self._changed()

    def door(self, door_id: str) -> Door | None:
        return next((door for door in self.doors if door.id == door_id), None)

    def mark_saved(self, door_id: str, outcome: DoorOutcome, note: str) -> None:
        door = self.door(door_id)
        if door is None:
            return
        door.saving = max(0, door.saving - 1)
        door.stored_outcome, door.stored_note, door.reason = outcome, note, ""
        if not door.saving:
            door.outcome, door.note = outcome, note
        self._changed()

    def mark_refused(self, door_id: str, reason: str) -> None:
        door = self.door(door_id)
        if door is None:
            return
        door.saving = max(0, door.saving - 1)
        if not door.saving:
            door.outcome, door.note = door.stored_outcome, door.stored_note
        door.reason = reason
        self._changed()

    @property
    def saving(self) -> int:
        return sum(door.saving for door in self.doors)

    @property
    def keeps_escape(self) -> bool:
        """Escape closes the door form, not the screen (see widgets/key_routing.py)."""
        return self.form is not None

    def has_typed_work(self) -> bool:
        return self.form is not None and self.form.typed

    # -- lock drafts --------------------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        form = self.form
        if form is None:
            return {}
        return {
            "door_id": form.door_id,
            "outcome": form.outcome.value,
            "values": [cell.value for cell in form.cells],
            "field": form.field,
        }

    def restore(self, draft: Mapping[str, Any]) -> None:
        """Reopen a door form that was being typed, the cursor at the end of its field."""
        door_id, values = draft.get("door_id"), draft.get("values")
        try:
            outcome = DoorOutcome(str(draft.get("outcome")))
        except ValueError:
            return
        door = self.door(door_id) if isinstance(door_id, str) else None
        if door is None or not isinstance(values, list):
            return
        if not all(isinstance(value, str) for value in values):
            return
        self.cursor = self.doors.index(door)
        self._open_form(door, outcome)
        form = self.form
        if form is None or len(values) != len(form.cells):
            return
        for cell, value in zip(form.cells, values, strict=True):
            cell.set(value)
        chosen = draft.get("field")
        if isinstance(chosen, int) and 0 <= chosen < len(form.cells):
            form.field = chosen
        form.cells[form.field].place_at_end()
        self._changed()

    def clear_all(self) -> None:
        self.doors, self.form, self.cursor, self._top = [], None, 0, 0
        self._changed()

    # -- keys ---------------------------------------------------------------------------------

    def _forward_event(self, event: events.Event) -> None:
        # Applied as the app routes each key here, in order (see widgets/diary_grid.py).
        if isinstance(event, events.Key):
            if self.handle_sheet_key(event.key, event.character if event.is_printable else None):
                return
        elif isinstance(event, events.Paste) and self.form is not None:
            self._form_cell().insert(event.text.replace("\r\n", "\n").replace("\r", "\n"))
            self._changed()
            return
        super()._forward_event(event)

    def handle_sheet_key(self, key: str, character: str | None) -> bool:
        if self.form is not None:
            return self._form_key(key, character)
        if key in ("up", "down"):
            self._move(self.cursor + (-1 if key == "up" else 1))
        elif key in ("pageup", "pagedown"):
            step = max(1, self.size.height - 2)
            self._move(self.cursor + (-step if key == "pageup" else step))
        elif key in ("home", "end"):
            self._move(0 if key == "home" else len(self.doors) - 1)
        elif character is not None and character in OUTCOME_KEYS:
            self.choose(OUTCOME_KEYS[character])
        elif character == "n":
            self.open_note()
        else:
            return False
        return True

    def choose(self, outcome: DoorOutcome) -> None:
        """Record `outcome` at the door under the cursor ("information given" asks first)."""
        door = self._cursor_door()
        if door is None:
            return
        if outcome is DoorOutcome.INFORMATION_GIVEN:
            self._open_form(door, outcome)
            return
        self._record(door, outcome, {"note": door.note})
        self._advance(self.cursor)

    def open_note(self) -> None:
        door = self._cursor_door()
        if door is None:
            return
        if door.outcome is None:
            self.post_message(
                self.Notice(self, "Record the outcome first (1-5), then the note.", error=True)
            )
            return
        self._open_form(door, door.outcome, note_only=True)

    def _record(self, door: Door, outcome: DoorOutcome, values: dict[str, str]) -> None:
        door.outcome, door.note, door.reason = outcome, values.get("note", door.note), ""
        door.saving += 1
        self.post_message(self.OutcomeChosen(self, door.id, outcome, values))
        self._changed()

    def _cursor_door(self) -> Door | None:
        return self.doors[self.cursor] if 0 <= self.cursor < len(self.doors) else None

    def _move(self, index: int) -> None:
        if self.doors:
            self.cursor = min(max(index, 0), len(self.doors) - 1)
            self._changed()

    def _advance(self, after: int) -> None:
        """To the next door without an outcome after `after` (else simply the next door)."""
        for index in range(after + 1, len(self.doors)):
            if self.doors[index].outcome is None:
                self._move(index)
                return
        self._move(after + 1)

    # -- the door form ------------------------------------------------------------------------

    def _open_form(self, door: Door, outcome: DoorOutcome, *, note_only: bool = False) -> None:
        labels: tuple[str, ...]
        keys: tuple[str, ...]
        initial: tuple[str, ...]
        if note_only:
            labels, keys, initial = ("Note",), ("note",), (door.note,)
        else:
            labels = (
                "Witness's name (blank: no witness, intelligence only)",
                "Witness's address",
                "What they said (kept as an intelligence note)",
                "Note for the run sheet",
            )
            keys = ("name", "address", "intelligence", "note")
            initial = ("", door.address, "", door.note)
        cells = [CellText(value) for value in initial]
        for cell in cells:
            cell.place_at_end()
        self.form = DoorForm(door.id, outcome, labels, keys, cells, initial)
        self._changed()

    def _form_cell(self) -> CellText:
        assert self.form is not None
        return self.form.cells[self.form.field]

    def _form_key(self, key: str, character: str | None) -> bool:
        form = self.form
        assert form is not None
        if form.confirming:
            if character == "d":
                self._close_form("Nothing recorded for that door.")
                return True
            form.confirming = False
            self._changed()
            if key in ("escape",) or character == "k":
                return True
            # Any other key keeps editing and is typed as usual.
        if key == "escape":
            if form.typed:
                form.confirming = True
                self._changed()
            else:
                self._close_form("Nothing recorded for that door.")
        elif key in ("tab", "down"):
            form.field = (form.field + 1) % len(form.cells)
            form.cells[form.field].place_at_end()
        elif key in ("shift+tab", "up"):
            form.field = (form.field - 1) % len(form.cells)
            form.cells[form.field].place_at_end()
        elif key == "enter":
            self._submit_form()
        elif self._form_cell().apply_key(key):
            pass
        elif character is not None:
            self._form_cell().insert(character)
        else:
            return False
        self._changed()
        return True

    def _submit_form(self) -> None:
        form = self.form
        assert form is not None
        door = self.door(form.door_id)
        values = form.values()
        if form.outcome is DoorOutcome.INFORMATION_GIVEN and not (
            values["name"].strip() or values["intelligence"].strip()
        ):
            self.post_message(
                self.Notice(self, "Give a witness's name or what they said.", error=True)
            )
            return
        self.form = None
        if door is None:
            return
        note_only = form.keys == ("note",)
        self._record(door, form.outcome, values)
        if not note_only:
            self._advance(self.doors.index(door))

    def _close_form(self, message: str) -> None:
        self.form = None
        self.post_message(self.Notice(self, message))
        self._changed()

    def _changed(self) -> None:
        self._version += 1
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"run-sheet--{name}", partial=True)

    def column_widths(self, total: int) -> tuple[int, int, int, int]:
        """#, address, outcome, note: the address and the note share what is left."""
        number, outcome = 4, 22
        rest = max(10, total - number - outcome - 3)
        address = max(12, rest * 3 // 5)
        return number, address, outcome, max(0, rest - address)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header(width)
        layout = self._lines(width)
        body = max(1, self.size.height - 1)
        if layout.cursor_start < self._top:
            self._top = layout.cursor_start
        elif layout.cursor_end > self._top + body:
            self._top = layout.cursor_end - body
        self._top = min(max(0, self._top), max(0, len(layout.lines) - body))
        index = self._top + y - 1
        return layout.lines[index] if 0 <= index < len(layout.lines) else Strip.blank(width)

    def _header(self, width: int) -> Strip:
        style = self._style("header")
        cells = zip(("#", "Address", "Outcome", "Note"), self.column_widths(width), strict=True)
        segments = [Segment(fit(text, size) + " ", style) for text, size in cells]
        return Strip(segments).adjust_cell_length(width, style)

    def _lines(self, width: int) -> _Layout:
        key = (width, self._version, self.cursor)
        if key == self._layout_key:
            return self._layout
        layout = _Layout()
        number_cells, address_cells, outcome_cells, note_cells = self.column_widths(width)
        for index, door in enumerate(self.doors):
            style = self._style("cursor") if index == self.cursor else Style()
            outcome = OUTCOME_LABELS[door.outcome] if door.outcome else ""
            state_style = style
            if door.saving:
                outcome += " …"
                state_style += self._style("saving")
            segments = [
                Segment(fit(str(door.position), number_cells) + " ", style),
                Segment(fit(door.address, address_cells) + " ", style),
                Segment(fit(outcome, outcome_cells) + " ", state_style),
                Segment(fit(door.note, note_cells), style),
            ]
            if index == self.cursor:
                layout.cursor_start = len(layout.lines)
            layout.lines.append(Strip(segments).adjust_cell_length(width, style))
            if door.reason:
                refused = self._style("refused")
                text = fit(f"     ✗ {door.reason}", width)
                layout.lines.append(Strip([Segment(text, refused)]))
            if self.form is not None and self.form.door_id == door.id:
                layout.lines.extend(self._form_lines(width))
            if index == self.cursor:
                layout.cursor_end = len(layout.lines)
        self._layout, self._layout_key = layout, key
        return layout

    def _form_lines(self, width: int) -> list[Strip]:
        form = self.form
        assert form is not None
        style = self._style("form")
        door = self.door(form.door_id)
        where = door.address if door is not None else ""
        title = f"Note for {where}" if form.keys == ("note",) else f"Information given at {where}"
        lines = [Strip([Segment(fit(f"     {title}", width), style)])]
        for index, (label, cell) in enumerate(zip(form.labels, form.cells, strict=True)):
            lines.extend(self._field_lines(label, cell, index == form.field, width, style))
        hint = (
            "Discard what you typed? d discard · k or esc keep editing"
            if form.confirming
            else "tab next field · enter record · esc cancel"
        )
        hint_style = style + (self._style("refused") if form.confirming else Style())
        lines.append(Strip([Segment(fit(f"     {hint}", width), hint_style)]))
        return lines

    def _field_lines(
        self, label: str, cell: CellText, current: bool, width: int, style: Style
    ) -> list[Strip]:
        prefix = f"     {label}: "
        segments = [Segment(prefix, style)]
        field_style = style + (self._style("field") if current else Style())
        text = [shown(character) for character in cell.value]
        for position, glyph in enumerate(text):
            glyph_style = field_style
            if current and position == cell.caret and not cell.selected:
                glyph_style += self._style("caret")
            segments.append(Segment(glyph, glyph_style))
        if current:
            at_end = cell.caret >= len(cell.value)
            segments.append(
                Segment(" ", field_style + (self._style("caret") if at_end else Style()))
            )
        # Long text folds onto more lines, so every character typed stays in view.
        strip = Strip(segments)
        lines = []
        for start in range(0, max(1, strip.cell_length), max(1, width)):
            lines.append(strip.crop(start, start + width).adjust_cell_length(width, style))
        return lines


def door_views(doors: Sequence[Any]) -> list[DoorView]:
    """Store rows (DoorEnquiry) as the sheet shows them."""
    return [
        DoorView(
            door.id,
            door.position,
            door.address,
            DoorOutcome(door.outcome) if door.outcome else None,
            door.note,
        )
        for door in doors
    ]
