"""Add a person to a case, in a role."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.errors import DomainError
from asb_tui.domain.places import normalise_postcode
from asb_tui.domain.types import PartyRole
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose, WorkDone
from asb_tui.screens.person_match import PersonMatchScreen
from asb_tui.store.queries.people import MatchCandidate
from asb_tui.store.queries.screen_reads import read_person_matches
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

ROLES = [
    ("Victim", PartyRole.VICTIM.value),
    ("Alleged perpetrator", PartyRole.ALLEGED_PERPETRATOR.value),
    ("Witness", PartyRole.WITNESS.value),
    ("Other", PartyRole.OTHER.value),
]


class MatchesFound(WorkDone[list[MatchCandidate]]):
    """The people already known who may be the one being added."""


class PersonFormScreen(FormScreen):
    title_text = "Add a person"
    _pending: tuple[dict[str, str], str, date | None] | None = None

    def form_fields(self) -> ComposeResult:
        yield Label("Name", classes="field-label")
        yield Input(id="name")
        yield Label("Role in the case", classes="field-label")
        yield Select(ROLES, prompt="Choose a role", id="role")
        yield Label("Address (house and street)", classes="field-label")
        yield Input(id="address")
        yield Label("Town", classes="field-label")
        yield Input(id="town")
        yield Label("Postcode", classes="field-label")
        yield Input(id="postcode", placeholder="e.g. LS8 2QT")
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
        values = {
            field: self.query_one(f"#{field}", Input).value
            for field in (
                "name",
                "address",
                "town",
                "postcode",
                "phone",
                "email",
                "language",
                "vulnerabilities",
            )
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
        try:
            normalise_postcode(values["postcode"])
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self._pending = (values, str(role), born)
        name, postcode, line1 = values["name"], values["postcode"], values["address"]
        self.run_work(
            lambda store: read_person_matches(
                store, name=name, date_of_birth=born, line1=line1, postcode=postcode
            ),
            MatchesFound,
            group="matches",
            latest_only=True,
        )

    @on(MatchesFound)
    def _matches_found(self, message: MatchesFound) -> None:
        if self._pending is None:
            return
        values = self._pending[0]
        candidates = [c for c in message.result if self.case_id not in {x.case_id for x in c.cases}]
        if not candidates:
            self._save_person(None, ())
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                return  # back to the form, nothing lost
            rejected = tuple(c.identity_id for c in candidates if c.identity_id != choice)
            self._save_person(choice or None, rejected)

        self.app.push_screen(PersonMatchScreen(values["name"], candidates), chosen)

    def _save_person(self, same_as: str | None, rejected: tuple[str, ...]) -> None:
        from asb_tui.store.commands.people import AddressInput, add_person_to_case

        assert self._pending is not None
        values, role, born = self._pending
        case_id = self.case_id or ""
        areas = self.asb.config.areas
        today = self.today()
        rules = self.asb.deadline_rules()
        address = AddressInput(values["address"], town=values["town"], postcode=values["postcode"])

        def job(store: Store) -> str:
            add_person_to_case(
                store,
                case_id,
                name=values["name"],
                role=role,
                same_as=same_as,
                rejected=rejected,
                address=address if values["address"].strip() else None,
                date_of_birth=born,
                phone=values["phone"],
                email=values["email"],
                language=values["language"],
                vulnerabilities=values["vulnerabilities"],
                areas=areas,
                today=today,
                rules=rules,
            )
            if same_as:
                return "Person added, and linked to the same person's other cases."
            return "Person added."

        self.save_work(job, SavedThenClose)
