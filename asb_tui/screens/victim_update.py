"""Victim updates: log an update (means, summary, whether they feel safer); the next one is due
under the agreed contact frequency, shown as soon as the update is saved."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea

from asb_tui.domain.contact import parse_contact_frequency
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import contacts
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

FEELS_SAFER = ("yes", "a little", "no change", "less safe", "not asked")


class ScheduleRead(WorkDone[contacts.UpdateSchedule]):
    """The contact agreement, the updates so far and the next due date."""


class UpdateSaved(WorkDone["tuple[date, date | None]"]):
    """An update is saved: its day, and when the next is due."""


class VictimUpdateScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save update", id="victim_update.save", priority=True),
    ]
    DEFAULT_CSS = """
    VictimUpdateScreen TextArea { height: 4; }
    VictimUpdateScreen #agreement, VictimUpdateScreen #next-due { padding: 0 1; height: auto; }
    VictimUpdateScreen #updates { height: 6; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Victim update", classes="title")
        yield Static("", id="agreement")
        yield Static("", id="next-due")
        with VerticalScroll():
            yield Label("Date of the update")
            yield DateField(self.today(), today=self.today(), required=True, id="vu-date")
            yield Label("Means (phone, email, visit, letter)")
            yield Input(id="vu-means")
            yield Label("What they were told (progress, plans)")
            yield TextArea(id="vu-summary")
            yield Label("Do they feel safer?")
            yield Select(
                [(f, f) for f in FEELS_SAFER], id="vu-safer", value="not asked", allow_blank=False
            )
            yield Label("Updates so far")
            table: DataTable[object] = DataTable(id="updates", cursor_type="row")
            yield table
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#updates", DataTable).add_columns("Date", "Means", "Feels safer", "Summary")
        self.query_one("#vu-date", DateField).focus()
        self._load()

    def _load(self) -> None:
        closures, case_id = self.closures, self.case_id
        self.run_work(
            lambda store: contacts.update_schedule(store, case_id, closures),
            ScheduleRead,
            group="schedule",
            latest_only=True,
        )

    @on(ScheduleRead)
    def _schedule_read(self, message: ScheduleRead) -> None:
        self._show(message.result)

    def _show(self, schedule: contacts.UpdateSchedule) -> None:
        agreement = schedule.agreement
        if agreement is None:
            text = "No contact agreement recorded (it is made at the home visit)."
        else:
            try:
                how_often = parse_contact_frequency(agreement.frequency).describe()
            except DomainError:
                how_often = agreement.frequency
            messages = "messages may be left" if agreement.may_leave_messages else "no messages"
            text = (
                f"Agreed {format_uk(agreement.agreed_on)}: {how_often}, by {agreement.means or '-'}"
                f"; safe times: {agreement.safe_times or '-'}; {messages}."
            )
            means = self.query_one("#vu-means", Input)
            if not means.value:
                means.value = agreement.means
        self.query_one("#agreement", Static).update(literal(text))
        self._show_next_due(schedule.next_due)
        table = self.query_one("#updates", DataTable)
        table.clear()
        for update in schedule.updates:
            table.add_row(
                literal_text(format_uk(update.updated_on)),
                literal_text(update.means),
                literal_text(update.feels_safer),
                literal_text(update.summary),
                key=update.id,
            )

    def _show_next_due(self, next_due: date | None) -> None:
        text = f"Next update due {format_uk(next_due)}." if next_due else "No update deadline."
        self.query_one("#next-due", Static).update(literal(text))

    def action_save(self) -> None:
        date_field = self.query_one("#vu-date", DateField)
        updated_on = date_field.parse()
        if updated_on is None:
            date_field.focus()
            self.set_status(date_field.error or "A date is needed.", error=True)
            return
        means = self.query_one("#vu-means", Input).value
        summary = self.query_one("#vu-summary", TextArea).text
        safer = str(self.query_one("#vu-safer", Select).value)
        closures, case_id = self.closures, self.case_id

        def save(store: Store) -> tuple[date, date | None]:
            logged = contacts.log_victim_update(
                store,
                case_id,
                updated_on=updated_on,
                means=means,
                summary=summary,
                feels_safer=safer,
                closures=closures,
            )
            return updated_on, logged.next_due

        self.run_work(save, UpdateSaved, group="save")

    @on(UpdateSaved)
    def _update_saved(self, message: UpdateSaved) -> None:
        updated_on, next_due = message.result
        due = f" Next update due {format_uk(next_due)}." if next_due else ""
        self.set_status(f"Update of {format_uk(updated_on)} saved.{due}")
        self.mark_clean()  # Escape no longer asks about what is saved
        self.query_one("#vu-summary", TextArea).text = ""
        self._load()
