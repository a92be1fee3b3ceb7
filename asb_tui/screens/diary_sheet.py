"""Diary sheet rapid entry: transcribe a returned paper sheet one row at a time.

The entry row is a line of inputs (date, time, what happened, who, effect, police y/n, police
reference). Enter saves the row at once through the unit of work (fast: a single small
transaction, so it is done before the next key is read) and opens a new row with the same date;
ctrl+d copies the previous row. An invalid field is marked and focused; nothing typed is lost.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Static

from asb_tui.domain.dates import format_uk
from asb_tui.store import diary
from asb_tui.store.errors import StoreError
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.field_screen import FieldworkScreen
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.prompt import FormPrompt, PromptField

# (input id, column heading, width in cells; 0 = takes the rest)
ENTRY_FIELDS = (
    ("entry-date", "Date", 11),
    ("entry-time", "Time", 6),
    ("entry-what", "What happened", 0),
    ("entry-who", "Who", 12),
    ("entry-impact", "Effect on them", 12),
    ("entry-police", "Pol", 4),
    ("entry-ref", "Police ref", 10),
)
_YES = {"y", "yes"}
_NO = {"", "n", "no"}


class DiarySheetScreen(FieldworkScreen):
    """Diary sheets of one case: sent, returned, and rapid transcription of entries."""

    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+d", "duplicate", "Copy last row", id="diary.duplicate", priority=True),
        Binding("ctrl+n", "sheets_sent", "Sheets sent", id="diary.sent", priority=True),
        Binding("ctrl+r", "sheet_returned", "Returned", id="diary.returned", priority=True),
        Binding("ctrl+o", "other_sheet", "Other sheet", id="diary.other", priority=True),
    ]
    DEFAULT_CSS = """
    DiarySheetScreen #sheet { height: 1; padding: 0 1; }
    DiarySheetScreen #saved { height: 1fr; }
    DiarySheetScreen #headings, DiarySheetScreen #entry { height: 1; }
    DiarySheetScreen #headings Static, DiarySheetScreen #entry Input { margin-right: 1; }
    DiarySheetScreen #entry Input.-invalid { background: $error 40%; }
    DiarySheetScreen #entry Input:focus { background: $accent 30%; }
    """

    def __init__(self, case_id: str, sheet_id: str | None = None) -> None:
        super().__init__(case_id)
        self.sheet_id = sheet_id
        self.sheets: list[diary.DiarySheetSummary] = []
        self.saved_ids: list[str] = []
        self._last_row: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Diary sheet entry", classes="title")
        yield Static("", id="sheet")
        table: DataTable[object] = DataTable(id="saved", cursor_type="none", zebra_stripes=True)
        table.can_focus = False
        yield table
        with Horizontal(id="headings"):
            for field_id, heading, width in ENTRY_FIELDS:
                label = Static(heading, id=f"h-{field_id}")
                label.styles.width = width or "1fr"
                yield label
        with Horizontal(id="entry"):
            for field_id, _heading, width in ENTRY_FIELDS:
                field: Input = (
                    DateField(today=self.today, required=True, id=field_id, placeholder="")
                    if field_id == "entry-date"
                    else Input(id=field_id)
                )
                field.compact = True
                field.styles.width = width or "1fr"
                yield field
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#saved", DataTable)
        table.add_columns("Date", "Time", "What happened", "Who", "Effect", "Police")
        self._load_sheets()
        self.query_one("#entry-date", Input).focus()

    # -- sheets -------------------------------------------------------------------------------

    def _load_sheets(self) -> None:
        try:
            self.sheets = diary.diary_sheets(self.store, self.case_id)
        except StoreError as exc:
            self.set_status(str(exc), error=True)
            return
        ids = [summary.sheet.id for summary in self.sheets]
        if self.sheet_id not in ids:
            self.sheet_id = ids[-1] if ids else None
        self._show_sheet()

    def _current(self) -> diary.DiarySheetSummary | None:
        return next((s for s in self.sheets if s.sheet.id == self.sheet_id), None)

    def _show_sheet(self) -> None:
        summary = self._current()
        table = self.query_one("#saved", DataTable)
        table.clear()
        self.saved_ids = []
        if summary is None:
            self.query_one("#sheet", Static).update("No diary sheets recorded for this case.")
            self.set_status("Record the sheets sent with ctrl+n before typing entries.")
            return
        sheet = summary.sheet
        parts = [f"Sheet {self._position()} of {len(self.sheets)}"]
        parts.append(f"sent {format_uk(sheet.sent_on)}" if sheet.sent_on else "not sent")
        if sheet.letter_sent_on:
            parts.append(f"letter {format_uk(sheet.letter_sent_on)}")
        parts.append(
            f"returned {format_uk(sheet.returned_on)}" if sheet.returned_on else "not back"
        )
        self.query_one("#sheet", Static).update(literal(" · ".join(parts)))
        for incident in diary.sheet_entries(self.store, sheet.id):
            self._add_table_row(incident)

    def _position(self) -> int:
        ids = [s.sheet.id for s in self.sheets]
        return ids.index(self.sheet_id) + 1 if self.sheet_id in ids else 0

    def _add_table_row(self, incident) -> None:
        police = ("yes " + incident.police_ref).strip() if incident.reported_to_police else "no"
        self.query_one("#saved", DataTable).add_row(
            literal_text(format_uk(incident.occurred_on)),
            literal_text(incident.occurred_time),
            literal_text(incident.description),
            literal_text(incident.who_involved),
            literal_text(incident.impact),
            literal_text(police),
            key=incident.id,
        )
        self.saved_ids.append(incident.id)
        self.query_one("#saved", DataTable).scroll_end(animate=False)

    def action_sheets_sent(self) -> None:
        fields = [
            PromptField("sent", "Diary sheets sent on", self.today, "date", required=True),
            PromptField(
                "letter", "Explanatory letter sent on (blank if not sent)", self.today, "date"
            ),
        ]

        def record(values) -> None:
            if values is None:
                return
            try:
                sheet = diary.record_sheets_sent(
                    self.store,
                    self.case_id,
                    sent_on=values["sent"],
                    letter_sent_on=values["letter"],
                )
            except StoreError as exc:
                self.set_status(str(exc), error=True)
                return
            self.sheet_id = sheet.id
            self._load_sheets()
            self.set_status("Sheets sent recorded.")
            self.query_one("#entry-date", Input).focus()

        self.app.push_screen(FormPrompt("Diary sheets sent", fields, today=self.today), record)

    def action_sheet_returned(self) -> None:
        if self.sheet_id is None:
            self.set_status("There is no sheet to mark as returned.", error=True)
            return
        sheet_id = self.sheet_id
        fields = [PromptField("returned", "Sheet returned on", self.today, "date", required=True)]

        def record(values) -> None:
            if values is None:
                return
            try:
                diary.record_sheet_returned(self.store, sheet_id, values["returned"])
            except StoreError as exc:
                self.set_status(str(exc), error=True)
                return
            self._load_sheets()
            self.set_status("Return recorded.")

        self.app.push_screen(FormPrompt("Diary sheet returned", fields, today=self.today), record)

    def action_other_sheet(self) -> None:
        if len(self.sheets) < 2:
            self.set_status("This case has only one diary sheet.")
            return
        ids = [s.sheet.id for s in self.sheets]
        self.sheet_id = ids[(ids.index(self.sheet_id) + 1) % len(ids)] if self.sheet_id else ids[0]
        self._show_sheet()

    # -- the entry row ------------------------------------------------------------------------

    def _field(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _row_text(self) -> dict[str, str]:
        return {field_id: self._field(field_id).value for field_id, _h, _w in ENTRY_FIELDS}

    def _focus_field(self, field_id: str) -> None:
        """Focus with the text selected, so typing replaces it (the field may be focused
        already, in which case focusing alone would not select)."""
        field = self._field(field_id)
        field.focus()
        field.select_all()

    def _invalid(self, field_id: str, message: str) -> None:
        self._field(field_id).add_class("-invalid")
        self._focus_field(field_id)
        self.set_status(message, error=True)

    def _parse_row(self) -> diary.DiaryEntry | None:
        for field_id, _h, _w in ENTRY_FIELDS:
            self._field(field_id).remove_class("-invalid")
        date_field = self.query_one("#entry-date", DateField)
        occurred_on = date_field.parse()
        if occurred_on is None:
            self._invalid("entry-date", date_field.error or "A date is needed here.")
            return None
        if occurred_on > self.today:
            self._invalid("entry-date", "That date is in the future.")
            return None
        try:
            diary.parse_entry_time(self._field("entry-time").value)
        except StoreError as exc:
            self._invalid("entry-time", str(exc))
            return None
        what = self._field("entry-what").value
        if not what.strip():
            self._invalid("entry-what", "Say what happened.")
            return None
        police = self._field("entry-police").value.strip().lower()
        if police not in _YES | _NO:
            self._invalid("entry-police", "Reported to police: type y or n.")
            return None
        return diary.DiaryEntry(
            occurred_on=occurred_on,
            description=what,
            occurred_time=self._field("entry-time").value,
            who_involved=self._field("entry-who").value,
            impact=self._field("entry-impact").value,
            reported_to_police=police in _YES,
            police_ref=self._field("entry-ref").value,
        )

    @on(Input.Submitted, "#entry Input")
    def save_row(self, event: Input.Submitted) -> None:
        event.stop()
        if self.sheet_id is None:
            self.set_status("Record the sheets sent with ctrl+n first.", error=True)
            return
        entry = self._parse_row()
        if entry is None:
            return
        typed = self._row_text()
        try:
            incident = diary.add_diary_entry(self.store, self.sheet_id, entry, typed_on=self.today)
        except StoreError as exc:
            self.set_status(str(exc), error=True)  # the row stays as typed
            return
        self._add_table_row(incident)
        self._last_row = typed
        self._new_row(format_uk(entry.occurred_on))
        self.set_status(f"Saved entry {len(self.saved_ids)}.")

    def _new_row(self, date_text: str) -> None:
        for field_id, _h, _w in ENTRY_FIELDS:
            self._field(field_id).value = date_text if field_id == "entry-date" else ""
        self._focus_field("entry-date")

    def action_duplicate(self) -> None:
        if self._last_row is None:
            self.set_status("No row saved yet to copy.", error=True)
            return
        for field_id, value in self._last_row.items():
            self._field(field_id).value = value
        self._focus_field("entry-time")
        self.set_status("Copied the last row: change what differs and press Enter.")
