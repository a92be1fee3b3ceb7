"""The home visit record: a guided form in the order of the council's procedure. It can be saved
part-way (ctrl+s) and resumed later with every field restored; ctrl+o completes it, writing the
visit, witnesses, action plan, consent and contact agreement together. Escape never saves: with
anything typed since the last save it asks before discarding (a half visit is saved only when
the officer asks for it)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, SelectionList, Static, TextArea

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import visits
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.form_state import collect_inputs, restore_inputs
from asb_tui.widgets.literal import literal
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

SIGNPOSTING_ID = "hv-signposting"
SIGNPOSTING_ID_SELECTOR = f"#{SIGNPOSTING_ID}"


class DraftFound(WorkDone["visits.VisitDraft | None"]):
    """The visit this screen carries on, saved part-way (None: a new visit)."""


class DraftSaved(WorkDone[str]):
    """The visit is saved part-way: its id."""


class VisitCompleted(WorkDone["tuple[visits.CompletedVisit, date]"]):
    """The visit is complete: what was written, and the day of the visit."""


class FormProblem(Exception):
    """A field that must be put right before the visit can be completed."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id


class HomeVisitScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save_draft", "Save draft", id="home_visit.draft", priority=True),
        Binding("ctrl+o", "complete", "Complete visit", id="home_visit.complete", priority=True),
    ]
    DEFAULT_CSS = """
    HomeVisitScreen TextArea { height: 4; }
    HomeVisitScreen SelectionList { height: auto; max-height: 9; }
    HomeVisitScreen .section { margin: 1 0 0 0; text-style: bold; color: $accent; }
    """

    def __init__(self, case_id: str, visit_id: str | None = None) -> None:
        super().__init__(case_id)
        self.visit_id = visit_id
        self.completed = False

    def compose(self) -> ComposeResult:
        yield Static("Home visit", classes="title")
        with VerticalScroll(id="form"):
            yield Label("Date of the visit")
            yield DateField(self.today(), today=self.today(), required=True, id="hv-date")
            yield Static("1. Who was present", classes="section")
            yield Input(id="hv-present")
            yield Static("2. Evidence gathered", classes="section")
            yield TextArea(id="hv-evidence")
            yield Input(placeholder="exhibits it cites, e.g. GD/1, GD/3", id="hv-exhibits")
            yield Static("3. Perpetrator identified", classes="section")
            yield Input(id="hv-perpetrator")
            yield Static("4. Witnesses, one per line: name; address; phone", classes="section")
            yield TextArea(id="hv-witnesses", soft_wrap=False)
            yield Static("5. Further needs and vulnerabilities", classes="section")
            yield TextArea(id="hv-needs")
            yield Static("6. Signposting (space to tick)", classes="section")
            yield SelectionList[str](
                *((literal(service), service) for service in self.config.signposting),
                id=SIGNPOSTING_ID,
            )
            yield Static("7. Action plan, one per line: action; due date", classes="section")
            yield TextArea(id="hv-actions", soft_wrap=False)
            yield Static("8. Consent", classes="section")
            yield Checkbox("Consents to information being recorded and shared", id="hv-share")
            yield Checkbox("Consent form signed", id="hv-signed")
            yield Label("Consent given on")
            yield DateField(self.today(), today=self.today(), id="hv-consent-date")
            yield Label("Scope (who it may be shared with)")
            yield Input(id="hv-scope")
            yield Checkbox("Agrees to a visit to the alleged perpetrator", id="hv-perp-agreed")
            yield Static("9. Keeping the victim updated", classes="section")
            yield Label("How often (5wd, 10wd, weekly, fortnightly, monthly)")
            yield Input(id="hv-frequency")
            yield Label("By what means (phone, email, visit, letter)")
            yield Input(id="hv-means")
            yield Label("Safe times to contact")
            yield Input(id="hv-safe-times")
            yield Checkbox("Messages may be left", id="hv-messages")
            yield Static("10. Notes", classes="section")
            yield TextArea(id="hv-notes")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#hv-present", Input).focus()

        case_id, visit_id = self.case_id, self.visit_id

        def find(store: Store) -> visits.VisitDraft | None:
            draft = visits.home_visit_draft(store, case_id)
            if visit_id is not None and (draft is None or draft.id != visit_id):
                return None
            return draft

        self.run_work(find, DraftFound, group="load")

    @on(DraftFound)
    def _draft_found(self, message: DraftFound) -> None:
        visit = message.result
        if visit is None:
            return
        self.visit_id = visit.id
        self.restore_draft(visit.form_state)
        self.mark_clean()
        self.set_status("Resumed the visit saved part-way.")

    # -- drafts (auto-lock keeps the half-typed form) -------------------------------------------

    def draft_key(self) -> str:
        return f"home-visit:{self.case_id}"

    def draft_state(self) -> dict[str, Any]:
        state = collect_inputs(self)
        state[SIGNPOSTING_ID] = list(
            self.query_one(SIGNPOSTING_ID_SELECTOR, SelectionList).selected
        )
        return state

    def restore_draft(self, state: dict[str, Any]) -> None:
        restore_inputs(self, {k: v for k, v in state.items() if k != SIGNPOSTING_ID})
        chosen = self.query_one(SIGNPOSTING_ID_SELECTOR, SelectionList)
        chosen.deselect_all()
        for service in state.get(SIGNPOSTING_ID, []):
            if service in self.config.signposting:  # a service since removed is dropped
                chosen.select(service)

    # -- saving -------------------------------------------------------------------------------

    def action_save_draft(self) -> None:
        state, case_id, visit_id = self.draft_state(), self.case_id, self.visit_id
        self.run_work(
            lambda store: visits.save_home_visit_draft(store, case_id, state, visit_id).id,
            DraftSaved,
            group="save",
        )

    @on(DraftSaved)
    def _draft_saved(self, message: DraftSaved) -> None:
        self.visit_id = message.result
        self.mark_clean()
        self.set_status("Saved part-way: it opens here again to carry on.")

    def action_complete(self) -> None:
        try:
            record = self._record()
        except FormProblem as problem:
            self.query_one(f"#{problem.field_id}").focus()
            self.set_status(str(problem), error=True)
            return
        closures, case_id, visit_id = self.closures, self.case_id, self.visit_id

        def complete(store: Store) -> tuple[visits.CompletedVisit, date]:
            done = visits.complete_home_visit(
                store, case_id, record, visit_id=visit_id, closures=closures
            )
            return done, record.visited_on

        self.run_work(complete, VisitCompleted, group="save")

    @on(VisitCompleted)
    def _visit_completed(self, message: VisitCompleted) -> None:
        result, visited_on = message.result
        self.completed = True
        self.mark_clean()
        self.visit_id = result.visit_id
        due = (
            f" Next victim update due {format_uk(result.next_update_due)}."
            if result.next_update_due
            else ""
        )
        self.set_status(f"Home visit of {format_uk(visited_on)} saved.{due}")

    # -- reading the form ---------------------------------------------------------------------

    def _text(self, field_id: str) -> str:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, TextArea):
            return widget.text
        assert isinstance(widget, Input)
        return widget.value

    def _checked(self, field_id: str) -> bool:
        return self.query_one(f"#{field_id}", Checkbox).value

    def _date(self, field_id: str, required: bool) -> date | None:
        field = self.query_one(f"#{field_id}", DateField)
        value = field.parse()
        if field.error or (required and value is None):
            raise FormProblem(field_id, field.error or "A date is needed here.")
        return value

    def _record(self) -> visits.HomeVisitRecord:
        visited_on = self._date("hv-date", True)
        if visited_on is None:  # pragma: no cover - _date refuses a missing required date
            raise FormProblem("hv-date", "A date is needed here.")
        if not self._text("hv-present").strip():
            raise FormProblem("hv-present", "Say who was present.")
        frequency = self._text("hv-frequency")
        contact = None
        if frequency.strip():
            contact = visits.ContactTerms(
                frequency=frequency,
                means=self._text("hv-means"),
                safe_times=self._text("hv-safe-times"),
                may_leave_messages=self._checked("hv-messages"),
            )
        consent = None
        if (
            self._checked("hv-share")
            or self._checked("hv-signed")
            or self._checked("hv-perp-agreed")
        ):
            consent = visits.ConsentRecord(
                record_and_share=self._checked("hv-share"),
                signed=self._checked("hv-signed"),
                given_on=self._date("hv-consent-date", False) or visited_on,
                scope=self._text("hv-scope"),
                perpetrator_visit_agreed=self._checked("hv-perp-agreed"),
            )
        return visits.HomeVisitRecord(
            visited_on=visited_on,
            present=self._text("hv-present"),
            evidence_gathered=self._text("hv-evidence"),
            perpetrator_identified=self._text("hv-perpetrator"),
            witnesses=self._witnesses(),
            further_needs=self._text("hv-needs"),
            signposting=tuple(self.query_one(SIGNPOSTING_ID_SELECTOR, SelectionList).selected),
            actions=self._actions(),
            consent=consent,
            contact=contact,
            notes=self._text("hv-notes"),
            cited_exhibits=tuple(self._text("hv-exhibits").replace(",", " ").split()),
        )

    def _witnesses(self) -> tuple[visits.Witness, ...]:
        found = []
        for line in self._text("hv-witnesses").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            if not parts[0]:
                raise FormProblem("hv-witnesses", "Each witness line starts with a name.")
            parts += ["", ""]
            found.append(visits.Witness(parts[0], parts[1], parts[2]))
        return tuple(found)

    def _actions(self) -> tuple[visits.ActionItem, ...]:
        found = []
        for line in self._text("hv-actions").splitlines():
            if not line.strip():
                continue
            title, _sep, due_text = line.partition(";")
            due = None
            if due_text.strip():
                try:
                    due = parse_uk_date(due_text, self.today(), self.holiday_region, self.closures)
                except DomainError as exc:
                    raise FormProblem("hv-actions", f"Action '{title.strip()}': {exc}") from None
            found.append(visits.ActionItem(title.strip(), due))
        return tuple(found)
