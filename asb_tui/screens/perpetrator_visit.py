"""A visit to the alleged perpetrator: possible only while the victim's agreement stands (the
store refuses otherwise, whatever the screen shows). Records the outcome, a denial, or a
counter-allegation (which flags the case and is linked to the visit)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import WorkDone, WorkFailed
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import visits
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal
from asb_tui.widgets.prompt import FormPrompt, PromptField
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


def _done(_written: object, status: str) -> str:
    return status


class AgreementOnRecord(WorkDone[date]):
    """The victim's agreement to the visit is on record for this day."""


class VisitSaved(WorkDone["tuple[str, date, bool]"]):
    """The visit is saved: its id, its day, and whether it flagged a counter-allegation."""


class AgreementChanged(WorkDone[str]):
    """The victim's agreement is recorded or withdrawn: what the status line says."""


class PerpetratorVisitScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save visit", id="perpetrator.save", priority=True),
        Binding("ctrl+r", "agreed", "Victim agreed", id="perpetrator.agreed", priority=True),
        Binding(
            "ctrl+t", "withdrawn", "Agreement withdrawn", id="perpetrator.withdrawn", priority=True
        ),
    ]
    DEFAULT_CSS = """
    PerpetratorVisitScreen #agreement { padding: 0 1; height: auto; }
    PerpetratorVisitScreen #agreement.-refused { color: $error; text-style: bold; }
    PerpetratorVisitScreen TextArea { height: 4; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.saved_visit_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("Visit to the alleged perpetrator", classes="title")
        yield Static("Checking the victim's agreement…", id="agreement")
        with VerticalScroll():
            yield Label("Date of the visit")
            yield DateField(self.today(), today=self.today(), required=True, id="pv-date")
            yield Label("Who was present")
            yield Input(id="pv-present")
            yield Label("Outcome")
            yield TextArea(id="pv-outcome")
            yield Checkbox("They denied the allegations", id="pv-denial")
            yield Label("Counter-allegation (flags the case)")
            yield TextArea(id="pv-counter")
            yield Label("Exhibits that corroborate or contradict it (e.g. GD/1, GD/3)")
            yield Input(id="pv-exhibits")
            yield Label("Notes")
            yield TextArea(id="pv-notes")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._check_agreement()
        self.query_one("#pv-date", DateField).focus()

    def _check_agreement(self) -> None:
        date_field = self.query_one("#pv-date", DateField)
        on, case_id = date_field.parse() or self.today(), self.case_id

        def check(store: Store) -> date:
            visits.check_perpetrator_visit(store, case_id, on)
            return on

        self.run_work(check, AgreementOnRecord, group="agreement", latest_only=True)

    @on(AgreementOnRecord)
    def _agreement_on_record(self, message: AgreementOnRecord) -> None:
        on = message.result
        self._show_agreement(f"The victim's agreement is on record ({format_uk(on)}).", True)

    @on(WorkFailed)
    def _refused(self, failure: WorkFailed) -> None:
        if failure.group == "agreement":
            failure.prevent_default()
            self._show_agreement(failure.text, False)
        elif failure.group == "visit-save":
            failure.prevent_default()
            self.set_status(f"Not saved: {failure.text}", error=True)

    def _show_agreement(self, message: str, ok: bool) -> None:
        agreement = self.query_one("#agreement", Static)
        agreement.update(literal(message))
        agreement.set_class(not ok, "-refused")

    def action_save(self) -> None:
        date_field = self.query_one("#pv-date", DateField)
        visited_on = date_field.parse()
        if visited_on is None:
            date_field.focus()
            self.set_status(date_field.error or "A date is needed.", error=True)
            return
        outcome = self.query_one("#pv-outcome", TextArea).text
        present = self.query_one("#pv-present", Input).value
        denial = self.query_one("#pv-denial", Checkbox).value
        counter = self.query_one("#pv-counter", TextArea).text
        notes = self.query_one("#pv-notes", TextArea).text
        cited = self.query_one("#pv-exhibits", Input).value.replace(",", " ").split()

        case_id = self.case_id

        def save(store: Store) -> tuple[str, date, bool]:
            visit = visits.record_perpetrator_visit(
                store,
                case_id,
                visited_on=visited_on,
                outcome=outcome,
                present=present,
                denial=denial,
                counter_allegation=counter,
                notes=notes,
                cited_exhibits=cited,
            )
            return visit.id, visited_on, bool(counter.strip())

        self.run_work(save, VisitSaved, group="visit-save")

    @on(VisitSaved)
    def _visit_saved(self, message: VisitSaved) -> None:
        self.saved_visit_id, visited_on, counter = message.result
        flagged = " The case is flagged for a counter-allegation." if counter else ""
        self.set_status(f"Visit of {format_uk(visited_on)} saved.{flagged}")
        self.mark_clean()  # Escape no longer asks about what is saved

    def action_agreed(self) -> None:
        fields = [
            PromptField("on", "The victim agreed on", self.today(), "date", required=True),
            PromptField("scope", "How (e.g. by phone, signed form)"),
        ]

        case_id = self.case_id

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: _done(
                    visits.record_perpetrator_visit_agreement(
                        store, case_id, values["on"], scope=values["scope"]
                    ),
                    "Agreement recorded.",
                ),
                AgreementChanged,
                group="save",
            )

        self.app.push_screen(FormPrompt("Victim's agreement", fields, today=self.today()), answered)

    def action_withdrawn(self) -> None:
        fields = [PromptField("on", "Agreement withdrawn on", self.today(), "date", required=True)]

        case_id = self.case_id

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: _done(
                    visits.withdraw_perpetrator_visit_agreement(store, case_id, values["on"]),
                    "Withdrawal recorded.",
                ),
                AgreementChanged,
                group="save",
            )

        self.app.push_screen(
            FormPrompt("Agreement withdrawn", fields, today=self.today()), answered
        )

    @on(AgreementChanged)
    def _agreement_changed(self, message: AgreementChanged) -> None:
        self.set_status(message.result)
        self._check_agreement()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # The agreement is checked for the visit's date: re-check when the date may have changed.
        if getattr(event.widget, "id", None) == "pv-date":
            self._check_agreement()
