"""Deadlines of a case: due dates, RAG states, contact frequencies, legal remedies, retention."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.case_deadlines import (
    ActionFact,
    CaseFacts,
    Deadline,
    DeadlineRules,
    LegalRemedyFact,
    deadline_state,
    deadlines_for_case,
    deadlines_for_cases,
    home_visit_due,
    manager_review_due,
)
from asb_tui.domain.contact import (
    ContactFrequency,
    FrequencyUnit,
    next_victim_update_due,
    parse_contact_frequency,
)
from asb_tui.domain.errors import DomainError
from asb_tui.domain.legal import legal_remedy_dates, retention_due
from asb_tui.domain.types import (
    ActionKind,
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    LegalRemedyKind,
    Region,
    RiskLevel,
)

FRIDAY = date(2026, 11, 20)
MONDAY = date(2026, 11, 23)


def open_case(**changes: object) -> CaseFacts:
    base: dict[str, object] = {
        "id": "c1",
        "ref": "ASB/00001",
        "status": CaseStatus.ACCEPTED,
        "accepted_on": FRIDAY,
    }
    base.update(changes)
    return CaseFacts(**base)  # type: ignore[arg-type]


def by_kind(deadlines: list[Deadline], kind: DeadlineKind) -> Deadline:
    matches = [d for d in deadlines if d.kind is kind]
    assert len(matches) == 1, f"expected one {kind}, got {matches}"
    return matches[0]


# --- states --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "done", "expected"),
    [
        (date(2026, 11, 19), date(2026, 11, 19), DeadlineState.MET),
        (date(2026, 11, 30), date(2026, 11, 1), DeadlineState.MET),
        (date(2026, 11, 22), None, DeadlineState.OVERDUE),
        (MONDAY, None, DeadlineState.DUE_TODAY),
        (date(2026, 11, 24), None, DeadlineState.DUE_SOON),
        (date(2026, 11, 25), None, DeadlineState.DUE_SOON),  # 2 working days
        (date(2026, 11, 26), None, DeadlineState.NOT_DUE),
    ],
)
def test_deadline_state(due: date, done: date | None, expected: DeadlineState) -> None:
    assert deadline_state(due, done, MONDAY, due_soon_until=date(2026, 11, 25)) is expected


def test_due_soon_counts_working_days_over_a_weekend() -> None:
    # Today Friday: due soon runs to Tuesday (Monday and Tuesday are the 2 working days).
    facts = open_case(accepted_on=date(2026, 11, 10), risk_level=RiskLevel.STANDARD)
    rules = DeadlineRules()
    visit = by_kind(deadlines_for_case(facts, FRIDAY, rules), DeadlineKind.FIRST_HOME_VISIT)
    assert visit.due_on == date(2026, 11, 24)  # 10 working days after Tuesday 10/11
    assert visit.state is DeadlineState.DUE_SOON
    later = by_kind(
        deadlines_for_case(facts, date(2026, 11, 19), rules), DeadlineKind.FIRST_HOME_VISIT
    )
    assert later.state is DeadlineState.NOT_DUE


# --- first home visit, diary sheets, risk assessment ---------------------------------------------


def test_home_visit_three_working_days_when_high_risk_else_ten() -> None:
    assert home_visit_due(FRIDAY, RiskLevel.HIGH) == date(2026, 11, 25)
    assert home_visit_due(FRIDAY, RiskLevel.MEDIUM) == date(2026, 12, 4)
    assert home_visit_due(FRIDAY, RiskLevel.STANDARD) == date(2026, 12, 4)
    assert home_visit_due(FRIDAY, None) == date(2026, 12, 4)
    assert home_visit_due(date(2026, 11, 27), RiskLevel.HIGH, "scotland") == date(2026, 12, 3)


def test_home_visit_moves_when_the_risk_level_changes() -> None:
    standard = deadlines_for_case(open_case(risk_level=RiskLevel.STANDARD), MONDAY)
    high = deadlines_for_case(open_case(risk_level=RiskLevel.HIGH), MONDAY)
    assert by_kind(standard, DeadlineKind.FIRST_HOME_VISIT).due_on == date(2026, 12, 4)
    assert by_kind(high, DeadlineKind.FIRST_HOME_VISIT).due_on == date(2026, 11, 25)


def test_diary_sheets_and_risk_assessment_due_on_acceptance() -> None:
    found = deadlines_for_case(open_case(diary_sheets_sent_on=FRIDAY), MONDAY)
    diary = by_kind(found, DeadlineKind.DIARY_SHEETS)
    assert (diary.due_on, diary.state, diary.done_on) == (FRIDAY, DeadlineState.MET, FRIDAY)
    risk = by_kind(found, DeadlineKind.RISK_ASSESSMENT)
    assert (risk.due_on, risk.state) == (FRIDAY, DeadlineState.OVERDUE)


def test_done_automatic_task_marks_the_fact_deadline_met_and_is_not_listed_twice() -> None:
    actions = (ActionFact("t1", "Send diary sheets", FRIDAY, FRIDAY, ActionKind.DIARY_SHEETS),)
    found = deadlines_for_case(open_case(actions=actions), MONDAY)
    assert by_kind(found, DeadlineKind.DIARY_SHEETS).state is DeadlineState.MET
    assert not [d for d in found if d.kind is DeadlineKind.ACTION]


def test_region_of_the_case_is_used() -> None:
    # Accepted Friday 27/11/2026 in Scotland: St Andrew's Day (Monday 30/11) is skipped.
    facts = open_case(accepted_on=date(2026, 11, 27), region=Region.SCOTLAND)
    facts_high = open_case(
        accepted_on=date(2026, 11, 27), region=Region.SCOTLAND, risk_level=RiskLevel.HIGH
    )
    high_visit = by_kind(deadlines_for_case(facts_high, MONDAY), DeadlineKind.FIRST_HOME_VISIT)
    assert high_visit.due_on == date(2026, 12, 3)
    visit = by_kind(deadlines_for_case(facts, MONDAY), DeadlineKind.FIRST_HOME_VISIT)
    assert visit.due_on == date(2026, 12, 14)


# --- victim updates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5wd", ContactFrequency(5, FrequencyUnit.WORKING_DAYS)),
        ("10WD", ContactFrequency(10, FrequencyUnit.WORKING_DAYS)),
        (" weekly ", ContactFrequency(1, FrequencyUnit.WEEKS)),
        ("fortnightly", ContactFrequency(2, FrequencyUnit.WEEKS)),
        ("monthly", ContactFrequency(1, FrequencyUnit.MONTHS)),
        ("3w", ContactFrequency(3, FrequencyUnit.WEEKS)),
        ("2m", ContactFrequency(2, FrequencyUnit.MONTHS)),
    ],
)
def test_parse_contact_frequency(text: str, expected: ContactFrequency) -> None:
    assert parse_contact_frequency(text) == expected


@pytest.mark.parametrize("text", ["", "daily-ish", "0wd", "wd", "5", "-3wd", "every week"])
def test_bad_contact_frequency_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="contact frequency"):
        parse_contact_frequency(text)


@pytest.mark.parametrize(
    ("text", "last", "expected"),
    [
        ("5wd", FRIDAY, date(2026, 11, 27)),
        ("10wd", date(2026, 12, 18), date(2027, 1, 6)),  # skips 25/12, 28/12 and 01/01
        ("weekly", FRIDAY, date(2026, 11, 27)),
        ("fortnightly", FRIDAY, date(2026, 12, 4)),
        ("monthly", date(2026, 1, 31), date(2026, 3, 2)),  # 28/02 is a Saturday
        ("monthly", date(2026, 7, 31), date(2026, 9, 1)),  # 31/08 is a bank holiday
        ("weekly", date(2026, 12, 18), date(2026, 12, 29)),  # 25/12 a Friday bank holiday
    ],
)
def test_next_victim_update(text: str, last: date, expected: date) -> None:
    assert next_victim_update_due(parse_contact_frequency(text), last) == expected


def test_each_logged_update_moves_the_next_one() -> None:
    agreed = open_case(contact_frequency="weekly", contact_agreed_on=date(2026, 11, 12))
    first = by_kind(deadlines_for_case(agreed, MONDAY), DeadlineKind.VICTIM_UPDATE)
    assert (first.due_on, first.state) == (date(2026, 11, 19), DeadlineState.OVERDUE)
    updated = open_case(
        contact_frequency="weekly",
        contact_agreed_on=date(2026, 11, 12),
        last_victim_update_on=MONDAY,
    )
    second = by_kind(deadlines_for_case(updated, MONDAY), DeadlineKind.VICTIM_UPDATE)
    assert (second.due_on, second.state) == (date(2026, 11, 30), DeadlineState.NOT_DUE)
    assert "weekly" in second.title


def test_no_update_deadline_before_a_frequency_is_agreed() -> None:
    found = deadlines_for_case(open_case(), MONDAY)
    assert not [d for d in found if d.kind is DeadlineKind.VICTIM_UPDATE]


# --- actions, manager review, legal remedies -----------------------------------------------------


def test_actions_use_their_own_due_dates() -> None:
    actions = (
        ActionFact("a1", "Call the landlord", date(2026, 11, 24)),
        ActionFact("a2", "Letter to neighbour", date(2026, 11, 2), date(2026, 11, 3)),
        ActionFact("a3", "Undated", None),
    )
    found = deadlines_for_case(open_case(actions=actions), MONDAY)
    listed = {d.source_id: d for d in found if d.kind is DeadlineKind.ACTION}
    assert set(listed) == {"a1", "a2"}
    assert listed["a1"].state is DeadlineState.DUE_SOON
    assert listed["a1"].title == "Call the landlord"
    assert listed["a2"].state is DeadlineState.MET


def test_manager_review_every_fourteen_days_for_high_risk_only() -> None:
    high = open_case(risk_level=RiskLevel.HIGH, last_manager_review_on=date(2026, 11, 9))
    review = by_kind(deadlines_for_case(high, MONDAY), DeadlineKind.MANAGER_REVIEW)
    assert (review.due_on, review.state) == (MONDAY, DeadlineState.DUE_TODAY)
    never_reviewed = open_case(risk_level=RiskLevel.HIGH)
    assert by_kind(
        deadlines_for_case(never_reviewed, MONDAY), DeadlineKind.MANAGER_REVIEW
    ).due_on == date(2026, 12, 4)
    standard = open_case(risk_level=RiskLevel.STANDARD)
    assert not [
        d for d in deadlines_for_case(standard, MONDAY) if d.kind is DeadlineKind.MANAGER_REVIEW
    ]
    # Configurable, and a due date on a bank holiday moves to the next working day.
    assert manager_review_due(date(2026, 12, 11), None, every_days=14) == date(2026, 12, 29)
    rules = DeadlineRules(manager_review_days=7)
    assert by_kind(
        deadlines_for_case(never_reviewed, MONDAY, rules), DeadlineKind.MANAGER_REVIEW
    ).due_on == date(2026, 11, 27)


def test_abc_review_at_three_months_and_ends_at_six() -> None:
    dates = legal_remedy_dates(LegalRemedyKind.ABC, date(2026, 8, 31))
    assert dates.review_on == date(2026, 11, 30)
    assert dates.expires_on == date(2027, 2, 28)


@pytest.mark.parametrize("kind", list(LegalRemedyKind))
def test_every_remedy_kind_has_a_review(kind: LegalRemedyKind) -> None:
    dates = legal_remedy_dates(kind, date(2026, 1, 15))
    assert dates.review_on is not None and dates.review_on > date(2026, 1, 15)
    if dates.expires_on is not None:
        assert dates.expires_on > dates.review_on


def test_legal_remedy_deadlines_on_the_case() -> None:
    remedies = (
        LegalRemedyFact("r1", LegalRemedyKind.ABC, date(2026, 8, 23)),
        LegalRemedyFact("r2", LegalRemedyKind.CPN, date(2026, 1, 1), ended_on=date(2026, 3, 1)),
    )
    found = deadlines_for_case(open_case(legal_remedies=remedies), MONDAY)
    review = by_kind(found, DeadlineKind.LEGAL_REVIEW)
    assert (review.due_on, review.state, review.source_id) == (
        MONDAY,
        DeadlineState.DUE_TODAY,
        "r1",
    )
    assert by_kind(found, DeadlineKind.LEGAL_EXPIRY).due_on == date(2027, 2, 23)


# --- retention, closed and referred cases --------------------------------------------------------


def test_retention_five_years_after_closure() -> None:
    assert retention_due(date(2026, 11, 23)) == date(2031, 11, 23)
    assert retention_due(date(2024, 2, 29)) == date(2029, 2, 28)  # no 29/02/2029
    assert retention_due(date(2024, 2, 29), years=4) == date(2028, 2, 29)
    assert retention_due(date(2026, 1, 1), years=7) == date(2033, 1, 1)


def test_closed_case_has_only_retention_and_open_actions() -> None:
    facts = open_case(
        status=CaseStatus.CLOSED,
        closed_on=date(2026, 11, 2),
        risk_level=RiskLevel.HIGH,
        contact_frequency="weekly",
        actions=(
            ActionFact(
                "i1", "Tell the victim", date(2026, 11, 2), None, ActionKind.INFORM_VICTIM_CLOSURE
            ),
        ),
    )
    found = deadlines_for_case(facts, MONDAY)
    assert {d.kind for d in found} == {DeadlineKind.RETENTION, DeadlineKind.ACTION}
    assert by_kind(found, DeadlineKind.RETENTION).due_on == date(2031, 11, 2)
    assert by_kind(found, DeadlineKind.ACTION).state is DeadlineState.OVERDUE


def test_referred_case_has_no_process_deadlines() -> None:
    facts = open_case(status=CaseStatus.REFERRED, accepted_on=None)
    assert deadlines_for_case(facts, MONDAY) == []


def test_reopened_case_counts_from_the_reopening() -> None:
    facts = open_case(status=CaseStatus.REOPENED, accepted_on=MONDAY, risk_level=RiskLevel.HIGH)
    visit = by_kind(deadlines_for_case(facts, MONDAY), DeadlineKind.FIRST_HOME_VISIT)
    assert visit.due_on == date(2026, 11, 26)


# --- many cases ----------------------------------------------------------------------------------


def test_deadlines_for_cases_sorted_soonest_first_without_met() -> None:
    cases = [
        open_case(id="a", ref="A", accepted_on=date(2026, 11, 2), diary_sheets_sent_on=FRIDAY),
        open_case(id="b", ref="B", accepted_on=FRIDAY, risk_level=RiskLevel.HIGH),
        open_case(id="c", ref="C", status=CaseStatus.CLOSED, closed_on=date(2025, 1, 1)),
    ]
    found = deadlines_for_cases(cases, MONDAY)
    assert [d.due_on for d in found] == sorted(d.due_on for d in found)
    assert all(d.state is not DeadlineState.MET for d in found)
    assert {d.case_id for d in found} == {"a", "b", "c"}
    assert found[-1].kind is DeadlineKind.RETENTION
    with_met = deadlines_for_cases(cases, MONDAY, include_met=True)
    assert len(with_met) == len(found) + 1


def test_closures_in_rules_move_deadlines() -> None:
    rules = DeadlineRules(closures=frozenset({date(2026, 11, 23), date(2026, 11, 24)}))
    facts = open_case(risk_level=RiskLevel.HIGH)
    visit = by_kind(deadlines_for_case(facts, MONDAY, rules), DeadlineKind.FIRST_HOME_VISIT)
    assert visit.due_on == date(2026, 11, 27)


def test_bad_contact_frequency_in_facts_is_a_domain_error() -> None:
    with pytest.raises(DomainError):
        deadlines_for_case(open_case(contact_frequency="now and then"), MONDAY)
