"""Risk questionnaire loading and validation, scoring, overrides, repeat victims, protocol."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from asb_tui.domain.errors import DomainError, QuestionnaireError
from asb_tui.domain.risk import (
    RepeatVictimRule,
    apply_override,
    high_risk_protocol_tasks,
    is_repeat_victim,
    load_questionnaire,
    score_assessment,
)
from asb_tui.domain.types import ActionKind, RiskLevel
from asb_tui.domain.vvc import VvcRule

VALID = """
version = "test-1"
[thresholds]
high = 6
medium = 3

[[questions]]
id = "q1"
text = "First?"
help = "Help one"
answers = [
  { id = "no", label = "No", score = 0 },
  { id = "yes", label = "Yes", score = 3 },
]

[[questions]]
id = "q2"
text = "Second?"
answers = [
  { id = "no", label = "No", score = 0 },
  { id = "some", label = "Some", score = 2 },
  { id = "life", label = "Fears for life", score = 1, forces_high = true },
]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questionnaire.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the default file ----------------------------------------------------------------------------


def test_default_questionnaire_loads_and_covers_the_usual_questions() -> None:
    questionnaire = load_questionnaire()
    assert questionnaire.version
    ids = {question.id for question in questionnaire.questions}
    expected = {
        "hate",
        "repeat-incidents",
        "physical-health",
        "mental-health",
        "unsafe-at-home",
        "unsafe-going-out",
        "isolation",
        "vulnerability",
        "children-affected",
        "daily-life",
        "thinking-of-moving",
        "earlier-reports",
        "reprisal",
        "perpetrator-nearby",
        "victim-view",
    }
    assert expected <= ids
    assert any(a.forces_high for q in questionnaire.questions for a in q.answers)
    assert 0 < questionnaire.medium_threshold < questionnaire.high_threshold
    assert questionnaire.high_threshold <= questionnaire.max_score


def test_default_scores_map_to_all_three_levels() -> None:
    questionnaire = load_questionnaire()
    lowest = {q.id: min(q.answers, key=lambda a: a.score).id for q in questionnaire.questions}
    highest = {q.id: max(q.answers, key=lambda a: a.score).id for q in questionnaire.questions}
    assert score_assessment(questionnaire, lowest).level is RiskLevel.STANDARD
    assert score_assessment(questionnaire, highest).level is RiskLevel.HIGH
    fear = score_assessment(questionnaire, {"reprisal": "fears-for-life"})
    assert (fear.level, fear.forced_by) == (RiskLevel.HIGH, ("reprisal",))


# --- scoring -------------------------------------------------------------------------------------


def test_score_and_levels_by_threshold(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, VALID))
    standard = score_assessment(questionnaire, {"q1": "no", "q2": "some"})
    assert (standard.score, standard.level, standard.missing) == (2, RiskLevel.STANDARD, ())
    assert standard.complete
    medium = score_assessment(questionnaire, {"q1": "yes", "q2": "no"})
    assert (medium.score, medium.level) == (3, RiskLevel.MEDIUM)
    high = score_assessment(questionnaire, {"q1": "yes", "q2": "life"})
    assert (high.score, high.level, high.forced_by) == (4, RiskLevel.HIGH, ("q2",))


def test_missing_questions_are_listed(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, VALID))
    result = score_assessment(questionnaire, {"q2": "some"})
    assert result.missing == ("q1",)
    assert not result.complete


def test_unknown_question_or_answer_is_named(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, VALID))
    with pytest.raises(ValueError, match="'q9'"):
        score_assessment(questionnaire, {"q9": "no"})
    with pytest.raises(ValueError, match=r"'maybe'.*'q1'"):
        score_assessment(questionnaire, {"q1": "maybe"})


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("version = [", "not valid TOML"),
        (VALID.replace("[thresholds]\nhigh = 6\nmedium = 3\n", ""), "thresholds"),
        (VALID.replace("medium = 3", ""), "'medium' is missing"),
        (VALID.replace("high = 6", "high = 2"), "medium < high"),
        (VALID.replace('id = "q2"', 'id = "q1"'), "'q1' is used more than once"),
        (VALID.replace('{ id = "some"', '{ id = "no"'), "answer id 'no' is used more than once"),
        (VALID.replace("score = 3", "score = 3.5"), "whole number"),
        (VALID.replace("score = 3", 'score = "3"'), "whole number"),
        (VALID.replace("score = 3", "score = true"), "whole number"),
        (VALID.replace("score = 3", "scor = 3"), "unknown keys: scor"),
        (VALID.replace('version = "test-1"', ""), "'version' is missing"),
        (VALID.replace('text = "Second?"', ""), "'text' is missing"),
        (VALID.replace("forces_high = true", 'forces_high = "yes"'), "true or false"),
        ('version = "x"\n[thresholds]\nhigh = 6\nmedium = 3\n', "no [[questions]]"),
        (
            'version = "x"\n[thresholds]\nhigh = 6\nmedium = 3\n'
            '[[questions]]\nid = "q"\ntext = "Q?"\nanswers = []\n',
            "has no answers",
        ),
        (VALID + "\nsurprise = 1\n", "unknown keys"),
    ],
)
def test_malformed_questionnaire_is_refused_naming_file_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="cannot read"):
        load_questionnaire(tmp_path / "absent.toml")


# --- overrides -----------------------------------------------------------------------------------


def test_override_may_raise_with_a_reason() -> None:
    assert apply_override(RiskLevel.STANDARD, RiskLevel.HIGH, "Known history") is RiskLevel.HIGH
    assert apply_override(RiskLevel.MEDIUM, None, "") is RiskLevel.MEDIUM
    assert apply_override(RiskLevel.MEDIUM, RiskLevel.MEDIUM, "") is RiskLevel.MEDIUM


def test_override_refuses_lowering() -> None:
    with pytest.raises(DomainError, match="cannot be lowered from high to medium"):
        apply_override(RiskLevel.HIGH, RiskLevel.MEDIUM, "Victim says it is fine")


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_refuses_an_empty_reason(reason: str) -> None:
    with pytest.raises(DomainError, match="Give a reason"):
        apply_override(RiskLevel.STANDARD, RiskLevel.MEDIUM, reason)


# --- repeat victims ------------------------------------------------------------------------------


def test_three_incidents_in_three_months_make_a_repeat_victim() -> None:
    today = date(2026, 11, 23)
    three = [date(2026, 8, 24), date(2026, 10, 1), date(2026, 11, 23)]
    assert is_repeat_victim(three, today)
    # 23/08 is exactly three months ago: outside the window.
    assert not is_repeat_victim([date(2026, 8, 23), date(2026, 10, 1), today], today)
    assert not is_repeat_victim(three[:2], today)
    # Future-dated incidents do not count.
    assert not is_repeat_victim([date(2026, 10, 1), today, date(2026, 12, 1)], today)


def test_repeat_victim_rule_is_configurable() -> None:
    today = date(2026, 11, 23)
    two = [date(2026, 11, 1), date(2026, 11, 20)]
    assert is_repeat_victim(two, today, RepeatVictimRule(incidents=2, months=1))
    assert not is_repeat_victim(
        [date(2026, 10, 1), today], today, RepeatVictimRule(incidents=2, months=1)
    )


# --- high-risk protocol --------------------------------------------------------------------------


def test_protocol_starts_for_high_risk_or_repeat_victims_only() -> None:
    today = date(2026, 11, 23)
    assert high_risk_protocol_tasks(RiskLevel.MEDIUM, False, today) == ()
    assert high_risk_protocol_tasks(None, False, today) == ()
    tasks = high_risk_protocol_tasks(RiskLevel.HIGH, False, today)
    assert [task.kind for task in tasks] == [ActionKind.VSO_REFERRAL, ActionKind.VVC_REFERRAL]
    assert tasks[0].due_on == today
    # Next meeting 08/12/2026; cut-off Saturday 28/11, so the referral is due Friday 27/11.
    assert tasks[1].due_on == date(2026, 11, 27)
    assert "08/12/2026" in tasks[1].title
    repeat = high_risk_protocol_tasks(RiskLevel.STANDARD, True, today)
    assert [task.kind for task in repeat] == [ActionKind.VSO_REFERRAL, ActionKind.VVC_REFERRAL]
    assert "repeat victim" in repeat[0].title


def test_protocol_on_a_weekend_and_with_another_rule() -> None:
    saturday = date(2026, 11, 28)  # the cut-off day itself
    tasks = high_risk_protocol_tasks(RiskLevel.HIGH, False, saturday)
    assert tasks[0].due_on == date(2026, 11, 30)  # the VSO referral: next working day
    assert tasks[1].due_on == saturday  # never before the day the protocol starts
    rule = VvcRule(weekday=3, nth=1, cutoff_days=7)  # first Thursday, cut-off a week before
    other = high_risk_protocol_tasks(RiskLevel.HIGH, False, date(2026, 11, 23), rule)
    assert other[1].due_on == date(2026, 11, 26)
    assert "03/12/2026" in other[1].title
