"""The diary grid: one widget that owns every key of diary sheet transcription.

A spreadsheet-like grid over the rows of one sheet, with its own cursor over the cells. Tab,
shift+tab, Enter, the arrows and every printable key are handled here, and never handed to
Textual's focus machinery: a binding that runs after the key has bubbled up (as Tab did between
inputs) lets the keys typed after it land in the old field. Each key is applied the moment the app
routes it to the grid, so the grid's state is always that of every key typed so far. Enter hands the
row to the screen (`RowSubmitted`) and opens the next row with the same date at once, so type-ahead
goes on into the new row while the earlier one is saved. Each row shows its state: saving, saved,
or refused with the reason; a refused row stays editable (the cursor can go back to it with the
arrows) and keeps what was typed.

A paste lands as if typed: a tab moves to the next cell, a line break is Enter. A paste without a
tab is one cell's text (a trailing line break is dropped). A paste with more cells on a line than
the row has is refused whole, with nothing changed.

The columns come from `asb_tui.domain.diary_columns`; the widest column gets the room that is
left, and every cell wraps, so "What happened" stays readable at 80x24.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from asb_tui.domain.diary_columns import DIARY_COLUMNS, DiaryColumn
from asb_tui.widgets.cell_lines import shown, wrap_spans
from asb_tui.widgets.cell_text import CellText

MARKER_CELLS = 4  # the row number and its state mark
MAX_ROW_LINES = 3  # a row away from the cursor shows at most this many lines


class RowState(StrEnum):
    EDITING = "editing"
    SAVING = "saving"  # queued or under way
    SAVED = "saved"
    REFUSED = "refused"


_MARKS = {RowState.SAVING: "…", RowState.SAVED: "✓", RowState.REFUSED: "✗", RowState.EDITING: " "}


@dataclass
class GridRow:
    id: str
    number: int
    cells: list[CellText]
    state: RowState = RowState.EDITING
    reason: str = ""
    problem: int | None = None  # the column to put right
    version: int = 0  # bumped on every change, for the line cache
    typed_here: bool = False  # typed in this grid (not loaded from the store)

    @property
    def editable(self) -> bool:
        return self.state in (RowState.EDITING, RowState.REFUSED)

    def values(self, columns: Sequence[DiaryColumn]) -> dict[str, str]:
        return {column.key: cell.value for column, cell in zip(columns, self.cells, strict=True)}


class DiaryGrid(Widget, can_focus=True):
    """Rows of a diary sheet; the last row is always an empty one to type into."""

    owns_keys = True  # Tab is the grid's, not the screen's (see widgets/key_routing.py)

    # Shown in the footer and the palette; the keys themselves never reach a binding: the grid
    # takes them first (`_forward_event`).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit_row", "Save row", id="diary_grid.save"),
        Binding("tab", "next_cell", "Next cell", show=False, id="diary_grid.next"),
        Binding("ctrl+d", "copy_last_row", "Copy last row", id="diary_grid.copy"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diary-grid--header",
        "diary-grid--saved",
        "diary-grid--saving",
        "diary-grid--refused",
        "diary-grid--cursor-row",
        "diary-grid--cell",
        "diary-grid--caret",
        "diary-grid--selected",
        "diary-grid--problem",
        "diary-grid--hint",
    }
    DEFAULT_CSS = """
    DiaryGrid { height: 1fr; }
    DiaryGrid > .diary-grid--header { text-style: bold; background: $boost; }
    DiaryGrid > .diary-grid--saved { color: $text-muted; }
    DiaryGrid > .diary-grid--saving { color: $warning; }
    DiaryGrid > .diary-grid--refused { color: $error; text-style: bold; }
    DiaryGrid > .diary-grid--cursor-row { background: $boost; }
    DiaryGrid > .diary-grid--cell { background: $accent 25%; }
    DiaryGrid > .diary-grid--caret { text-style: reverse; }
    DiaryGrid > .diary-grid--selected { background: $accent 70%; }
    DiaryGrid > .diary-grid--problem { background: $error 35%; }
    DiaryGrid > .diary-grid--hint { color: $text-muted; text-style: italic; }
    DiaryGrid:focus > .diary-grid--cell { background: $accent 45%; }
    """

    class RowSubmitted(Message):
        """Enter on a row: save these cells (the row now shows "saving")."""

        def __init__(self, grid: DiaryGrid, row_id: str, cells: dict[str, str]) -> None:
            super().__init__()
            self.grid = grid
            self.row_id = row_id
            self.cells = cells

    class Notice(Message):
        """Something to tell the officer on the status line (nothing was changed)."""

        def __init__(self, grid: DiaryGrid, text: str, *, error: bool = False) -> None:
            super().__init__()
            self.grid = grid
            self.text = text
            self.error = error

    def __init__(
        self,
        columns: Sequence[DiaryColumn] = DIARY_COLUMNS,
        *,
        carry: str = "date",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._carry = [c.key for c in self.columns].index(carry)
        self.rows: list[GridRow] = []
        self._row = 0  # the cursor: a row index into self.rows (always an editable row)
        self._col = 0
        self._entry_col = 0  # where the cursor was in the last row when it went up
        self._top = 0  # first body line shown
        self._follow = True  # keep the cursor in view (off after page up/down)
        self._version = 0
        self._cache: dict[tuple[Any, ...], list[Strip]] = {}
        self._lines: list[Strip] = []
        self._line_rows: list[int] = []
        self._lines_key: tuple[Any, ...] | None = None
        self._new_entry_row("")

    # -- reading the grid ---------------------------------------------------------------------

    @property
    def cursor(self) -> tuple[int, int]:
        """(row index, column index) of the cursor."""
        return self._row, self._col

    @property
    def current_row(self) -> GridRow:
        return self.rows[self._row]

    @property
    def current_cell(self) -> CellText:
        return self.current_row.cells[self._col]

    def row(self, row_id: str) -> GridRow | None:
        return next((row for row in self.rows if row.id == row_id), None)

    def count(self, state: RowState) -> int:
        return sum(1 for row in self.rows if row.state is state)

    def has_typed_work(self) -> bool:
        """A refused row, or a row being typed with more in it than the carried date."""
        return any(
            row.state is RowState.REFUSED
            or (row.state is RowState.EDITING and not self._is_blank(row))
            for row in self.rows
        )

    def _is_blank(self, row: GridRow) -> bool:
        return all(
            not cell.value.strip() for index, cell in enumerate(row.cells) if index != self._carry
        )

    # -- what the screen tells the grid --------------------------------------------------------

    def load_saved(self, entries: Iterable[tuple[str, Mapping[str, str]]]) -> None:
        """Show the sheet's saved entries (id, cells) first; rows typed here that are among them
        are saved, the others stay as they are, after them."""
        current = self.current_row
        saved = [
            GridRow(entry_id, 0, self._cells(values), RowState.SAVED)
            for entry_id, values in entries
        ]
        ids = {row.id for row in saved}
        # A row saved here after the store was read is kept too (it is in the store).
        session = [
            row
            for row in self.rows
            if row.id not in ids and (row.typed_here or row.state is not RowState.SAVED)
        ]
        self.rows = saved + session
        for number, row in enumerate(self.rows, start=1):
            row.number = number
            row.version += 1
        if not self.rows or not self.rows[-1].editable:
            self._new_entry_row("")
        self._row = self.rows.index(current) if current in self.rows else len(self.rows) - 1
        self._changed()

    def mark_saving(self, row_id: str) -> None:
        self._set_state(row_id, RowState.SAVING)

    def mark_saved(self, row_id: str, shown: Mapping[str, str]) -> None:
        """The row is in the store; `shown` is how it was stored (the date and time read)."""
        row = self.row(row_id)
        if row is None or row.state is RowState.SAVED:
            return
        for column, cell in zip(self.columns, row.cells, strict=True):
            cell.set(shown.get(column.key, cell.value))
        self._set_state(row_id, RowState.SAVED)

    def refuse(self, row_id: str, reason: str, column: str | None = None) -> None:
        """The row was not saved: it stays, editable, with the reason shown under it."""
        row = self.row(row_id)
        if row is None or row.state is RowState.SAVED:
            return
        keys = [c.key for c in self.columns]
        row.problem = keys.index(column) if column in keys else None
        row.reason = reason
        self._set_state(row_id, RowState.REFUSED)

    def _set_state(self, row_id: str, state: RowState) -> None:
        row = self.row(row_id)
        if row is None:
            return
        row.state = state
        if state is not RowState.REFUSED:
            row.reason, row.problem = "", None
        row.version += 1
        self._changed()

    def clear_all(self) -> None:
        """Blank the grid (the store is locking; the unsaved rows are in the lock draft)."""
        self.rows = []
        self._new_entry_row("")
        self._row, self._col, self._top = 0, 0, 0
        self._changed()

    # -- lock drafts --------------------------------------------------------------------------

    def draft(self) -> dict[str, Any]:
        """The rows not yet saved (their cells, state and reason) and where the cursor is."""
        unsaved = [row for row in self.rows if row.state is not RowState.SAVED]
        current = self.current_row
        return {
            "rows": [
                {
                    "id": row.id,
                    "cells": [cell.value for cell in row.cells],
                    "state": row.state.value,
                    "reason": row.reason,
                    "problem": row.problem,
                }
                for row in unsaved
            ],
            "cursor": [unsaved.index(current) if current in unsaved else -1, self._col],
        }

    def restore(self, draft: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
        """Put back the unsaved rows of a draft after the saved ones, the cursor at the end of
        the cell it was in. Returns the rows that were being saved, to be saved again (a save
        that did reach the store is found there by its id, not added twice)."""
        kept = [row for row in self.rows if row.state is RowState.SAVED]
        resend: list[tuple[str, dict[str, str]]] = []
        restored: list[GridRow] = []
        for item in draft.get("rows", []) if isinstance(draft.get("rows"), list) else []:
            row = self._row_from_draft(item)
            if row is None or any(r.id == row.id for r in kept):
                continue
            restored.append(row)
            if row.state is RowState.SAVING:
                resend.append((row.id, row.values(self.columns)))
        self.rows = kept + restored
        for number, row in enumerate(self.rows, start=1):
            row.number = number
        if not self.rows or not self.rows[-1].editable:
            self._new_entry_row("")
        cursor = draft.get("cursor")
        row_index, col = len(self.rows) - 1, 0
        if (
            isinstance(cursor, list)
            and len(cursor) == 2
            and all(isinstance(v, int) for v in cursor)
        ):
            at, col = cursor
            if 0 <= at < len(restored) and restored[at].editable:
                row_index = len(kept) + at
            col = min(max(col, 0), len(self.columns) - 1)
        self._row, self._col = row_index, col
        self.current_cell.place_at_end()
        self._follow = True
        self._changed()
        return resend

    def _row_from_draft(self, item: Any) -> GridRow | None:
        if not isinstance(item, dict):
            return None
        cells, row_id, state = item.get("cells"), item.get("id"), item.get("state")
        if (
            not isinstance(cells, list)
            or len(cells) != len(self.columns)
            or not all(isinstance(value, str) for value in cells)
            or not isinstance(row_id, str)
            or state not in {s.value for s in RowState if s is not RowState.SAVED}
        ):
            return None
        row = GridRow(
            row_id, 0, [CellText(value) for value in cells], RowState(state), typed_here=True
        )
        for cell in row.cells:
            cell.place_at_end()
        reason, problem = item.get("reason", ""), item.get("problem")
        row.reason = reason if isinstance(reason, str) else ""
        in_range = isinstance(problem, int) and 0 <= problem < len(self.columns)
        row.problem = problem if in_range else None
        return row

    # -- keys ---------------------------------------------------------------------------------

    def _forward_event(self, event: events.Event) -> None:
        # The app hands a key to the focused widget here, in the order the keys came. Applying
        # it now, rather than from this widget's own queue later, means that a priority binding
        # acting on a later key (Escape asks whether to discard) sees every earlier key applied.
        if isinstance(event, events.Key):
            if self.handle_grid_key(event.key, event.character if event.is_printable else None):
                return
        elif isinstance(event, events.Paste):
            self.paste(event.text)
            return
        super()._forward_event(event)

    def handle_grid_key(self, key: str, character: str | None) -> bool:
        """Apply one key; False for a key the grid leaves to the screen (escape, ctrl+n...)."""
        if key == "tab":
            self.action_next_cell()
        elif key == "shift+tab":
            self._previous_cell()
        elif key == "enter":
            self.action_submit_row()
        elif key == "ctrl+d":
            self.action_copy_last_row()
        elif key in ("up", "down"):
            self._move_row(-1 if key == "up" else 1)
        elif key in ("pageup", "pagedown"):
            self._page(-1 if key == "pageup" else 1)
        elif self.current_cell.apply_key(key):
            self._edited()
        elif character is not None:
            self.current_cell.insert(character)
            self._edited()
        else:
            return False
        return True

    def paste(self, text: str) -> None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\t" not in text:
            # One cell's text (a spreadsheet adds a line break after a copied cell).
            self.current_cell.insert(text.removesuffix("\n"))
            self._edited()
            return
        lines = text.split("\n")
        ends_with_break = lines[-1] == ""
        if ends_with_break:
            lines.pop()
        width = len(self.columns)
        for number, line in enumerate(lines):
            first = self._col if number == 0 else 0
            cells = line.count("\t") + 1
            if first + cells > width:
                self.post_message(
                    self.Notice(
                        self,
                        f"Nothing pasted: line {number + 1} of the paste has {cells} cells "
                        f"and a row has {width - first} from here "
                        f"({', '.join(c.heading for c in self.columns[first:])}).",
                        error=True,
                    )
                )
                return
        for number, line in enumerate(lines):
            for index, segment in enumerate(line.split("\t")):
                if index:
                    self.action_next_cell()
                if segment:
                    self.current_cell.insert(segment)
            if number < len(lines) - 1 or ends_with_break:
                self.action_submit_row()
        self._edited()

    # -- actions (also reachable from the footer and the palette) ------------------------------

    def action_next_cell(self) -> None:
        if self._col < len(self.columns) - 1:
            self._go(self._row, self._col + 1)
        else:
            below = self._editable_after(self._row)
            if below is not None:
                self._go(below, 0)

    def _previous_cell(self) -> None:
        if self._col > 0:
            self._go(self._row, self._col - 1)
        else:
            above = self._editable_before(self._row)
            if above is not None:
                self._go(above, len(self.columns) - 1)

    def action_submit_row(self) -> None:
        row = self.current_row
        if self._is_blank(row):
            self.post_message(self.Notice(self, "Nothing to save yet: type what happened first."))
            return
        row.state, row.reason, row.problem = RowState.SAVING, "", None
        row.version += 1
        self.post_message(self.RowSubmitted(self, row.id, row.values(self.columns)))
        if self._row == len(self.rows) - 1:
            self._new_entry_row(row.cells[self._carry].value)
            self._go(len(self.rows) - 1, 0)
        else:
            # A row put right further up: back to where the officer was in the row below.
            self._go(len(self.rows) - 1, self._entry_col)

    def action_copy_last_row(self) -> None:
        row = self.current_row
        if not self._is_blank(row):
            self.post_message(
                self.Notice(
                    self,
                    "ctrl+d copies the last row into an empty row; this one has typing in it.",
                    error=True,
                )
            )
            return
        source = next((r for r in reversed(self.rows[: self._row]) if not self._is_blank(r)), None)
        if source is None:
            self.post_message(self.Notice(self, "No row above to copy.", error=True))
            return
        for cell, value in zip(row.cells, source.cells, strict=True):
            cell.offer(value.value)
        self.post_message(
            self.Notice(self, "Copied the last row: change what differs and press Enter.")
        )
        self._go(self._row, min(1, len(self.columns) - 1))

    # -- cursor -------------------------------------------------------------------------------

    def _go(self, row: int, col: int) -> None:
        self._row, self._col = row, col
        self.current_cell.arrive(short_value=self.columns[col].kind != "text")
        self._follow = True
        self._changed()

    def _edited(self) -> None:
        self.current_row.version += 1
        self._follow = True
        self._changed()

    def _editable_after(self, index: int) -> int | None:
        return next((i for i in range(index + 1, len(self.rows)) if self.rows[i].editable), None)

    def _editable_before(self, index: int) -> int | None:
        return next((i for i in range(index - 1, -1, -1) if self.rows[i].editable), None)

    def _move_row(self, step: int) -> None:
        target = self._editable_before(self._row) if step < 0 else self._editable_after(self._row)
        if target is not None:
            # To a refused row: straight to the cell to put right.
            problem = self.rows[target].problem
            self._go(target, self._col if problem is None else problem)

    def _page(self, step: int) -> None:
        body = max(1, self.size.height - 2)
        self._top = max(0, self._top + step * body)
        self._follow = False
        self._changed()

    def _new_entry_row(self, carried: str) -> None:
        cells = [CellText() for _ in self.columns]
        cells[self._carry].offer(carried)
        number = (self.rows[-1].number + 1) if self.rows else 1
        self.rows.append(GridRow(str(uuid.uuid4()), number, cells, typed_here=True))

    def _cells(self, values: Mapping[str, str]) -> list[CellText]:
        return [CellText(values.get(column.key, "")) for column in self.columns]

    def _changed(self) -> None:
        self._version += 1
        self.refresh()

    # -- mouse --------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        body_line = event.y - 1 + self._top
        if not 0 <= body_line < len(self._line_rows):
            return
        row = self._line_rows[body_line]
        if row < 0 or not self.rows[row].editable:
            return
        x, col = MARKER_CELLS, 0
        for index, width in enumerate(self.column_widths(self.size.width)):
            if event.x >= x:
                col = index
            x += width + 1
        self._go(row, col)

    # -- layout and drawing -------------------------------------------------------------------

    def column_widths(self, total: int) -> list[int]:
        """Each column's width in cells: the minimum, plus its share of the room left over."""
        minimum = [column.min_cells for column in self.columns]
        spare = total - MARKER_CELLS - len(self.columns) - sum(minimum)
        shares = [column.share for column in self.columns]
        if spare <= 0 or not any(shares):
            return minimum
        widths = [
            low + spare * share // sum(shares) for low, share in zip(minimum, shares, strict=True)
        ]
        widths[shares.index(max(shares))] += total - MARKER_CELLS - len(self.columns) - sum(widths)
        return widths

    def render_line(self, y: int) -> Strip:
        self._layout()
        width = self.size.width
        if y == 0:
            return self._header(width)
        if y == self.size.height - 1:
            return self._hint(width)
        index = self._top + y - 1
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width)

    def _layout(self) -> None:
        key = (self.size, self._version, self._row, self._col)
        if key == self._lines_key:
            return
        widths = self.column_widths(self.size.width)
        lines: list[Strip] = []
        owners: list[int] = []
        cursor_start = cursor_end = caret_line = 0
        for index, row in enumerate(self.rows):
            is_cursor = index == self._row
            drawn, caret_at = self._row_lines(row, widths, is_cursor)
            if is_cursor:
                cursor_start, cursor_end = len(lines), len(lines) + len(drawn)
                caret_line = len(lines) + caret_at
            lines.extend(drawn)
            owners.extend([index] * len(drawn))
        self._lines, self._line_rows, self._lines_key = lines, owners, key
        body = max(1, self.size.height - 2)
        if self._follow:
            if cursor_end - cursor_start <= body:
                if cursor_start < self._top:
                    self._top = cursor_start
                elif cursor_end > self._top + body:
                    self._top = cursor_end - body
            elif not self._top <= caret_line < self._top + body:
                self._top = max(0, caret_line - body + 1)
        self._top = min(max(0, self._top), max(0, len(lines) - body))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"diary-grid--{name}", partial=True)

    def _header(self, width: int) -> Strip:
        style = self._style("header")
        segments = [Segment(" " * MARKER_CELLS, style)]
        for column, cells in zip(self.columns, self.column_widths(width), strict=True):
            heading = column.short if cell_len(column.short) <= cells else column.short[:cells]
            segments.append(Segment(" " + heading.ljust(cells), style))
        return Strip(segments).adjust_cell_length(width, style)

    def _hint(self, width: int) -> Strip:
        column = self.columns[self._col]
        counts = [
            f"{self.count(state)} {state.value}"
            for state in (RowState.SAVED, RowState.SAVING, RowState.REFUSED)
            if self.count(state)
        ]
        text = f"{column.heading}: {column.hint}  ·  row {self.current_row.number}"
        if counts:
            text += "  ·  " + ", ".join(counts)
        return Strip([Segment(text, self._style("hint"))]).adjust_cell_length(width)

    def _row_lines(
        self, row: GridRow, widths: list[int], is_cursor: bool
    ) -> tuple[list[Strip], int]:
        """The lines of one row, and the line the caret is on (for the cursor's row)."""
        cache_key = (row.id, row.version, tuple(widths), self.size.width)
        if not is_cursor and cache_key in self._cache:
            return self._cache[cache_key], 0
        base = self._style("cursor-row") if is_cursor else Style()
        if row.state is RowState.SAVED:
            base += self._style("saved")
        cells_lines: list[list[list[Segment]]] = []
        caret_at = 0
        for index, (cell, cells) in enumerate(zip(row.cells, widths, strict=True)):
            current = is_cursor and index == self._col
            style = base + (self._style("problem") if index == row.problem else Style())
            lines, caret_line = self._cell_lines(cell, cells, style, current, is_cursor)
            if current:
                caret_at = caret_line
            cells_lines.append(lines)
        height = max(len(lines) for lines in cells_lines)
        mark_style = base
        if row.state is not RowState.EDITING:
            mark_style += self._style(row.state.value)
        strips = []
        for line_number in range(height):
            mark = f"{row.number:>3}{_MARKS[row.state]}" if line_number == 0 else ""
            segments = [Segment(mark.ljust(MARKER_CELLS)[:MARKER_CELLS], mark_style)]
            for lines, cells in zip(cells_lines, widths, strict=True):
                segments.append(Segment(" ", base))
                if line_number < len(lines):
                    segments.extend(lines[line_number])
                else:
                    segments.append(Segment(" " * cells, base))
            strips.append(Strip(segments).adjust_cell_length(self.size.width, base))
        if row.state is RowState.REFUSED and row.reason:
            refused = self._style("refused")
            reason = f"{' ' * MARKER_CELLS} ✗ {''.join(map(shown, row.reason))}"
            strips.append(
                Strip([Segment(reason, refused)]).crop_extend(0, self.size.width, refused)
            )
        if not is_cursor:
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[cache_key] = strips
        return strips, caret_at

    def _cell_lines(
        self, cell: CellText, width: int, style: Style, current: bool, on_cursor_row: bool
    ) -> tuple[list[list[Segment]], int]:
        """One cell wrapped to `width`: its lines of segments, and the caret's line."""
        glyphs = [shown(character) for character in cell.value]
        if current:
            glyphs.append(" ")  # where the caret sits after the last character
            style += self._style("cell")
        breaks = {index for index, character in enumerate(cell.value) if character == "\n"}
        spans = wrap_spans(glyphs, width, breaks)
        truncated = not on_cursor_row and len(spans) > MAX_ROW_LINES
        if truncated:
            spans = spans[:MAX_ROW_LINES]
        caret_style, selected_style = self._style("caret"), self._style("selected")
        lines: list[list[Segment]] = []
        caret_line = 0
        for line_number, (start, end) in enumerate(spans):
            segments = []
            used = 0
            for position in range(start, end):
                glyph = glyphs[position]
                glyph_style = style
                if current and cell.selected and position < len(cell.value):
                    glyph_style += selected_style
                elif current and not cell.selected and position == cell.caret:
                    glyph_style += caret_style
                    caret_line = line_number
                segments.append(Segment(glyph, glyph_style))
                used += cell_len(glyph)
            if truncated and line_number == len(spans) - 1:
                while segments and used + 1 > width:
                    used -= cell_len(segments.pop().text)
                segments.append(Segment("…", style))
                used += 1
            segments.append(Segment(" " * max(0, width - used), style))
            lines.append(segments)
        return lines, caret_line


__all__ = ["DiaryGrid", "GridRow", "RowState"]
