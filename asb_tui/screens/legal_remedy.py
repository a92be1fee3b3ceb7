"""Legal remedies: the kind, its stages and dates, the victim's role and the support offered.
Review and end dates come from the domain's terms (an ABC: review at 3 months, ends at 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Select, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import LegalRemedyKind
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import legal
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.prompt import FormPrompt, PromptField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

REMEDY_NAMES = {
    LegalRemedyKind.ABC: "Acceptable Behaviour Contract",
    LegalRemedyKind.CPW: "Community Protection Warning",
    LegalRemedyKind.CPN: "Community Protection Notice",
    LegalRemedyKind.CIVIL_INJUNCTION: "Civil injunction",
    LegalRemedyKind.CBO: "Criminal Behaviour Order",
    LegalRemedyKind.CLOSURE_ORDER: "Closure order",
    LegalRemedyKind.POSSESSION: "Possession proceedings",
    LegalRemedyKind.OTHER: "Other",
}


def _dated(day: date | None) -> str:
    return format_uk(day) if day else ""


@dataclass(frozen=True)
class RemedySavedFacts:
    kind: LegalRemedyKind
    review_on: date | None
    expires_on: date | None
    form: dict[str, object]  # the fields as they were saved


class SubjectsRead(WorkDone[list[tuple[str, str]]]):
    """(person id, name) of whom a remedy can be against."""


class RemediesRead(WorkDone[list[legal.RemedyWithStages]]):
    """The case's remedies with their stages."""


class RemedySaved(WorkDone[RemedySavedFacts]):
    """A remedy is saved."""


class StageAdded(WorkDone[str]):
    """A stage is added to a remedy: its id."""


class LegalRemedyScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save remedy", id="legal.save", priority=True),
        Binding("ctrl+t", "add_stage", "Add stage", id="legal.stage", priority=True),
    ]
    DEFAULT_CSS = """
    LegalRemedyScreen TextArea { height: 3; }
    LegalRemedyScreen #remedies { height: 7; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.remedies: list[legal.RemedyWithStages] = []
        self._saved_one = False

    def compose(self) -> ComposeResult:
        yield Static("Legal remedies", classes="title")
        table: DataTable[object] = DataTable(id="remedies", cursor_type="row")
        yield table
        with VerticalScroll():
            yield Label("New remedy")
            yield Select(
                [(name, kind.value) for kind, name in REMEDY_NAMES.items()],
                id="lr-kind",
                value=LegalRemedyKind.ABC.value,
                allow_blank=False,
            )
            yield Label("Against (the alleged perpetrator the remedy is against)")
            yield Select([], id="lr-person", prompt="Nobody named")
            yield Label("Started / signed / served on (blank while proposed)")
            yield DateField(today=self.today(), id="lr-start", allow_future=False)
            yield Label("First stage (e.g. signed, served, applied to court)")
            yield Input(id="lr-stage")
            yield Checkbox("Victim gives a statement", id="lr-statement")
            yield Checkbox("Victim attends court", id="lr-court")
            yield Label("Support offered to the victim")
            yield Input(id="lr-support")
            yield Label("Notes")
            yield TextArea(id="lr-notes")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#remedies", DataTable).add_columns(
            "Remedy", "Started", "Review", "Ends", "Stages"
        )
        self.query_one("#lr-kind", Select).focus()
        self._load()
        self._load_subjects()

    def _load_subjects(self) -> None:
        case_id = self.case_id
        self.run_work(
            lambda store: legal.remedy_subjects(store, case_id), SubjectsRead, group="subjects"
        )

    @on(SubjectsRead)
    def _show_subjects(self, message: SubjectsRead) -> None:
        people = message.result
        picker = self.query_one("#lr-person", Select)
        picker.set_options([(literal_text(name), pid) for pid, name in people])
        if len(people) == 1:  # the usual case: one alleged perpetrator
            picker.value = people[0][0]

    def _load(self) -> None:
        case_id = self.case_id
        self.run_work(
            lambda store: legal.legal_remedies(store, case_id),
            RemediesRead,
            group="remedies",
            latest_only=True,
        )

    @on(RemediesRead)
    def _show_remedies(self, message: RemediesRead) -> None:
        self.remedies = message.result
        table = self.query_one("#remedies", DataTable)
        table.clear()
        for item in self.remedies:
            remedy = item.remedy
            stages = "; ".join(f"{s.stage} {format_uk(s.stage_on)}" for s in item.stages)
            table.add_row(
                literal_text(REMEDY_NAMES.get(LegalRemedyKind(remedy.kind), remedy.kind)),
                literal_text(_dated(remedy.started_on)),
                literal_text(_dated(remedy.review_on)),
                literal_text(_dated(remedy.expires_on)),
                literal_text(stages),
                key=remedy.id,
            )

    def action_save(self) -> None:
        if self._saved_one and not self.has_typed_work():
            self.set_status("That remedy is saved. Fill in the next one to save it.", error=True)
            return
        start_field = self.query_one("#lr-start", DateField)
        started_on = start_field.parse()
        if start_field.error:
            start_field.focus()
            self.set_status(start_field.error, error=True)
            return
        roles = [
            label
            for field_id, label in (
                ("#lr-statement", "statement"),
                ("#lr-court", "attending court"),
            )
            if self.query_one(field_id, Checkbox).value
        ]
        kind = LegalRemedyKind(str(self.query_one("#lr-kind", Select).value))
        person = self.query_one("#lr-person", Select).value
        values: dict[str, Any] = dict(
            kind=kind,
            person_id=person if isinstance(person, str) else None,
            started_on=started_on,
            stage=self.query_one("#lr-stage", Input).value,
            victim_role=", ".join(roles),
            support_offered=self.query_one("#lr-support", Input).value,
            notes=self.query_one("#lr-notes", TextArea).text,
        )

        saved_form = self._new_remedy_form()
        today, case_id = self.today(), self.case_id

        def save(store: Store) -> RemedySavedFacts:
            remedy = legal.add_legal_remedy(store, case_id, **values, today=today)
            return RemedySavedFacts(kind, remedy.review_on, remedy.expires_on, saved_form)

        self.run_work(save, RemedySaved, group="save")

    @on(RemedySaved)
    def _remedy_saved(self, message: RemedySaved) -> None:
        facts = message.result
        dates = ""
        if facts.review_on:
            dates += f" Review {format_uk(facts.review_on)}."
        if facts.expires_on:
            dates += f" Ends {format_uk(facts.expires_on)}."
        self.set_status(f"{REMEDY_NAMES[facts.kind]} saved.{dates}")
        self._saved_one = True
        self._clear_new_remedy(facts.form)  # a second ctrl+s must not save it again
        self.mark_clean()  # Escape no longer asks about what is saved
        self._load()

    _TEXT_FIELDS = ("#lr-start", "#lr-stage", "#lr-support")
    _TICKS = ("#lr-statement", "#lr-court")

    def _new_remedy_form(self) -> dict[str, object]:
        form: dict[str, object] = {"#lr-kind": self.query_one("#lr-kind", Select).value}
        form.update({f: self.query_one(f, Input).value for f in self._TEXT_FIELDS})
        form.update({f: self.query_one(f, Checkbox).value for f in self._TICKS})
        form["#lr-notes"] = self.query_one("#lr-notes", TextArea).text
        return form

    def _clear_new_remedy(self, saved_form: dict[str, object]) -> None:
        """Empty the fields for the next remedy; a field typed in while the save ran keeps it."""
        now = self._new_remedy_form()
        unchanged = {key for key, value in now.items() if saved_form.get(key) == value}
        if "#lr-kind" in unchanged:
            self.query_one("#lr-kind", Select).value = LegalRemedyKind.ABC.value
        for field_id in self._TEXT_FIELDS:
            if field_id in unchanged:
                self.query_one(field_id, Input).value = ""
        for field_id in self._TICKS:
            if field_id in unchanged:
                self.query_one(field_id, Checkbox).value = False
        if "#lr-notes" in unchanged:
            self.query_one("#lr-notes", TextArea).text = ""

    def action_add_stage(self) -> None:
        table = self.query_one("#remedies", DataTable)
        if not self.remedies:
            self.set_status("Save a remedy first.", error=True)
            return
        remedy = self.remedies[min(table.cursor_row, len(self.remedies) - 1)].remedy
        fields = [
            PromptField(
                "stage", "Stage (served, hearing, granted, breached, ended...)", required=True
            ),
            PromptField("on", "On", self.today(), "date", required=True),
            PromptField("notes", "Notes"),
        ]

        today = self.today()

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: (
                    legal.add_legal_stage(
                        store,
                        remedy.id,
                        stage=values["stage"],
                        stage_on=values["on"],
                        notes=values["notes"],
                        today=today,
                    ).id
                ),
                StageAdded,
                group="save",
            )

        name = REMEDY_NAMES.get(LegalRemedyKind(remedy.kind), remedy.kind)
        self.app.push_screen(FormPrompt(f"New stage: {name}", fields, today=self.today()), answered)

    @on(StageAdded)
    def _stage_added(self, message: StageAdded) -> None:
        self.set_status("Stage added.")
        self._load()
