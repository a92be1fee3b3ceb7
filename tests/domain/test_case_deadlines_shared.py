"""What `deadlines_for_cases` works out once per call (each region's due-soon bounds, working-day
answers, victim updates, the retention rule) gives what each case alone gives, and is never kept
from one call to the next."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from asb_tui.domain.case_deadlines import (
    ActionFact,
    CaseFacts,
    DeadlineRules,
    deadline_state,
    deadlines_for_case,
    deadlines_for_cases,
)
from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months
from asb_tui.domain.types import CaseStatus, DeadlineKind, Region, RiskLevel
from asb_tui.domain.working_days import add_working_days

FRIDAY = date(2026, 11, 27)  # Scotland's St Andrew's Day falls on Monday 30/11/2026


def case(number: int, **changes: object) -> CaseFacts:
    base: dict[str, object] = {
        "id": f"c{number}",
        "ref": f"ASB/{number:05d}",
        "status": CaseStatus.ACCEPTED,
        "accepted_on": FRIDAY,
    }
    base.update(changes)
    return CaseFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("soon_days", [-1, 0, 1, 2, 5])
@pytest.mark.parametrize("today", [FRIDAY, date(2026, 11, 30), date(2026, 12, 25)])
def test_each_state_is_deadline_state_s(today: date, soon_days: int) -> None:
    actions = tuple(
        ActionFact(f"a{offset}", "Call", today + timedelta(days=offset)) for offset in range(-3, 12)
    )
    rules = DeadlineRules(due_soon_days=soon_days)
    found = deadlines_for_cases([case(1, actions=actions, region=Region.SCOTLAND)], today, rules)
    until = add_working_days(today, soon_days, Region.SCOTLAND)
    listed = [d for d in found if d.kind is DeadlineKind.ACTION]
    assert len(listed) == len(actions)
    for deadline in listed:
        assert deadline.state is deadline_state(deadline.due_on, None, today, until), deadline


def test_cases_that_share_a_start_get_their_own_region_s_answer() -> None:
    cases = [
        case(1, region=Region.ENGLAND_AND_WALES, risk_level=RiskLevel.HIGH),
        case(2, region=Region.SCOTLAND, risk_level=RiskLevel.HIGH),
        case(3, region="scotland", risk_level=RiskLevel.HIGH),
        case(4, region=None, risk_level=RiskLevel.HIGH),
        case(5, region=Region.SCOTLAND, risk_level=RiskLevel.HIGH, contact_frequency="5wd"),
        case(6, region=Region.ENGLAND_AND_WALES, contact_frequency="5wd"),
    ]
    today = date(2026, 11, 23)
    together = deadlines_for_cases(cases, today)
    alone = [d for facts in cases for d in deadlines_for_case(facts, today)]
    assert sorted(together) == sorted(alone)
    visits = {d.case_id: d.due_on for d in together if d.kind is DeadlineKind.FIRST_HOME_VISIT}
    # 3 working days after Friday 27/11: Wednesday 02/12, Thursday 03/12 in Scotland.
    assert visits == {
        "c1": date(2026, 12, 2),
        "c2": date(2026, 12, 3),
        "c3": date(2026, 12, 3),
        "c4": date(2026, 12, 2),
        "c5": date(2026, 12, 3),
        "c6": date(2026, 12, 11),
    }


def test_a_later_call_sees_other_closures() -> None:
    cases = [case(1), case(2)]
    today = date(2026, 11, 23)
    before = deadlines_for_cases(cases, today)
    closed = DeadlineRules(closures=frozenset({date(2026, 12, 11)}))
    after = deadlines_for_cases(cases, today, closed)
    visit = DeadlineKind.FIRST_HOME_VISIT
    assert {d.due_on for d in before if d.kind is visit} == {date(2026, 12, 11)}
    assert {d.due_on for d in after if d.kind is visit} == {date(2026, 12, 14)}
    assert deadlines_for_cases(cases, today) == before


def test_a_wrong_retention_period_is_refused_only_when_a_closed_case_needs_it() -> None:
    rules = DeadlineRules(retention_years=0)
    assert deadlines_for_cases([case(1)], FRIDAY, rules)
    closed = case(2, status=CaseStatus.CLOSED, closed_on=FRIDAY)
    with pytest.raises(DomainError):
        deadlines_for_cases([case(1), closed], FRIDAY, rules)
    (kept,) = deadlines_for_cases([closed, closed], FRIDAY, DeadlineRules(retention_years=6))[:1]
    assert (kept.title, kept.due_on) == (
        "Destroy the records (6 years after closure)",
        date(2032, 11, 27),
    )


def test_a_datetime_keeps_its_type_and_time() -> None:
    moved = add_months(datetime(2024, 1, 31, 9, 30), 1)
    assert type(moved) is datetime and moved == datetime(2024, 2, 29, 9, 30)
    assert type(add_months(date(2024, 1, 31), 13)) is date
