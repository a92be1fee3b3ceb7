"""Legal remedies: the power, whom it is against, its status, next deadline and stages.

A remedy saved without a start date is proposed under the Act's powers (domain/legal_powers.py)
and then moves only by the legal moves: ctrl+o asks which of the legal next statuses, then the
dates the court or notice set (only those the power asks for). One saved with a start date is
recorded as already in force, its review and end from the domain's terms (an ABC: review at 3
months, ends at 6); it too moves by ctrl+o (ended, breached, varied...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static, TextArea

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.domain.labels import label
from asb_tui.domain.legal_powers import (
    ABSOLUTE_GROUND_CONDITIONS,
    POWERS,
    RemedyClock,
    RemedyStatus,
    facts_asked,
    suggested_end,
)
from asb_tui.domain.types import LegalRemedyKind
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import legal, legal_powers
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.prompt import FormPrompt, PromptField
from asb_tui.widgets.steady_footer import SteadyFooter

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
    LegalRemedyKind.CLOSURE_NOTICE: "Closure notice",
    LegalRemedyKind.PSPO: "Public Spaces Protection Order",
    LegalRemedyKind.COMMUNITY_REMEDY: "Community Remedy",
}
UK = ZoneInfo("Europe/London")

# What each fact a move asks for is called in the prompt, and how it is typed.
_FACT_FIELDS: dict[str, tuple[str, str]] = {
    "at": ("Time of service (HH:MM, UK time)", "text"),
    "ends_at": ("Notice ends (DD/MM/YYYY HH:MM; blank: 24 hours after service)", "text"),
    "ends_on": ("Ends on (as the court, notice or agreement set it)", "date"),
    "review_on": ("Review on", "date"),
    "comply_by": ("Time to comply ends on", "date"),
    "consulted_on": ("Consulted on (Youth Offending Team; for a PSPO the consultation)", "date"),
    "convicted_on": ("Convicted on", "date"),
    "grounds": ("Condition met (condition-1 ... condition-5)", "text"),
    "grounds_met_on": ("Condition met on", "date"),
    "power_of_arrest": ("Power of arrest attached (yes/no)", "text"),
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


class RemediesRead(WorkDone[list[legal_powers.RemedyView]]):
    """The case's remedies with their stages."""


class RemedySaved(WorkDone[RemedySavedFacts]):
    """A remedy is saved."""


class StageAdded(WorkDone[str]):
    """A stage is added to a remedy: its id."""


class RemedyMoved(WorkDone[str]):
    """A remedy moved by a legal move: its new status."""


class RemedyReviewed(WorkDone[str]):
    """A review of a remedy is recorded."""


def _clock_text(clock: RemedyClock | None) -> str:
    if clock is None:
        return ""
    when = format_uk(clock.due_on)
    if clock.due_at is not None:
        when += clock.due_at.astimezone(UK).strftime(" %H:%M")
    return f"{when} {clock.what}"


def _time_on(day: date, typed: str) -> datetime:
    """HH:MM on `day`, UK time (a one-line DomainError when it is not a time)."""
    try:
        return datetime.combine(day, time.fromisoformat(typed.strip()), UK)
    except ValueError:
        raise DomainError(
            f"{typed.strip()!r} is not a time: type it as HH:MM, e.g. 16:30."
        ) from None


def _moment(typed: str, today: date) -> datetime:
    """DD/MM/YYYY HH:MM, UK time."""
    day_text, _, time_text = typed.strip().rpartition(" ")
    if not day_text:
        raise DomainError("Type the date and time as DD/MM/YYYY HH:MM, e.g. 29/11/2026 16:30.")
    return _time_on(parse_uk_date(day_text, today), time_text)


def _yes(typed: str) -> bool | None:
    text = typed.strip().lower()
    if not text:
        return None
    if text in ("y", "yes"):
        return True
    if text in ("n", "no"):
        return False
    raise DomainError("Power of arrest: answer yes or no.")


class LegalRemedyScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save remedy", id="legal.save", priority=True),
        Binding("ctrl+t", "add_stage", "Add stage", id="legal.stage", priority=True),
        Binding("ctrl+o", "move", "Legal move", id="legal.move", priority=True),
        Binding("ctrl+r", "review", "Review held", id="legal.review", priority=True),
    ]
    DEFAULT_CSS = """
    LegalRemedyScreen TextArea { height: 3; }
    LegalRemedyScreen #remedies { height: 7; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.remedies: list[legal_powers.RemedyView] = []
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
            yield Label("Started on (blank: proposed, then ctrl+o for each legal move)")
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
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#remedies", DataTable).add_columns(
            "Remedy", "Against", "Status", "Next deadline", "Stages"
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
        today = self.today()
        self.run_work(
            lambda store: legal_powers.remedy_views(store, case_id, today=today),
            RemediesRead,
            group="remedies",
            latest_only=True,
        )

    @on(RemediesRead)
    def _show_remedies(self, message: RemediesRead) -> None:
        self.remedies = message.result
        table = self.query_one("#remedies", DataTable)
        table.clear()
        for remedy in self.remedies:
            stages = "; ".join(f"{s.stage} {format_uk(s.on)}" for s in remedy.stages)
            status = label(remedy.status)
            if remedy.in_force and remedy.status != RemedyStatus.IN_FORCE.value:
                status += " (in force)"  # served, granted, varied, breached: still in force
            table.add_row(
                literal_text(remedy.power),
                literal_text(remedy.respondent_name),
                literal_text(status),
                literal_text(_clock_text(remedy.next_deadline)),
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
            if values["started_on"] is None:  # proposed under the Act's powers
                values.pop("started_on")
                remedy = legal_powers.propose_remedy(store, case_id, **values, today=today)
            else:
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
        remedy = self.remedies[min(table.cursor_row, len(self.remedies) - 1)]
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

    # --- legal moves ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        """Now in UK time; on a day other than the app's today (a test's), the end of that day."""
        now = datetime.now(UK)
        today = self.today()
        return now if now.date() == today else datetime.combine(today, time(23, 59), UK)

    def action_move(self) -> None:
        """Move the selected remedy: first the choice of its legal next statuses, then the dates
        the court or notice set for that move."""
        if not self.remedies:
            self.set_status("Save a remedy first.", error=True)
            return
        table = self.query_one("#remedies", DataTable)
        remedy = self.remedies[min(table.cursor_row, len(self.remedies) - 1)]
        if not remedy.next_statuses:
            self.set_status(f"This {remedy.power} has ended: no legal move is left.", error=True)
            return
        choices = ", ".join(remedy.next_statuses)
        fields = [
            PromptField(
                "to", f"Move to (one of: {choices})", remedy.next_statuses[0], required=True
            )
        ]

        def chosen(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            typed = str(values["to"]).strip().lower()
            if typed not in remedy.next_statuses:
                self.set_status(
                    f"A {remedy.power} that is {remedy.status} cannot become {typed or 'that'} "
                    f"(next: {choices}).",
                    error=True,
                )
                return
            self._ask_move_facts(remedy, RemedyStatus(typed))

        self.app.push_screen(FormPrompt(f"Legal move: {remedy.power}", fields), chosen)

    def _ask_move_facts(self, remedy: legal_powers.RemedyView, to: RemedyStatus) -> None:
        kind = LegalRemedyKind(remedy.kind) if remedy.kind in POWERS else LegalRemedyKind.OTHER
        asked = facts_asked(kind, to)
        fields = [PromptField("on", "On", self.today(), "date", required=True)]
        young = remedy.respondent_age is not None and remedy.respondent_age < 18
        suggested = suggested_end(kind, self.today(), under_18=young)
        for name in asked:
            text, field_kind = _FACT_FIELDS[name]
            if name == "ends_on" and suggested is not None:  # only offered, never filled in
                text = f"{text}; often {format_uk(suggested)}"
            fields.append(PromptField(name, text, None, field_kind))
        fields.append(PromptField("notes", "Notes"))
        today, now = self.today(), self._now()

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            try:
                facts = self._move_facts(values, asked, today)
            except DomainError as error:
                self.set_status(str(error), error=True)
                return
            self.run_work(
                lambda store: (
                    legal_powers.move_remedy(
                        store, remedy.id, to=to, notes=values.get("notes", ""), now=now, **facts
                    ).status
                ),
                RemedyMoved,
                group="save",
            )

        if kind is LegalRemedyKind.POSSESSION and "grounds" in asked:
            conditions = "; ".join(ABSOLUTE_GROUND_CONDITIONS.values())
            self.set_status(conditions)
        self.app.push_screen(
            FormPrompt(f"{remedy.power}: {to.value}", fields, today=self.today()), answered
        )

    @staticmethod
    def _move_facts(values: dict[str, Any], asked: tuple[str, ...], today: date) -> dict[str, Any]:
        on: date = values["on"]
        facts: dict[str, Any] = {"on": on}
        for name in asked:
            value = values.get(name)
            if value is None or value == "":
                continue
            if name == "at":
                facts["at"] = _time_on(on, str(value))
            elif name == "ends_at":
                facts["ends_at"] = _moment(str(value), today)
            elif name == "power_of_arrest":
                facts["power_of_arrest"] = _yes(str(value))
            elif name == "grounds":
                facts["grounds"] = str(value).strip()
            else:
                facts[name] = value
        return facts

    @on(RemedyMoved)
    def _remedy_moved(self, message: RemedyMoved) -> None:
        self.set_status(f"Remedy moved to {label(message.result).lower()}.")
        self._load()

    def action_review(self) -> None:
        """A review of the remedy under the cursor was held: its date and the next review's."""
        if not self.remedies:
            self.set_status("Save a remedy first.", error=True)
            return
        table = self.query_one("#remedies", DataTable)
        remedy = self.remedies[min(table.cursor_row, len(self.remedies) - 1)]
        fields = [
            PromptField("held", "Review held on", self.today(), "date", required=True),
            PromptField("next", "Next review on (blank: none, or the Act's own)", None, "date"),
            PromptField("notes", "Notes"),
        ]
        now = self._now()

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(
                lambda store: (
                    legal_powers.record_review(
                        store,
                        remedy.id,
                        held_on=values["held"],
                        next_review_on=values["next"],
                        notes=values["notes"],
                        now=now,
                    ).status
                ),
                RemedyReviewed,
                group="save",
            )

        self.app.push_screen(
            FormPrompt(f"Review: {remedy.power}", fields, today=self.today()), answered
        )

    @on(RemedyReviewed)
    def _remedy_reviewed(self, message: RemedyReviewed) -> None:
        self.set_status("Review recorded.")
        self._load()
