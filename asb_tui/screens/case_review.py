"""ASB Case Review: the threshold as the 2014 Act counts it, and the application's workflow.

Opened from the case detail (T). The top shows where the case stands: the complaints counted
towards the threshold and why the others are not, whether the victim must be told about the
Case Review, then each step of the latest application with its deadline in working days. Each
key asks for one step in a small form (Enter saves, Escape cancels); the rules are in
asb_tui/domain/case_review.py and docs/case-review.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from asb_tui.domain.case_review import AGENCIES
from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.domain.types import DeadlineState
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import case_review as commands
from asb_tui.widgets.literal import literal, literal_text
from asb_tui.widgets.prompt import FormPrompt, PromptField
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from collections.abc import Callable

    from asb_tui.store.core.store import Store
    from asb_tui.store.queries.case_review_summary import CaseReviewSummary


class SummaryRead(WorkDone["CaseReviewSummary"]):
    """The case's Case Review as it stands today."""


class StepSaved(WorkDone[str]):
    """A step of the Case Review is saved: what to say on the status line."""


def _uk(day: date | None) -> str:
    return format_uk(day) if day else "—"


def _yes(text: str) -> bool | None:
    word = text.strip().lower()
    if word in {"y", "yes", "met"}:
        return True
    if word in {"n", "no", "not met"}:
        return False
    return None


class CaseReviewScreen(FieldworkScreen):
    """ASB Case Review"""

    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("a", "apply", "Application", id="case-review.apply"),
        Binding("i", "partner_report", "Report to a partner", id="case-review.partner-report"),
        Binding("k", "acknowledge", "Acknowledged", id="case-review.acknowledge"),
        Binding("e", "decide", "Decision", id="case-review.decide"),
        Binding("m", "meeting", "Meeting", id="case-review.meeting"),
        Binding("r", "recommend", "Recommendation", id="case-review.recommend"),
        Binding("x", "recommendation_done", "Rec. done", id="case-review.rec-done"),
        Binding("o", "outcome", "Outcome told", id="case-review.outcome"),
        Binding("s", "escalate", "Escalated", id="case-review.escalate"),
        Binding("t", "victim_told", "Victim told", id="case-review.victim-told"),
    ]
    DEFAULT_CSS = """
    CaseReviewScreen #cr-summary { height: 4; padding: 0 1; }
    CaseReviewScreen #cr-complaints { height: 7; }
    CaseReviewScreen #cr-steps { height: 1fr; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.summary: CaseReviewSummary | None = None

    def compose(self) -> ComposeResult:
        yield Static("ASB Case Review", classes="title")
        yield Static("Reading the case…", id="cr-summary")
        complaints: DataTable[object] = DataTable(id="cr-complaints", cursor_type="row")
        yield complaints
        steps: DataTable[object] = DataTable(id="cr-steps", cursor_type="row")
        yield steps
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        # Fixed widths: the columns do not move when the rows arrive.
        complaints = self.query_one("#cr-complaints", DataTable)
        for heading, width in (
            ("Happened", 10),
            ("Reported", 10),
            ("To", 8),
            ("Counts?", 14),
            ("What", 60),
        ):
            complaints.add_column(heading, width=width)
        steps = self.query_one("#cr-steps", DataTable)
        for heading, width in (("Due", 10), ("Done", 10), ("State", 9), ("Step", 70)):
            steps.add_column(heading, width=width)
        self._load()

    # -- reading --------------------------------------------------------------------------------

    def _load(self) -> None:
        case_id, today = self.case_id, self.today()
        rules = self.asb.deadline_rules()

        def read(store: Store) -> CaseReviewSummary:
            from asb_tui.store.queries.case_review_summary import read_case_review

            return read_case_review(store, case_id, today, rules)

        self.run_work(read, SummaryRead, group="load", latest_only=True)

    @on(SummaryRead)
    def _show(self, message: SummaryRead) -> None:
        summary = self.summary = message.result
        counted = len(summary.qualifying)
        lines = [
            f"Status: {summary.status}. Threshold: {summary.threshold} complaints in "
            f"{summary.window_months} months; {counted} count on {_uk(summary.tested_on)}"
            + (" (met)." if summary.threshold_met else " (not met)."),
        ]
        if summary.tell_victim_due is not None:
            told = (
                f"told {_uk(summary.told_on)}"
                if summary.told_on
                else f"not yet told (due {_uk(summary.tell_victim_due)}): press t once told"
            )
            lines.append(
                f"Two reports in six months: tell the victim about the Case Review; {told}."
            )
        self.query_one("#cr-summary", Static).update(literal("\n".join(lines)))
        table = self.query_one("#cr-complaints", DataTable)
        table.clear()
        for line in summary.complaints:
            table.add_row(
                literal_text(_uk(line.occurred_on)),
                literal_text(_uk(line.reported_on)),
                literal_text(", ".join(line.reported_to) or "—", one_line=True),
                literal_text("yes" if line.counted else f"no: {line.reason}", one_line=True),
                literal_text(line.description, one_line=True),
                key=line.incident_id,
            )
        steps = self.query_one("#cr-steps", DataTable)
        steps.clear()
        for step in summary.deadlines:
            steps.add_row(
                literal_text(_uk(step.due_on)),
                literal_text(_uk(step.done_on)),
                literal_text(label(DeadlineState(step.state)), one_line=True),
                literal_text(step.title, one_line=True),
            )

    # -- asking and saving ---------------------------------------------------------------------

    def _latest(self) -> commands.CaseReviewView | None:
        if self.summary is None or not self.summary.applications:
            self.set_status("Log the application first (a).", error=True)
            return None
        return self.summary.applications[-1]

    def _ask(
        self,
        title: str,
        fields: list[PromptField],
        save: Callable[[Store, dict[str, Any], date], str],
    ) -> None:
        today = self.today()

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.run_work(lambda store: save(store, values, today), StepSaved, group="save")

        self.app.push_screen(FormPrompt(title, fields, today=today), answered)

    @on(StepSaved)
    def _saved(self, message: StepSaved) -> None:
        self.set_status(message.result)
        self._load()

    def action_apply(self) -> None:
        case_id = self.case_id

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.apply_for_case_review(
                store,
                case_id,
                applicant=v["applicant"],
                on_behalf_of=v["for"],
                applied_on=v["on"],
                partner_reports=v["partners"],
                cited_incidents=[line.incident_id for line in self._cited()],
                today=today,
            )
            return f"Application of {format_uk(v['on'])} logged."

        self._ask(
            "ASB Case Review: the application",
            [
                PromptField(
                    "applicant", "Who applied (the victim, or who for them)", required=True
                ),
                PromptField("for", "For whom (blank: the applicant is the victim)"),
                PromptField("on", "Applied on", self.today(), "date", required=True),
                PromptField("partners", "Reports to partner agencies the applicant names"),
            ],
            save,
        )

    def _cited(self) -> tuple[Any, ...]:
        return self.summary.complaints if self.summary is not None else ()

    def action_partner_report(self) -> None:
        case_id = self.case_id

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.record_partner_report(
                store,
                case_id,
                occurred_on=v["happened"],
                reported_on=v["reported"],
                reported_to=v["to"],
                description=v["what"],
                police_ref=v["ref"],
                today=today,
            )
            return "Report to a partner agency recorded."

        self._ask(
            "A report the victim made to a partner agency",
            [
                PromptField("what", "What happened", required=True),
                PromptField("happened", "Happened on", None, "date", required=True),
                PromptField("reported", "Reported on", None, "date", required=True),
                PromptField("to", "Reported to: c council, p police, l landlord, h health",
                            required=True),
                PromptField("ref", "Their reference (e.g. the police CAD number)"),
            ],
            save,
        )  # fmt: skip

    def action_acknowledge(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.acknowledge_application(store, review.id, v["on"], today=today)
            return "Acknowledgement recorded."

        self._ask(
            "Application acknowledged",
            [PromptField("on", "Acknowledged on", self.today(), "date", required=True)],
            save,
        )

    def action_decide(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            met = _yes(v["met"])
            if met is None:
                raise commands.CaseReviewRefused("Threshold met: type y or n.")
            commands.decide_threshold(
                store,
                review.id,
                decided_on=v["on"],
                met=met,
                reason=v["reason"],
                letter_on=v["letter"],
                today=today,
            )
            return "Decision recorded: threshold " + ("met." if met else "not met.")

        met_now = "y" if self.summary is not None and self.summary.threshold_met else "n"
        self._ask(
            "Threshold decision",
            [
                PromptField("met", "Threshold met? (y or n)", met_now, required=True),
                PromptField("reason", "Reasons (as written to the applicant)", required=True),
                PromptField("on", "Decided on", self.today(), "date", required=True),
                PromptField("letter", "Decision letter sent on", self.today(), "date"),
            ],
            save,
        )

    def action_meeting(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            present = [part.strip() for part in v["present"].split(",")]
            commands.record_meeting(
                store, review.id, meeting_on=v["on"], agencies_present=present, today=today
            )
            return "Review meeting recorded."

        self._ask(
            "Case Review meeting",
            [
                PromptField("on", "Held on", self.today(), "date", required=True),
                PromptField(
                    "present",
                    "Agencies present, separated by commas",
                    ", ".join(name.split(" (")[0].capitalize() for name in AGENCIES.values()),
                    required=True,
                ),
            ],
            save,
        )

    def action_recommend(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], _today: date) -> str:
            commands.add_recommendation(
                store, review.id, text=v["text"], owner=v["owner"], due_on=v["due"]
            )
            return "Recommendation added."

        self._ask(
            "A recommendation of the review",
            [
                PromptField("text", "Recommendation", required=True),
                PromptField("owner", "Owner (agency or officer)", required=True),
                PromptField("due", "Due on", None, "date"),
            ],
            save,
        )

    def action_recommendation_done(self) -> None:
        review = self._latest()
        if review is None:
            return
        open_items = [r for r in review.recommendations if r.done_on is None]
        if not open_items:
            self.set_status("No recommendation is waiting to be done.", error=True)
            return
        item = open_items[0]

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.complete_recommendation(store, item.id, v["on"], today=today)
            return "Recommendation done."

        self._ask(
            f"Done: {item.text[:50]}",
            [PromptField("on", "Done on", self.today(), "date", required=True)],
            save,
        )

    def action_outcome(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.record_outcome_told(
                store, review.id, told_on=v["on"], outcome=v["outcome"], today=today
            )
            return "Outcome told to the applicant recorded."

        self._ask(
            "Outcome told to the applicant",
            [
                PromptField("outcome", "What the applicant was told", required=True),
                PromptField("on", "Told on", self.today(), "date", required=True),
            ],
            save,
        )

    def action_escalate(self) -> None:
        review = self._latest()
        if review is None:
            return

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.escalate_review(
                store, review.id, escalated_on=v["on"], route=v["route"], today=today
            )
            return "Escalation recorded."

        self._ask(
            "The applicant escalated the review",
            [
                PromptField(
                    "route", "Escalated to", "the Police and Crime Commissioner", required=True
                ),
                PromptField("on", "On", self.today(), "date", required=True),
            ],
            save,
        )

    def action_victim_told(self) -> None:
        case_id = self.case_id

        def save(store: Store, v: dict[str, Any], today: date) -> str:
            commands.record_victim_told(store, case_id, v["on"], today=today)
            return "The victim was told about the Case Review."

        self._ask(
            "The victim was told about the Case Review",
            [PromptField("on", "Told on", self.today(), "date", required=True)],
            save,
        )
