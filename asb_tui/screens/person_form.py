"""Add a person to a case, in a role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import PartyRole
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

ROLES = [
    ("Victim", PartyRole.VICTIM.value),
    ("Alleged perpetrator", PartyRole.ALLEGED_PERPETRATOR.value),
    ("Witness", PartyRole.WITNESS.value),
    ("Other", PartyRole.OTHER.value),
]


class PersonFormScreen(FormScreen):
    title_text = "Add a person"

    def form_fields(self) -> ComposeResult:
        yield Label("Name", classes="field-label")
        yield Input(id="name")
        yield Label("Role in the case", classes="field-label")
        yield Select(ROLES, prompt="Choose a role", id="role")
        yield Label("Address", classes="field-label")
        yield Input(id="address")
        yield Label("Phone", classes="field-label")
        yield Input(id="phone")
        yield Label("Email", classes="field-label")
        yield Input(id="email")
        yield Label("Language (if not English)", classes="field-label")
        yield Input(id="language")
        yield Label("Date of birth", classes="field-label")
        yield DateField(today=self.today(), id="date-of-birth", placeholder="dd/mm/yyyy")
        yield Label("Vulnerabilities", classes="field-label")
        yield Input(id="vulnerabilities")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import add_person

        values = {
            field: self.query_one(f"#{field}", Input).value
            for field in ("name", "address", "phone", "email", "language", "vulnerabilities")
        }
        role = self.query_one("#role", Select).value
        born_field = self.query_one("#date-of-birth", DateField)
        born = born_field.parse()
        if not values["name"].strip():
            self.show_error("A person needs a name.")
            return
        if role is NO_SELECTION:
            self.show_error("Choose the person's role in the case.")
            return
        if born_field.error:
            self.show_error(born_field.error)
            return
        case_id = self.case_id or ""
        name = values.pop("name")

        def job(store: Store) -> str:
            add_person(store, case_id, name=name, role=str(role), date_of_birth=born, **values)
            return "Person added."

        self.save_work(job, SavedThenClose)
