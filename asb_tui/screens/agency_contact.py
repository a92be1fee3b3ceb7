"""Agency contacts: the police (crime reference or incident log number), the landlord, Children's
Services, Adult Social Care and the others configured; method, summary and follow-up date."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import contacts

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.steady_footer import SteadyFooter

METHODS = ("phone", "email", "secure email", "meeting", "letter", "visit", "portal")
REFERENCE_KINDS = ("crime reference", "incident log number", "their reference")


class ContactsRead(WorkDone[list[contacts.AgencyContactRow]]):
    """The case's agency contacts, newest first."""


class ContactSaved(WorkDone[tuple[str, date]]):
    """A contact is saved: (agency, date of contact)."""


class AgencyContactScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save contact", id="agency_contact.save", priority=True),
    ]
    DEFAULT_CSS = """
    AgencyContactScreen TextArea { height: 4; }
    AgencyContactScreen #contacts { height: 6; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Agency contact", classes="title")
        with VerticalScroll():
            yield Label("Agency")
            yield Select(
                [(literal(agency), agency) for agency in self.config.agencies],
                id="ac-agency",
                allow_blank=True,
                prompt="Choose the agency",
            )
            yield Label("Other agency (if not in the list)")
            yield Input(id="ac-other")
            yield Label("Person spoken to")
            yield Input(id="ac-name")
            yield Label("Kind of reference (police: crime reference or incident log number)")
            yield Select(
                [(kind, kind) for kind in REFERENCE_KINDS],
                id="ac-ref-kind",
                allow_blank=True,
                prompt="Choose",
            )
            yield Label("Reference")
            yield Input(id="ac-ref")
            yield Label("Method")
            yield Select(
                [(m, m) for m in METHODS], id="ac-method", value="phone", allow_blank=False
            )
            yield Label("Date of contact")
            yield DateField(self.today(), today=self.today(), required=True, id="ac-date")
            yield Label("Summary")
            yield TextArea(id="ac-summary")
            yield Label("Follow-up due (optional)")
            yield DateField(today=self.today(), id="ac-follow-up")
            yield Label("Contacts so far")
            table: DataTable[object] = DataTable(id="contacts", cursor_type="row")
            yield table
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#contacts", DataTable).add_columns(
            "Date", "Agency", "Reference", "Follow up"
        )
        self.query_one("#ac-agency", Select).focus()
        self._load()

    def _load(self) -> None:
        case_id = self.case_id
        self.run_work(
            lambda store: contacts.agency_contacts(store, case_id), ContactsRead, latest_only=True
        )

    @on(ContactsRead)
    def _show_contacts(self, message: ContactsRead) -> None:
        table = self.query_one("#contacts", DataTable)
        table.clear()
        for row in message.result:
            ref = f"{row.reference_kind} {row.reference}".strip()
            table.add_row(
                literal_text(format_uk(row.contacted_on)),
                literal_text(row.agency),
                literal_text(ref),
                literal_text(format_uk(row.follow_up_due) if row.follow_up_due else ""),
                key=row.id,
            )

    def _value(self, select_id: str) -> str:
        value = self.query_one(select_id, Select).value
        return "" if value is Select.NULL else str(value)

    def action_save(self) -> None:
        agency = self.query_one("#ac-other", Input).value or self._value("#ac-agency")
        if not agency.strip():
            self.query_one("#ac-agency", Select).focus()
            self.set_status("Choose the agency (or type another).", error=True)
            return
        dates = {}
        for field_id in ("ac-date", "ac-follow-up"):
            field = self.query_one(f"#{field_id}", DateField)
            dates[field_id] = field.parse()
            if field.error:
                field.focus()
                self.set_status(field.error, error=True)
                return
        values: dict[str, Any] = dict(
            agency=agency,
            contacted_on=dates["ac-date"],
            method=self._value("#ac-method"),
            summary=self.query_one("#ac-summary", TextArea).text,
            contact_name=self.query_one("#ac-name", Input).value,
            reference=self.query_one("#ac-ref", Input).value,
            reference_kind=self._value("#ac-ref-kind"),
            follow_up_due=dates["ac-follow-up"],
        )

        case_id = self.case_id

        def save(store: Store) -> tuple[str, date]:
            row = contacts.add_agency_contact(store, case_id, **values)
            return row.agency, row.contacted_on

        self.run_work(save, ContactSaved, group="save")

    @on(ContactSaved)
    def _contact_saved(self, message: ContactSaved) -> None:
        agency, contacted_on = message.result
        self.set_status(f"Contact with {agency} on {format_uk(contacted_on)} saved.")
        self.mark_clean()  # Escape no longer asks about what is saved
        for field_id in ("#ac-other", "#ac-name", "#ac-ref"):
            self.query_one(field_id, Input).value = ""
        self.query_one("#ac-summary", TextArea).text = ""
        self.query_one("#ac-follow-up", DateField).value = ""
        self._load()
