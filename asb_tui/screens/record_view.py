"""One saved record in full: every field, with what hangs off it (a home visit's witnesses, a
remedy's stages, a run's doors). Where the record may be corrected (a completed visit, a legal
remedy) the correctable fields follow, filled with what is stored; ctrl+s saves the corrections
(audited like every edit). Records kept as written (contacts, updates, notes) are shown only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Static

from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands.corrections import correctable
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.queries.case_queries import RecordView

FIELD_PREFIX = "fix-"


class RecordRead(WorkDone["RecordView | None"]):
    """The record in full (None: it is no longer on this laptop)."""


class RecordCorrected(WorkDone[int]):
    """Fields of the record are corrected: how many."""


class RecordScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save corrections", id="record.save", priority=True),
        Binding("ctrl+n", "new_visit", "New home visit", id="record.new-visit", priority=True),
    ]
    DEFAULT_CSS = """
    RecordScreen #record-body { height: auto; padding: 0 1; }
    RecordScreen #record-fix-title { margin: 1 0 0 0; text-style: bold; color: $accent; }
    """

    def __init__(self, case_id: str, table: str, row_id: str) -> None:
        super().__init__(case_id)
        self.table = table
        self.row_id = row_id
        self.view: Any = None

    def compose(self) -> ComposeResult:
        yield Static("Record", classes="title", id="record-title")
        with VerticalScroll():
            yield Static("Loading…", id="record-body")
            fields = correctable(self.table)
            if fields:
                yield Static("Correct what was recorded (ctrl+s saves)", id="record-fix-title")
                for field in fields:
                    yield Label(field.label)
                    # Focus keeps the stored text and puts the cursor at its end: a
                    # correction adds to what is there unless the officer clears it.
                    yield Input(
                        id=f"{FIELD_PREFIX}{field.column}", disabled=True, select_on_focus=False
                    )
        yield Static("", id="status")
        yield SteadyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save" and not (self.view is not None and self.view.typed):
            return None
        if action == "new_visit" and self.table != "visit":
            return False
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        from asb_tui.store.queries.screen_reads import read_record_view

        case_id, table, row_id = self.case_id, self.table, self.row_id
        self.run_work(
            lambda store: read_record_view(store, case_id, table, row_id),
            RecordRead,
            group="record",
            latest_only=True,
        )

    @on(RecordRead)
    def _record_read(self, message: RecordRead) -> None:
        self._show(message.result)

    def _show(self, view: RecordView | None) -> None:
        if view is None:
            self.set_status("That record is no longer on this laptop.", error=True)
            return
        self.view = view
        self.query_one("#record-title", Static).update(literal(view.title))
        body = Text()
        width = max((len(label) for label, _value in view.lines), default=0) + 2
        for label, value in view.lines:
            body.append(f"{label:<{width}}", style="bold")
            body.append_text(literal_text(value))
            body.append("\n")
        self.query_one("#record-body", Static).update(body)
        first = None
        for column, typed in view.typed:
            field = self.query_one(f"#{FIELD_PREFIX}{column}", Input)
            field.value = typed
            field.cursor_position = len(typed)
            field.disabled = False
            first = first or field
        if not view.typed and correctable(self.table):
            self.set_status("A draft visit is carried on from the home visit screen (v).")
        if first is not None:
            first.focus()
        self.mark_clean()
        self.refresh_bindings()

    def action_new_visit(self) -> None:
        """A further home visit (the one shown stays as it is)."""
        from asb_tui.screens.home_visit import HomeVisitScreen

        self.app.push_screen(HomeVisitScreen(self.case_id), lambda _result: self._load())

    def draft_key(self) -> str:
        return f"record:{self.table}:{self.row_id}"

    def action_save(self) -> None:
        self.after_typed_keys(self._save)

    def _save(self) -> None:
        from asb_tui.store.commands.corrections import correct_record

        if self.view is None:
            return
        stored = dict(self.view.typed)
        typed = {
            column: self.query_one(f"#{FIELD_PREFIX}{column}", Input).value for column in stored
        }
        changed = {column: text for column, text in typed.items() if text != stored[column]}
        if not changed:
            self.set_status("Nothing was changed.")
            return
        case_id, table, row_id, today = self.case_id, self.table, self.row_id, self.today()

        self.run_work(
            lambda store: correct_record(store, case_id, table, row_id, changed, today),
            RecordCorrected,
            group="save",
        )

    @on(RecordCorrected)
    def _record_corrected(self, message: RecordCorrected) -> None:
        count = message.result
        self.mark_clean()
        self.set_status(f"Corrected {count} field{'s' if count != 1 else ''}.")
        self._load()
