"""Victim risk assessment: questionnaire, scoring, overrides, repeat victims, high-risk protocol.

The questionnaire is data (TOML). The default ships as `asb_tui/data/risk_questionnaire.toml`; a
council can point its config at its own file. A malformed file is refused when it is loaded, with a
message naming the file and the problem, so a typo never reaches a victim's score.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError, QuestionnaireError
from asb_tui.domain.months import add_months
from asb_tui.domain.tasks import TaskSpec
from asb_tui.domain.types import ActionKind, Region, RiskLevel
from asb_tui.domain.vvc import VvcRule, next_vvc_meeting, vvc_cutoff
from asb_tui.domain.working_days import RegionLike, add_working_days

__all__ = [
    "Answer",
    "Question",
    "Questionnaire",
    "RepeatVictimRule",
    "RiskResult",
    "apply_override",
    "high_risk_protocol_tasks",
    "is_repeat_victim",
    "load_questionnaire",
    "parse_questionnaire",
    "score_assessment",
]

DEFAULT_QUESTIONNAIRE = "data/risk_questionnaire.toml"

_Fail = Callable[[str], QuestionnaireError]


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    label: str
    score: int
    forces_high: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    help: str
    answers: tuple[Answer, ...]

    def answer(self, answer_id: str) -> Answer | None:
        """The answer with this id, or None."""
        for candidate in self.answers:
            if candidate.id == answer_id:
                return candidate
        return None


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A versioned questionnaire: total >= `high_threshold` is high, >= `medium_threshold` medium,
    else standard."""

    version: str
    title: str
    questions: tuple[Question, ...]
    high_threshold: int
    medium_threshold: int
    source: str

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        for candidate in self.questions:
            if candidate.id == question_id:
                return candidate
        return None

    @property
    def max_score(self) -> int:
        return sum(max(answer.score for answer in question.answers) for question in self.questions)


@dataclass(frozen=True, slots=True)
class RiskResult:
    """A scored assessment. `missing` lists unanswered question ids (the level counts answered ones
    only); `forced_by` lists the question ids whose answer forced high risk."""

    score: int
    level: RiskLevel
    missing: tuple[str, ...]
    forced_by: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


# --- loading -------------------------------------------------------------------------------------

_TOP_KEYS = {"version", "title", "thresholds", "questions"}
_QUESTION_KEYS = {"id", "text", "help", "answers"}
_ANSWER_KEYS = {"id", "label", "score", "forces_high"}


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Load and check a questionnaire file; None loads the default shipped with the package."""
    if path is None:
        resource = resources.files("asb_tui").joinpath(DEFAULT_QUESTIONNAIRE)
        source = f"the default questionnaire ({DEFAULT_QUESTIONNAIRE})"
        text = resource.read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise QuestionnaireError(
                f"{source}: cannot read the questionnaire file ({error.strerror or error})."
            ) from None
        except UnicodeDecodeError:
            raise QuestionnaireError(f"{source}: the file is not UTF-8 text.") from None
    return parse_questionnaire(text, source)


def parse_questionnaire(text: str, source: str = "questionnaire") -> Questionnaire:
    """Check and build a questionnaire from TOML text; `source` names it in error messages."""

    def fail(problem: str) -> QuestionnaireError:
        return QuestionnaireError(f"{source}: {problem}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise fail(f"this is not valid TOML ({error}).") from None

    _refuse_unknown_keys(data, _TOP_KEYS, "the file", fail)
    version = _required_text(data, "version", "the file", fail)
    title = data.get("title", "Risk assessment")
    if not isinstance(title, str):
        raise fail("'title' must be text.")

    thresholds = data.get("thresholds")
    if not isinstance(thresholds, dict):
        raise fail("the [thresholds] table with 'high' and 'medium' is missing.")
    high = _required_int(thresholds, "high", "[thresholds]", fail)
    medium = _required_int(thresholds, "medium", "[thresholds]", fail)
    if not 0 < medium < high:
        raise fail(
            f"thresholds must satisfy 0 < medium < high (medium is {medium}, high is {high})."
        )

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise fail("there are no [[questions]].")
    questions: list[Question] = []
    seen_questions: set[str] = set()
    for number, raw in enumerate(raw_questions, start=1):
        where = f"question {number}"
        if not isinstance(raw, dict):
            raise fail(f"{where} is not a table.")
        question_id = _required_text(raw, "id", where, fail)
        where = f"question '{question_id}'"
        if question_id in seen_questions:
            raise fail(f"the question id '{question_id}' is used more than once.")
        seen_questions.add(question_id)
        _refuse_unknown_keys(raw, _QUESTION_KEYS, where, fail)
        question_text = _required_text(raw, "text", where, fail)
        help_text = raw.get("help", "")
        if not isinstance(help_text, str):
            raise fail(f"{where}: 'help' must be text.")
        questions.append(
            Question(question_id, question_text, help_text, _parse_answers(raw, where, fail))
        )
    return Questionnaire(version, title, tuple(questions), high, medium, source)


def _parse_answers(raw: dict[str, Any], where: str, fail: _Fail) -> tuple[Answer, ...]:
    raw_answers = raw.get("answers")
    if not isinstance(raw_answers, list) or not raw_answers:
        raise fail(f"{where} has no answers.")
    answers: list[Answer] = []
    seen: set[str] = set()
    for number, item in enumerate(raw_answers, start=1):
        if not isinstance(item, dict):
            raise fail(f"{where}: answer {number} is not a table.")
        answer_id = _required_text(item, "id", f"{where}, answer {number}", fail)
        answer_where = f"{where}, answer '{answer_id}'"
        if answer_id in seen:
            raise fail(f"{where}: the answer id '{answer_id}' is used more than once.")
        seen.add(answer_id)
        _refuse_unknown_keys(item, _ANSWER_KEYS, answer_where, fail)
        label = _required_text(item, "label", answer_where, fail)
        score = _required_int(item, "score", answer_where, fail)
        forces_high = item.get("forces_high", False)
        if not isinstance(forces_high, bool):
            raise fail(f"{answer_where}: 'forces_high' must be true or false.")
        answers.append(Answer(answer_id, label, score, forces_high))
    return tuple(answers)


def _refuse_unknown_keys(table: dict[str, Any], allowed: set[str], where: str, fail: _Fail) -> None:
    # A misspelt key ("scor") would otherwise be ignored and the default used in silence.
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise fail(f"{where} has unknown keys: {', '.join(unknown)}.")


def _required_text(table: dict[str, Any], key: str, where: str, fail: _Fail) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}: '{key}' is missing or empty.")
    return value


def _required_int(table: dict[str, Any], key: str, where: str, fail: _Fail) -> int:
    if key not in table:
        raise fail(f"{where}: '{key}' is missing.")
    value = table[key]
    # bool is an int in Python; `score = true` is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"{where}: '{key}' must be a whole number, not {value!r}.")
    return value


# --- scoring -------------------------------------------------------------------------------------


def score_assessment(questionnaire: Questionnaire, answers: Mapping[str, str]) -> RiskResult:
    """Score answers (question id -> answer id). Unknown ids raise DomainError naming them."""
    total = 0
    forced_by: list[str] = []
    for question_id, answer_id in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            raise DomainError(
                f"'{question_id}' is not a question of risk questionnaire {questionnaire.version}."
            )
        answer = question.answer(answer_id)
        if answer is None:
            raise DomainError(f"'{answer_id}' is not an answer to question '{question_id}'.")
        total += answer.score
        if answer.forces_high:
            forced_by.append(question_id)
    missing = tuple(q.id for q in questionnaire.questions if q.id not in answers)
    if forced_by or total >= questionnaire.high_threshold:
        level = RiskLevel.HIGH
    elif total >= questionnaire.medium_threshold:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.STANDARD
    return RiskResult(total, level, missing, tuple(forced_by))


def apply_override(computed: RiskLevel, override: RiskLevel | None, reason: str) -> RiskLevel:
    """The level to record when the officer overrides the computed one.

    An officer may raise the level, with a reason; lowering is refused, because a professional
    judgement must never quietly undo what the victim's answers showed.
    """
    if override is None or override is computed:
        return computed
    if override.rank < computed.rank:
        raise DomainError(
            f"The risk level cannot be lowered from {computed.value} to {override.value}. "
            "Change the answers if they were recorded wrongly."
        )
    if not reason.strip():
        raise DomainError(f"Give a reason for raising the risk level to {override.value}.")
    return override


# --- repeat victims and the high-risk protocol ---------------------------------------------------


@dataclass(frozen=True)
class RepeatVictimRule:
    """A repeat victim reported `incidents` or more incidents within `months` months."""

    incidents: int = 3
    months: int = 3


def is_repeat_victim(
    incident_dates: Iterable[date], today: date, rule: RepeatVictimRule = RepeatVictimRule()
) -> bool:
    """True when `rule.incidents` incidents fall in the rolling window ending today.

    The window is the `rule.months` months up to and including today (after today minus the
    months); incidents dated after today are ignored.
    """
    window_opens = add_months(today, -rule.months)
    recent = sum(1 for day in incident_dates if window_opens < day <= today)
    return recent >= rule.incidents


def high_risk_protocol_tasks(
    level: RiskLevel | None,
    repeat_victim: bool,
    today: date,
    vvc_rule: VvcRule = VvcRule(),
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> tuple[TaskSpec, ...]:
    """Tasks of the high-risk protocol: a VSO referral and a VVC referral (none when not needed).

    The VSO referral is due on the next working day on or after today. The VVC referral is due by
    the cut-off of the next meeting; the default cut-off (second Tuesday minus 10 days) is always
    a Saturday, so the task falls due on the last working day on or before the cut-off. The store
    skips tasks the case already has.
    """
    if level is not RiskLevel.HIGH and not repeat_victim:
        return ()
    reason = "high risk" if level is RiskLevel.HIGH else "repeat victim"
    meeting = next_vvc_meeting(today, vvc_rule)
    cutoff = vvc_cutoff(meeting, vvc_rule)
    # The last working day on or before the cut-off, but never before today.
    vvc_due = max(today, add_working_days(cutoff + timedelta(days=1), -1, region, closures))
    return (
        TaskSpec(
            ActionKind.VSO_REFERRAL,
            f"Refer the victim to the Victim Support Officer ({reason})",
            add_working_days(today, 0, region, closures),
        ),
        TaskSpec(
            ActionKind.VVC_REFERRAL,
            f"Refer the case to the VVC of {format_uk(meeting)} ({reason})",
            vvc_due,
        ),
    )
