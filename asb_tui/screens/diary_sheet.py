"""Diary sheet rapid entry: transcribe a returned paper sheet row by row in one grid.

The grid (widgets/diary_grid.py) owns every key, so nothing typed is lost or lands in the wrong
cell however fast it comes, pasted sheets included. Enter hands a row here: it is checked at once
(domain/diary_columns.py: a refused row stays in the grid, editable, with the reason under it) and
queued; one worker saves the queue in order, each row in its own transaction, while the officer
types on. ctrl+n records sheets sent, ctrl+r a sheet's return, ctrl+o shows the case's other sheet.
Escape waits for the rows being saved and asks before discarding a row that is not saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from asb_tui.domain.case_review import AGENCY_LETTERS
from asb_tui.domain.dates import format_uk
from asb_tui.domain.diary_columns import DiaryRowProblem, read_diary_row
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import diary
from asb_tui.widgets.diary_grid import DiaryGrid, RowState
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.literal import literal
from asb_tui.widgets.prompt import FormPrompt, PromptField
from asb_tui.widgets.save_queue import OrderedSaves, Refused, Saved
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.domain.case_deadlines import DeadlineRules
    from asb_tui.store.core.store import Store

NO_SHEET = "Record the sheets sent with ctrl+n first."


@dataclass(frozen=True)
class QueuedRow:
    row_id: str
    sheet_id: str
    entry: diary.DiaryEntry
    typed_on: date
    #: the council's rules (the repeat-victim rule is checked as each entry is saved)
    rules: DeadlineRules | None = None


def shown_cells(incident: diary.DiaryEntryRow) -> dict[str, str]:
    """A stored entry as the grid shows it."""
    return {
        "date": format_uk(incident.occurred_on),
        "time": incident.occurred_time,
        "what": incident.description,
        "who": incident.who_involved,
        "effect": incident.impact,
        "police": "y" if incident.reported_to_police else "n",
        "police_ref": incident.police_ref,
        "told": " ".join(
            part
            for part in (
                "".join(AGENCY_CODES[code] for code in incident.reported_to),
                _short_day(incident.reported_on, incident.occurred_on),
            )
            if part
        ),
    }


AGENCY_CODES = {code: letter for letter, code in AGENCY_LETTERS.items()}


def _short_day(day: date | None, occurred_on: date) -> str:
    """A report date as short as the Told cell reads it back: dd/mm in the incident's year."""
    if day is None:
        return ""
    return f"{day:%d/%m}" if day.year == occurred_on.year else format_uk(day)


SheetsAndEntries = tuple[list[diary.DiarySheetSummary], list[diary.DiaryEntryRow]]


class SheetsRead(WorkDone[SheetsAndEntries]):
    """The case's sheets, and the entries of the one shown."""


class SheetsSent(WorkDone[str]):
    """Sheets sent are recorded: the new sheet's id."""


class SheetReturned(WorkDone[object]):
    """A sheet's return is recorded."""


class RowSaved(Saved[QueuedRow, diary.DiaryEntryRow]):
    """A row is in the store (the entry as stored)."""


class RowRefused(Refused[QueuedRow]):
    """A row was not saved: it stays in the grid, editable, with the reason."""


def _save_row(store: Store, row: QueuedRow) -> diary.DiaryEntryRow:
    incident = diary.add_diary_entry(
        store,
        row.sheet_id,
        row.entry,
        typed_on=row.typed_on,
        entry_id=row.row_id,
        rules=row.rules,
    )
    return diary.entry_row(incident)


class DiarySheetScreen(FieldworkScreen):
    """Diary sheets of one case: sent, returned, and rapid transcription of entries."""

    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+n", "sheets_sent", "Sheets sent", id="diary.sent", priority=True),
        Binding("ctrl+r", "sheet_returned", "Returned", id="diary.returned", priority=True),
        Binding("ctrl+o", "other_sheet", "Other sheet", id="diary.other", priority=True),
    ]
    DEFAULT_CSS = """
    DiarySheetScreen #sheet { height: 1; padding: 0 1; }
    DiarySheetScreen #grid { height: 1fr; }
    """
    AUTO_FOCUS = "#grid"
    holds_keys_until_focus = True

    def __init__(self, case_id: str, sheet_id: str | None = None) -> None:
        super().__init__(case_id)
        self.sheet_id = sheet_id
        self.sheets: list[diary.DiarySheetSummary] = []
        self.grid = DiaryGrid(id="grid")
        self._loaded = False
        self._before_load: list[tuple[str, dict[str, str]]] = []
        self._closures: frozenset[date] | None = None
        self._close_when_saved = False
        self._saves: OrderedSaves[QueuedRow, diary.DiaryEntryRow] = OrderedSaves(
            self,
            _save_row,
            store=lambda: self.asb.store,
            saved=RowSaved,
            refused=RowRefused,
        )

    def compose(self) -> ComposeResult:
        yield Static("Diary sheet entry", classes="title")
        yield Static("", id="sheet")
        yield self.grid
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.grid.focus()
        self._load_sheets()

    @property
    def saved_ids(self) -> list[str]:
        """The ids of the sheet's rows in the store, in the order they were typed."""
        return [row.id for row in self.grid.rows if row.state is RowState.SAVED]

    # -- sheets -------------------------------------------------------------------------------

    def _load_sheets(self) -> None:
        wanted, case_id = self.sheet_id, self.case_id

        def load(store: Store) -> SheetsAndEntries:
            sheets = diary.diary_sheets(store, case_id)
            ids = [summary.id for summary in sheets]
            chosen = wanted if wanted in ids else (ids[-1] if ids else None)
            return sheets, diary.sheet_entries(store, chosen) if chosen else []

        self.run_work(load, SheetsRead, group="sheets")

    @on(SheetsRead)
    def _sheets_read(self, message: SheetsRead) -> None:
        self.sheets, entries = message.result
        ids = [summary.id for summary in self.sheets]
        if self.sheet_id not in ids:
            self.sheet_id = ids[-1] if ids else None
        self._show_sheet(entries)
        if not self._loaded:
            self._loaded = True
            waiting, self._before_load = self._before_load, []
            for row_id, cells in waiting:
                self._submit(row_id, cells)

    def reload(self) -> None:
        """After unlock: the saved rows again (the unsaved ones come back from the draft)."""
        self._load_sheets()
        self._saves.resume()

    def _current(self) -> diary.DiarySheetSummary | None:
        return next((s for s in self.sheets if s.id == self.sheet_id), None)

    def _show_sheet(self, entries: list[diary.DiaryEntryRow]) -> None:
        summary = self._current()
        self.grid.load_saved((incident.id, shown_cells(incident)) for incident in entries)
        if summary is None:
            self.query_one("#sheet", Static).update("No diary sheets recorded for this case.")
            self.set_status(NO_SHEET)
            return
        sheet = summary
        position = [s.id for s in self.sheets].index(sheet.id) + 1
        parts = [f"Sheet {position} of {len(self.sheets)}"]
        parts.append(f"sent {format_uk(sheet.sent_on)}" if sheet.sent_on else "not sent")
        if sheet.letter_sent_on:
            parts.append(f"letter {format_uk(sheet.letter_sent_on)}")
        parts.append(
            f"returned {format_uk(sheet.returned_on)}" if sheet.returned_on else "not back"
        )
        self.query_one("#sheet", Static).update(literal(" · ".join(parts)))

    def action_sheets_sent(self) -> None:
        fields = [
            PromptField("sent", "Diary sheets sent on", self.today(), "date", required=True),
            PromptField(
                "letter", "Explanatory letter sent on (blank if not sent)", self.today(), "date"
            ),
        ]

        case_id = self.case_id

        def record(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: (
                    diary.record_sheets_sent(
                        store, case_id, sent_on=values["sent"], letter_sent_on=values["letter"]
                    ).id
                ),
                SheetsSent,
                group="save",
            )

        self.app.push_screen(FormPrompt("Diary sheets sent", fields, today=self.today()), record)

    def action_sheet_returned(self) -> None:
        if self.sheet_id is None:
            self.set_status("There is no sheet to mark as returned.", error=True)
            return
        sheet_id = self.sheet_id
        fields = [PromptField("returned", "Sheet returned on", self.today(), "date", required=True)]

        def record(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: diary.record_sheet_returned(store, sheet_id, values["returned"]),
                SheetReturned,
                group="save",
            )

        self.app.push_screen(FormPrompt("Diary sheet returned", fields, today=self.today()), record)

    @on(SheetsSent)
    def _sheets_sent(self, message: SheetsSent) -> None:
        self.sheet_id = message.result
        self.set_status("Sheets sent recorded.")
        self._load_sheets()
        self._resend_rows_refused_for_no_sheet()

    @on(SheetReturned)
    def _sheet_returned(self, message: SheetReturned) -> None:
        self.set_status("Return recorded.")
        self._load_sheets()

    def action_other_sheet(self) -> None:
        if len(self.sheets) < 2:
            self.set_status("This case has only one diary sheet.")
            return
        if self.grid.has_typed_work() or self.grid.count(RowState.SAVING):
            self.set_status(
                "Finish the rows of this sheet first (save them, or clear them).", error=True
            )
            return
        ids = [s.id for s in self.sheets]
        self.sheet_id = ids[(ids.index(self.sheet_id) + 1) % len(ids)] if self.sheet_id else ids[0]
        self.grid.clear_all()
        self._load_sheets()

    # -- rows: checked at once, saved in order -------------------------------------------------

    @property
    def _closure_days(self) -> frozenset[date]:
        if self._closures is None:
            self._closures = self.closures
        return self._closures

    @on(DiaryGrid.RowSubmitted)
    def _row_submitted(self, message: DiaryGrid.RowSubmitted) -> None:
        message.stop()
        self._submit(message.row_id, message.cells)

    def _submit(self, row_id: str, cells: dict[str, str]) -> None:
        if not self._loaded:
            self._before_load.append((row_id, cells))  # typed ahead of the sheet's loading
            return
        row = self.grid.row(row_id)
        if row is None:
            return  # the grid was blanked by a lock: the row comes back from the lock draft
        number = row.number
        if self.sheet_id is None:
            self.grid.refuse(row_id, NO_SHEET)
            self.set_status(f"Row {number} not saved: {NO_SHEET}", error=True)
            return
        try:
            values = read_diary_row(cells, self.today(), self.holiday_region, self._closure_days)
        except DiaryRowProblem as problem:
            self.grid.refuse(row_id, str(problem), problem.column)
            self.set_status(f"Row {number} not saved: {problem}", error=True)
            return
        entry = diary.DiaryEntry(
            occurred_on=values.occurred_on,
            description=values.description,
            occurred_time=values.occurred_time,
            who_involved=values.who_involved,
            impact=values.impact,
            reported_to_police=values.reported_to_police,
            police_ref=values.police_ref,
            reported_on=values.reported_on,
            reported_to=values.reported_to,
        )
        self.grid.mark_saving(row_id)
        self._saves.put(
            QueuedRow(row_id, self.sheet_id, entry, self.today(), self.asb.deadline_rules())
        )

    def _resend_rows_refused_for_no_sheet(self) -> None:
        for row in list(self.grid.rows):
            if row.state is RowState.REFUSED and row.reason == NO_SHEET:
                self._submit(row.id, row.values(self.grid.columns))

    @on(RowSaved)
    def _row_saved(self, message: RowSaved) -> None:
        row, incident = message.item, message.result
        self.grid.mark_saved(row.row_id, shown_cells(incident))
        grid_row = self.grid.row(row.row_id)
        if grid_row is not None:
            refused = self.grid.count(RowState.REFUSED)
            waiting = f" {refused} not saved: up to put them right." if refused else ""
            self.set_status(f"Saved row {grid_row.number}.{waiting}", error=bool(refused))
        self._maybe_close()

    @on(RowRefused)
    def _row_refused(self, message: RowRefused) -> None:
        row_id = message.item.row_id
        self.grid.refuse(row_id, message.text)
        grid_row = self.grid.row(row_id)
        if grid_row is not None:
            self.set_status(f"Row {grid_row.number} not saved: {message.text}", error=True)
        self._maybe_close()

    @on(DiaryGrid.Notice)
    def _notice(self, message: DiaryGrid.Notice) -> None:
        message.stop()
        self.set_status(message.text, error=message.error)

    # -- leaving, and the lock ----------------------------------------------------------------

    def has_typed_work(self) -> bool:
        return self.grid.has_typed_work()

    def action_close(self) -> None:
        if self.grid.count(RowState.SAVING):
            self._close_when_saved = True
            self.set_status("Closing once the rows being saved are in the store…")
            return
        close_or_ask(
            self, self.has_typed_work(), lambda: self.dismiss(None), what="the rows not saved"
        )

    def _maybe_close(self) -> None:
        if self._close_when_saved and not self.grid.count(RowState.SAVING):
            self._close_when_saved = False
            self.action_close()

    def draft_state(self) -> dict[str, Any]:
        return {"sheet_id": self.sheet_id, "grid": self.grid.draft()}

    def restore_draft(self, state: dict[str, Any]) -> None:
        grid_state = state.get("grid")
        if not isinstance(grid_state, dict):
            return
        sheet_id = state.get("sheet_id")
        if isinstance(sheet_id, str):
            self.sheet_id = sheet_id
        for row_id, cells in self.grid.restore(grid_state):
            self._submit(row_id, cells)

    def hide_for_lock(self) -> None:
        """Blank the grid while locked: the unsaved rows are in the encrypted lock draft."""
        self._saves.clear()
        self._close_when_saved = False
        self.grid.clear_all()
        self.query_one("#sheet", Static).update("")
