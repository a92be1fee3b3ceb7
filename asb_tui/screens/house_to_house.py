"""House-to-house enquiries: create a run (area, date, addresses one per line), then work the
run sheet with one key per outcome; "information given" asks for a witness or intelligence."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, Footer, Input, Label, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import DoorOutcome
from asb_tui.store import house_to_house
from asb_tui.store.visits import Witness
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.field_screen import FieldworkScreen
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.prompt import FormPrompt, PromptField

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
_SHEET_ACTIONS = {"outcome", "note", "new_run", "other_run"}


class HouseToHouseScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        *(
            Binding(key, f"outcome('{key}')", OUTCOME_LABELS[outcome], id=f"h2h.outcome{key}")
            for key, outcome in OUTCOME_KEYS.items()
        ),
        Binding("n", "note", "Note", id="h2h.note"),
        Binding("ctrl+n", "new_run", "New run", id="h2h.new", priority=True),
        Binding("ctrl+o", "other_run", "Other run", id="h2h.other", priority=True),
        Binding("ctrl+s", "create_run", "Create run", id="h2h.create", priority=True),
    ]
    DEFAULT_CSS = """
    HouseToHouseScreen #doors { height: 1fr; }
    HouseToHouseScreen #progress, HouseToHouseScreen #run-title { height: 1; padding: 0 1; }
    HouseToHouseScreen #call-backs { height: auto; max-height: 5; padding: 0 1; }
    HouseToHouseScreen #h2h-addresses { height: 8; }
    HouseToHouseScreen #sheet-view, HouseToHouseScreen #form-view { height: 1fr; }
    """

    def __init__(self, case_id: str, run_id: str | None = None) -> None:
        super().__init__(case_id)
        self.run_id = run_id
        self.sheets: list[house_to_house.RunSheet] = []

    def compose(self) -> ComposeResult:
        yield Static("House-to-house enquiries", classes="title")
        with ContentSwitcher(initial="form-view", id="views"):
            with VerticalScroll(id="form-view"):
                yield Label("Area")
                yield Input(id="h2h-area")
                yield Label("Date of the run")
                yield DateField(self.today, today=self.today, required=True, id="h2h-date")
                yield Label("Addresses, one per line (paste them; blanks and repeats are dropped)")
                yield TextArea(id="h2h-addresses", soft_wrap=False)
                yield Static("ctrl+s creates the run", classes="hint")
            with Vertical(id="sheet-view"):
                yield Static("", id="run-title")
                yield Static("", id="progress")
                table: DataTable[object] = DataTable(id="doors", cursor_type="row")
                yield table
                yield Static("", id="call-backs")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#doors", DataTable).add_columns("#", "Address", "Outcome", "Note")
        self._reload()

    @property
    def showing_sheet(self) -> bool:
        return self.query_one("#views", ContentSwitcher).current == "sheet-view"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"outcome", "note", "other_run"}:
            return self.showing_sheet
        if action == "create_run":
            return not self.showing_sheet
        return True

    # -- loading ------------------------------------------------------------------------------

    def _reload(self, *, cursor: int | None = None, advance: bool = True) -> None:
        def loaded(sheets: list[house_to_house.RunSheet]) -> None:
            self.sheets = sheets
            ids = [s.run.id for s in sheets]
            if self.run_id not in ids:
                self.run_id = ids[0] if ids else None
            if self.run_id is None:
                self._show_form()
            else:
                self._show_sheet(cursor, advance)

        self.run_store(lambda store: house_to_house.runs_for_case(store, self.case_id), loaded)

    def _current(self) -> house_to_house.RunSheet | None:
        return next((s for s in self.sheets if s.run.id == self.run_id), None)

    def _show_form(self) -> None:
        self.query_one("#views", ContentSwitcher).current = "form-view"
        self.refresh_bindings()
        self.query_one("#h2h-area", Input).focus()

    def _show_sheet(self, cursor: int | None, advance: bool = True) -> None:
        sheet = self._current()
        if sheet is None:
            return
        self.query_one("#views", ContentSwitcher).current = "sheet-view"
        self.refresh_bindings()
        self.query_one("#run-title", Static).update(
            literal(f"{sheet.run.area} · {format_uk(sheet.run.run_on)}")
        )
        counts = " · ".join(
            f"{OUTCOME_LABELS[o]} {sheet.count(o)}" for o in DoorOutcome if sheet.count(o)
        )
        self.query_one("#progress", Static).update(
            literal(f"Done {sheet.done} / {sheet.total}" + (f" · {counts}" if counts else ""))
        )
        table = self.query_one("#doors", DataTable)
        table.clear()
        for door in sheet.doors:
            outcome = OUTCOME_LABELS[DoorOutcome(door.outcome)] if door.outcome else ""
            table.add_row(
                literal_text(str(door.position)),
                literal_text(door.address),
                literal_text(outcome),
                literal_text(door.note),
                key=door.id,
            )
        call_backs = "; ".join(d.address for d in sheet.call_backs)
        self.query_one("#call-backs", Static).update(
            literal(f"Call back: {call_backs}" if call_backs else "No call-backs.")
        )
        if cursor is not None:
            table.move_cursor(row=self._next_open_row(sheet, cursor) if advance else cursor)
        table.focus()

    @staticmethod
    def _next_open_row(sheet: house_to_house.RunSheet, after: int) -> int:
        """The next door without an outcome after row `after` (else the row after it)."""
        for index in range(after + 1, len(sheet.doors)):
            if sheet.doors[index].outcome is None:
                return index
        return min(after + 1, len(sheet.doors) - 1)

    # -- creating a run -----------------------------------------------------------------------

    def action_new_run(self) -> None:
        self.query_one("#h2h-area", Input).value = ""
        self.query_one("#h2h-addresses", TextArea).text = ""
        self._show_form()

    def action_create_run(self) -> None:
        date_field = self.query_one("#h2h-date", DateField)
        run_on = date_field.parse()
        if run_on is None:
            date_field.focus()
            self.set_status(date_field.error or "A date is needed.", error=True)
            return
        area = self.query_one("#h2h-area", Input).value
        addresses = self.query_one("#h2h-addresses", TextArea).text

        def created(run) -> None:
            self.run_id = run.id
            self.set_status("Run created: 1-5 record each door's outcome.")
            self._reload(cursor=-1)

        self.run_store(
            lambda store: house_to_house.create_run(
                store, self.case_id, area=area, run_on=run_on, addresses=addresses
            ),
            created,
        )

    def action_other_run(self) -> None:
        if len(self.sheets) < 2:
            self.set_status("This case has one run.")
            return
        ids = [s.run.id for s in self.sheets]
        self.run_id = ids[(ids.index(self.run_id) + 1) % len(ids)] if self.run_id else ids[0]
        self._show_sheet(0, advance=False)

    # -- outcomes -----------------------------------------------------------------------------

    def _cursor_door(self):
        sheet = self._current()
        table = self.query_one("#doors", DataTable)
        if sheet is None or not sheet.doors:
            return None, -1
        row = table.cursor_row
        return sheet.doors[row], row

    def action_outcome(self, key: str) -> None:
        door, row = self._cursor_door()
        if door is None:
            return
        outcome = OUTCOME_KEYS[key]
        if outcome is DoorOutcome.INFORMATION_GIVEN:
            self._ask_information(door, row)
            return
        self._record(door.id, row, outcome, note=door.note)

    def _record(
        self, door_id: str, row: int, outcome: DoorOutcome, *, advance: bool = True, **extra
    ) -> None:
        def done(_door) -> None:
            self.set_status(f"Recorded: {OUTCOME_LABELS[outcome]}.")
            self._reload(cursor=row, advance=advance)

        self.run_store(
            lambda store: house_to_house.record_door_outcome(store, door_id, outcome, **extra), done
        )

    def _ask_information(self, door, row: int) -> None:
        fields = [
            PromptField("name", "Witness's name (blank: no witness, intelligence only)"),
            PromptField("address", "Witness's address", door.address),
            PromptField("intelligence", "What they said (kept as an intelligence note)"),
            PromptField("note", "Note for the run sheet", door.note),
        ]

        def answered(values) -> None:
            if values is None:
                self.set_status("Nothing recorded for that door.")
                return
            if not values["name"].strip() and not values["intelligence"].strip():
                self.set_status("Give a witness's name or what they said.", error=True)
                return
            witness = Witness(values["name"], values["address"]) if values["name"].strip() else None
            self._record(
                door.id,
                row,
                DoorOutcome.INFORMATION_GIVEN,
                note=values["note"],
                witness=witness,
                intelligence=values["intelligence"],
            )

        self.app.push_screen(
            FormPrompt(f"Information given at {door.address}", fields, today=self.today), answered
        )

    def action_note(self) -> None:
        door, row = self._cursor_door()
        if door is None:
            return
        if door.outcome is None:
            self.set_status("Record the outcome first (1-5), then the note.", error=True)
            return
        outcome = DoorOutcome(door.outcome)

        def answered(values) -> None:
            if values is not None:
                self._record(door.id, row, outcome, advance=False, note=values["note"])

        self.app.push_screen(
            FormPrompt(
                f"Note for {door.address}",
                [PromptField("note", "Note", door.note)],
                today=self.today,
            ),
            answered,
        )
