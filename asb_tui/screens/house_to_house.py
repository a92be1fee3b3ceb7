"""House-to-house enquiries: create a run (area, date, addresses one per line), then work the
run sheet with one key per outcome; "information given" asks for a witness or intelligence.

The run sheet (widgets/run_sheet.py) owns its keys, so outcomes typed ahead land on the doors they
were meant for; each outcome is saved in order by one worker while the officer carries on. Until
the case's runs have loaded, keys are held and then handed over in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Input, Label, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import DoorOutcome
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import house_to_house
from asb_tui.store.commands.visits import Witness
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.literal import literal
from asb_tui.widgets.run_sheet import OUTCOME_KEYS, OUTCOME_LABELS, RunSheet, door_views
from asb_tui.widgets.save_queue import OrderedSaves, Refused, Saved
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

__all__ = ["OUTCOME_KEYS", "OUTCOME_LABELS", "HouseToHouseScreen"]


@dataclass(frozen=True)
class DoorSave:
    door_id: str
    outcome: DoorOutcome
    note: str
    witness: Witness | None
    intelligence: str


def _save_door(store: Store, save: DoorSave) -> str:
    """Record a door's outcome; the door's address, for the status line."""
    door = house_to_house.record_door_outcome(
        store,
        save.door_id,
        save.outcome,
        note=save.note,
        witness=save.witness,
        intelligence=save.intelligence,
    )
    return door.address


class RunsRead(WorkDone["tuple[list[house_to_house.RunSheet], int | None]"]):
    """The case's runs, and where the sheet's cursor goes."""


class RunCreated(WorkDone[str]):
    """A run is created: its id."""


class DoorSaved(Saved[DoorSave, str]):
    """A door's outcome is in the store (the door's address)."""


class DoorRefused(Refused[DoorSave]):
    """A door's outcome was not recorded: the door shows why."""


class HouseToHouseScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        # The run sheet takes these keys itself, in order; the bindings put them in the footer
        # and the palette.
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
    AUTO_FOCUS = ""  # nothing until the runs are loaded: keys typed meanwhile are held
    holds_keys_until_focus = True

    def __init__(self, case_id: str, run_id: str | None = None) -> None:
        super().__init__(case_id)
        self.run_id = run_id
        self._restored_form: dict[str, Any] | None = None
        self.sheets: list[house_to_house.RunSheet] = []
        self.doors = RunSheet(id="doors")
        self._close_when_saved = False
        self._saves: OrderedSaves[DoorSave, str] = OrderedSaves(
            self,
            _save_door,
            store=lambda: self.asb.store,
            saved=DoorSaved,
            refused=DoorRefused,
        )

    def compose(self) -> ComposeResult:
        yield Static("House-to-house enquiries", classes="title")
        with ContentSwitcher(initial="form-view", id="views"):
            with VerticalScroll(id="form-view"):
                yield Label("Area")
                yield Input(id="h2h-area")
                yield Label("Date of the run")
                yield DateField(self.today(), today=self.today(), required=True, id="h2h-date")
                yield Label("Addresses, one per line (paste them; blanks and repeats are dropped)")
                yield TextArea(id="h2h-addresses", soft_wrap=False)
                yield Static("ctrl+s creates the run", classes="hint")
            with Vertical(id="sheet-view"):
                yield Static("", id="run-title")
                yield Static("", id="progress")
                yield self.doors
                yield Static("", id="call-backs")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._reload()

    @property
    def showing_sheet(self) -> bool:
        return self.query_one("#views", ContentSwitcher).current == "sheet-view"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        if action in {"outcome", "note", "other_run"}:
            return self.showing_sheet and self.doors.form is None
        if action == "create_run":
            return not self.showing_sheet
        if action == "new_run":
            return self.doors.form is None
        return allowed

    # -- loading ------------------------------------------------------------------------------

    def _reload(self, *, cursor: int | None = None) -> None:
        case_id = self.case_id
        self.run_work(
            lambda store: (house_to_house.runs_for_case(store, case_id), cursor),
            RunsRead,
            group="runs",
            latest_only=True,
        )

    @on(RunsRead)
    def _runs_read(self, message: RunsRead) -> None:
        sheets, cursor = message.result
        self.sheets = sheets
        ids = [s.run.id for s in sheets]
        if self.run_id not in ids:
            self.run_id = ids[0] if ids else None
        if self.run_id is None:
            self._show_form()
        else:
            self._show_sheet(cursor)

    def reload(self) -> None:
        """After unlock: the runs again, and the saves that waited."""
        self._reload()
        self._saves.resume()

    def _current(self) -> house_to_house.RunSheet | None:
        return next((s for s in self.sheets if s.run.id == self.run_id), None)

    def _show_form(self) -> None:
        self.query_one("#views", ContentSwitcher).current = "form-view"
        self.refresh_bindings()
        self.query_one("#h2h-area", Input).focus()

    def _show_sheet(self, cursor: int | None) -> None:
        sheet = self._current()
        if sheet is None:
            return
        self.query_one("#views", ContentSwitcher).current = "sheet-view"
        self.refresh_bindings()
        self.query_one("#run-title", Static).update(
            literal(f"{sheet.run.area} · {format_uk(sheet.run.run_on)}")
        )
        self.doors.load(door_views(sheet.doors), cursor=cursor)
        self._apply_restored_form()
        self._show_progress()
        self.doors.focus()

    def _show_progress(self) -> None:
        doors = self.doors.doors
        counts = " · ".join(
            f"{OUTCOME_LABELS[o]} {n}"
            for o in DoorOutcome
            if (n := sum(1 for d in doors if d.outcome is o))
        )
        done = sum(1 for door in doors if door.outcome is not None)
        self.query_one("#progress", Static).update(
            literal(f"Done {done} / {len(doors)}" + (f" · {counts}" if counts else ""))
        )
        call_backs = "; ".join(d.address for d in doors if d.outcome is DoorOutcome.CALL_BACK)
        self.query_one("#call-backs", Static).update(
            literal(f"Call back: {call_backs}" if call_backs else "No call-backs.")
        )

    # -- creating a run -----------------------------------------------------------------------

    def action_new_run(self) -> None:
        self.query_one("#h2h-area", Input).value = ""
        self.query_one("#h2h-addresses", TextArea).text = ""
        self.mark_clean()
        self._show_form()

    def action_create_run(self) -> None:
        self.after_typed_keys(self._create_run)

    def _create_run(self) -> None:
        date_field = self.query_one("#h2h-date", DateField)
        run_on = date_field.parse()
        if run_on is None:
            date_field.focus()
            self.set_status(date_field.error or "A date is needed.", error=True)
            return
        area = self.query_one("#h2h-area", Input).value
        addresses = self.query_one("#h2h-addresses", TextArea).text

        case_id = self.case_id
        self.run_work(
            lambda store: (
                house_to_house.create_run(
                    store, case_id, area=area, run_on=run_on, addresses=addresses
                ).id
            ),
            RunCreated,
            group="save",
        )

    @on(RunCreated)
    def _run_created(self, message: RunCreated) -> None:
        self.run_id = message.result
        self.set_status("Run created: 1-5 record each door's outcome.")
        self.mark_clean()  # the area and addresses are in the run now
        self._reload(cursor=0)

    def action_other_run(self) -> None:
        if len(self.sheets) < 2:
            self.set_status("This case has one run.")
            return
        ids = [s.run.id for s in self.sheets]
        self.run_id = ids[(ids.index(self.run_id) + 1) % len(ids)] if self.run_id else ids[0]
        self._reload(cursor=0)

    # -- outcomes: chosen on the sheet, saved in order -----------------------------------------

    def action_outcome(self, key: str) -> None:
        self.doors.choose(OUTCOME_KEYS[key])

    def action_note(self) -> None:
        self.doors.open_note()

    @on(RunSheet.OutcomeChosen)
    def _outcome_chosen(self, message: RunSheet.OutcomeChosen) -> None:
        message.stop()
        values = message.values
        name = values.get("name", "").strip()
        witness = Witness(values["name"], values.get("address", "")) if name else None
        self._saves.put(
            DoorSave(
                message.door_id,
                message.outcome,
                values.get("note", ""),
                witness,
                values.get("intelligence", ""),
            )
        )
        self._show_progress()

    @on(DoorSaved)
    def _door_saved(self, message: DoorSaved) -> None:
        save, address = message.item, message.result
        self.doors.mark_saved(save.door_id, save.outcome, save.note)
        self.set_status(f"Recorded: {OUTCOME_LABELS[save.outcome]} at {address}.")
        self._show_progress()
        self._maybe_close()

    @on(DoorRefused)
    def _door_refused(self, message: DoorRefused) -> None:
        self.doors.mark_refused(message.item.door_id, message.text)
        self.set_status(f"Not recorded: {message.text}", error=True)
        self._show_progress()
        self._maybe_close()

    @on(RunSheet.Notice)
    def _notice(self, message: RunSheet.Notice) -> None:
        message.stop()
        self.set_status(message.text, error=message.error)

    # -- leaving, and the lock ----------------------------------------------------------------

    def has_typed_work(self) -> bool:
        if self.showing_sheet:
            return self.doors.has_typed_work()
        return super().has_typed_work()

    def action_close(self) -> None:
        if self.doors.saving:
            self._close_when_saved = True
            self.set_status("Closing once the outcomes being saved are in the store…")
            return
        close_or_ask(self, self.has_typed_work(), lambda: self.dismiss(None))

    def _maybe_close(self) -> None:
        if self._close_when_saved and not self.doors.saving:
            self._close_when_saved = False
            self.action_close()

    def draft_state(self) -> dict[str, Any]:
        state = super().draft_state()
        state["run-sheet"] = self.doors.draft()
        return state

    def restore_draft(self, state: dict[str, Any]) -> None:
        super().restore_draft({k: v for k, v in state.items() if k != "run-sheet"})
        form = state.get("run-sheet")
        if isinstance(form, dict) and form:
            self._restored_form = form

    def _apply_restored_form(self) -> None:
        form = self._restored_form
        if form:
            self._restored_form = None
            self.doors.restore(form)

    def hide_for_lock(self) -> None:
        # Outcomes waiting to be saved stay queued (they wait for the unlock); what is on screen
        # is blanked, and a half-typed door form is in the encrypted lock draft.
        self._close_when_saved = False
        super().hide_for_lock()
        self.doors.clear_all()
