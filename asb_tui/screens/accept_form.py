"""Accept a referral with the victim's risk assessment.

The questionnaire comes from the domain's TOML file. It is one scrolling form built for the
keyboard: on a question, a number key picks that answer and moves to the next question; up/down
move between questions. The score, the level and the first home visit's due date update at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from asb_tui.domain.dates import format_uk
from asb_tui.domain.types import RiskLevel
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose, WorkDone
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal_text

if TYPE_CHECKING:
    from asb_tui.domain.risk import Question, Questionnaire, RiskResult
    from asb_tui.store.core.store import Store
    from asb_tui.store.queries.case_queries import CaseSummary

ANSWERS_KEY = "answers"


class QuestionWidget(Static, can_focus=True):
    """One question; number keys pick an answer."""

    BINDINGS = [
        *[
            Binding(str(n), f"pick({n - 1})", f"Answer {n}", show=False, id=f"question.answer-{n}")
            for n in range(1, 10)
        ],
        Binding("down", "app.focus_next", "Next question", show=False, id="question.next"),
        Binding("up", "app.focus_previous", "Previous question", show=False, id="question.prev"),
    ]
    DEFAULT_CSS = """
    QuestionWidget { padding: 0 1; margin: 1 0 0 0; height: auto; border-left: wide $panel; }
    QuestionWidget:focus { border-left: wide $accent; background: $boost; }
    QuestionWidget.-answered { border-left: wide $success; }
    QuestionWidget.-answered:focus { border-left: wide $accent; }
    """

    @dataclass
    class Answered(Message):
        question_id: str
        answer_id: str

    def __init__(self, question: Question, number: int) -> None:
        super().__init__(id=f"q-{question.id}")
        self.question = question
        self.number = number
        self.answer_id: str | None = None

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        text = Text()
        text.append(f"{self.number}. ", style="bold")
        text.append_text(literal_text(self.question.text, style="bold"))
        if self.question.help:
            text.append("\n")
            text.append_text(literal_text(self.question.help, style="dim italic"))
        text.append("\n")
        for index, answer in enumerate(self.question.answers, start=1):
            chosen = answer.id == self.answer_id
            marker = "●" if chosen else "○"
            text.append(f" {index} {marker} ", style="bold" if chosen else "")
            text.append_text(literal_text(answer.label, style="bold reverse" if chosen else ""))
            text.append("  ")
        self.update(text)
        self.set_class(self.answer_id is not None, "-answered")

    def set_answer(self, answer_id: str | None) -> None:
        self.answer_id = answer_id
        self._draw()

    def action_pick(self, index: int) -> None:
        if index >= len(self.question.answers):
            return
        self.set_answer(self.question.answers[index].id)
        self.post_message(self.Answered(self.question.id, self.answer_id or ""))
        self.screen.focus_next()


class QuestionsRead(WorkDone["tuple[CaseSummary | None, Questionnaire]"]):
    """The case being accepted, and the council's risk questionnaire."""


class AcceptFormScreen(FormScreen):
    title_text = "Accept the referral: risk assessment"
    BINDINGS = [
        Binding("ctrl+s", "save", "Accept", id="accept.save"),
        Binding("escape", "cancel", "Cancel", id="accept.cancel"),
    ]
    DEFAULT_CSS = """
    AcceptFormScreen #assessment-status {
        height: auto; padding: 0 1; background: $boost; text-style: bold;
    }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.questionnaire: Any = None
        self.case_region: str | None = None
        self._pending_answers: dict[str, str] = {}

    def fixed_fields(self) -> ComposeResult:
        yield Static("Loading the questionnaire…", id="assessment-status")

    def form_fields(self) -> ComposeResult:
        yield Label("Accepted on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="accepted-on", required=True)
        yield Static("", id="questions")
        yield Label(
            "Raise the level above the score (optional; a reason is required)",
            classes="field-label",
        )
        yield Select(
            [(level.value.capitalize(), level.value) for level in RiskLevel],
            prompt="Keep the computed level",
            id="override-level",
        )
        yield Input(id="override-reason", placeholder="why the level is raised")

    def on_mount(self) -> None:
        from asb_tui.domain.risk import load_questionnaire
        from asb_tui.store.queries.screen_reads import read_case_summary

        case_id = self.case_id or ""
        path = self.asb.config.questionnaire

        def load(store: Store) -> tuple[CaseSummary | None, Questionnaire]:
            return read_case_summary(store, case_id), load_questionnaire(path)

        self.run_work(load, QuestionsRead, group="load")

    @on(QuestionsRead)
    def _loaded(self, message: QuestionsRead) -> None:
        summary, questionnaire = message.result
        self.questionnaire = questionnaire
        if summary is not None:
            self.case_region = summary.region
            title = self.query_one("#form-title", Static)
            title.update(literal_text(f"Accept {summary.ref}: {questionnaire.title}"))
            title.display = True
        holder = self.query_one("#questions", Static)
        widgets = [
            QuestionWidget(question, number)
            for number, question in enumerate(questionnaire.questions, start=1)
        ]
        self.query_one(".form-body").mount_all(widgets, after=holder)
        for widget in widgets:
            if widget.question.id in self._pending_answers:
                widget.set_answer(self._pending_answers[widget.question.id])
        self._pending_answers = {}
        if widgets:
            widgets[0].focus()
        self._update_status()

    def answers(self) -> dict[str, str]:
        return {
            widget.question.id: widget.answer_id
            for widget in self.query(QuestionWidget)
            if widget.answer_id is not None
        }

    def _level_chosen(self) -> tuple[RiskResult, RiskLevel] | None:
        from asb_tui.domain.risk import score_assessment

        if self.questionnaire is None:
            return None
        result = score_assessment(self.questionnaire, self.answers())
        level = result.level
        override = self.query_one("#override-level", Select).value
        if override is not NO_SELECTION and RiskLevel(str(override)).rank > level.rank:
            level = RiskLevel(str(override))
        return result, level

    def _update_status(self) -> None:
        from asb_tui.store.commands.cases import preview_home_visit_due

        chosen = self._level_chosen()
        if chosen is None:
            return
        result, level = chosen
        accepted_on = self.query_one("#accepted-on", DateField).parse()
        total = len(self.questionnaire.questions)
        text = Text()
        text.append(f"Score {result.score} → {level.value} risk", style="bold")
        text.append(f"   {total - len(result.missing)}/{total} answered")
        if accepted_on is not None:
            due = preview_home_visit_due(
                accepted_on, level, self.asb.deadline_rules(), self.case_region
            )
            days = "3" if level is RiskLevel.HIGH else "10"
            text.append("\nFirst home visit due ")
            text.append(format_uk(due), style="bold")
            text.append(f" ({days} working days)")
        self.query_one("#assessment-status", Static).update(text)

    @on(QuestionWidget.Answered)
    @on(Select.Changed, "#override-level")
    @on(Input.Changed, "#accepted-on")
    def _changed(self) -> None:
        self._update_status()

    # -- drafts: the answers are not inputs, so they are kept alongside ---------------------

    def draft_state(self) -> dict[str, Any]:
        state = super().draft_state()
        state[ANSWERS_KEY] = self.answers() or self._pending_answers
        return state

    def restore_draft(self, state: dict[str, Any]) -> None:
        super().restore_draft({k: v for k, v in state.items() if k != ANSWERS_KEY})
        answers = state.get(ANSWERS_KEY) or {}
        widgets = list(self.query(QuestionWidget))
        if not widgets:
            self._pending_answers = dict(answers)
        for widget in widgets:
            widget.set_answer(answers.get(widget.question.id))
        self._update_status()

    def hide_for_lock(self) -> None:
        super().hide_for_lock()
        for widget in self.query(QuestionWidget):
            widget.set_answer(None)

    # -- save ----------------------------------------------------------------------------------

    def save(self) -> None:
        from asb_tui.store.commands.cases import accept_case

        if self.questionnaire is None:
            return
        date_field = self.query_one("#accepted-on", DateField)
        accepted_on = date_field.parse()
        if accepted_on is None:
            self.show_error(date_field.error or "Give the date of acceptance.")
            return
        answers = self.answers()
        missing = [
            str(number)
            for number, question in enumerate(self.questionnaire.questions, start=1)
            if question.id not in answers
        ]
        if missing:
            self.show_error(f"Answer every question (still open: {', '.join(missing)}).")
            return
        override_value = self.query_one("#override-level", Select).value
        override = None if override_value is NO_SELECTION else RiskLevel(str(override_value))
        reason = self.query_one("#override-reason", Input).value
        case_id = self.case_id or ""
        questionnaire = self.questionnaire
        rules = self.asb.deadline_rules()

        def job(store: Store) -> str:
            result = accept_case(
                store,
                case_id,
                on=accepted_on,
                questionnaire=questionnaire,
                answers=answers,
                rules=rules,
                override=override,
                override_reason=reason,
            )
            message = (
                f"Accepted: {result.level.value} risk. First home visit due "
                f"{format_uk(result.home_visit_due)}."
            )
            if result.protocol_started:
                message += " VSO and VVC referrals started."
            return message

        self.save_work(job, SavedThenClose)
