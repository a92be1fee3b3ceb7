"""The case commands and read models the screens call (real encrypted store)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.errors import DomainError
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.types import RiskLevel
from asb_tui.store.cache import local_cache as drafts
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Action, AuditEvent, ChangeRecord, Incident, Note
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import (
    CaseFilter,
    case_detail,
    case_review_count,
    dashboard,
    list_cases,
    sync_state,
)
from asb_tui.store.queries.deadline_facts import FactsFilter, deadline_rules, load_case_facts
from asb_tui.store.queries.search import match_expression, search

TODAY = date(2026, 11, 20)


@pytest.fixture
def rules(data_dir: Path) -> DeadlineRules:
    return deadline_rules(Config(data_dir=data_dir), TODAY)


def _accepted(store: Store, rules: DeadlineRules, answer: int = 0) -> str:
    new = cases.refer_case(
        store,
        category="personal",
        summary="Noise",
        referred_on=TODAY,
        officer="me",
        victim_name="Ann",
    )
    questionnaire = load_questionnaire()
    answers = {
        q.id: q.answers[answer if answer >= 0 else len(q.answers) - 1].id
        for q in questionnaire.questions
    }
    cases.accept_case(
        store, new.id, on=TODAY, questionnaire=questionnaire, answers=answers, rules=rules
    )
    return new.id


def test_match_expression_quotes_every_word_as_a_prefix_term() -> None:
    assert match_expression('smith OR "x" NEAR(a*') == (
        'body : "smith"* AND body : "OR"* AND body : "x"* AND body : "NEAR"* AND body : "a"*'
    )
    assert match_expression('  "*()-  ') is None
    assert match_expression("Wójcik") == 'body : "Wójcik"*'


def test_search_never_passes_user_syntax_to_match(store: Store) -> None:
    cases.refer_case(store, category="nuisance", summary="Skateboards at night", referred_on=TODAY)
    with store.read() as session:
        for typed in ['"', "(", "skate*", "skate OR x", "NEAR(", "body:", "-skate", "'"]:
            search(session, typed)  # never an FTS syntax error
        assert [h.entity for h in search(session, "skate")] == ["case"]
        assert search(session, "skate OR") == []  # OR is a word here, not an operator


def test_standard_acceptance_visit_in_ten_working_days_and_no_protocol(
    store: Store, rules: DeadlineRules
) -> None:
    case_id = _accepted(store, rules, answer=0)
    with store.read() as session:
        actions = {a.kind: a for a in session.exec(select(Action)).all()}
    assert actions["home-visit"].due_on == date(2026, 12, 4)
    assert actions["risk-assessment"].done_on == TODAY
    assert "vso-referral" not in actions
    with pytest.raises(DomainError, match="already been accepted"):
        cases.accept_case(
            store,
            case_id,
            on=TODAY,
            questionnaire=load_questionnaire(),
            answers={q.id: q.answers[0].id for q in load_questionnaire().questions},
            rules=rules,
        )


def test_raising_risk_moves_the_home_visit_and_is_audited(
    store: Store, rules: DeadlineRules
) -> None:
    case_id = _accepted(store, rules, answer=0)
    with pytest.raises(DomainError, match="reason"):
        cases.raise_risk(store, case_id, level=RiskLevel.HIGH, reason=" ", on=TODAY, rules=rules)
    change = cases.raise_risk(
        store,
        case_id,
        level=RiskLevel.HIGH,
        reason="threats to burn the car",
        on=TODAY,
        rules=rules,
    )
    assert change.home_visit_due == date(2026, 11, 25) and change.protocol_started
    with store.read() as session:
        visit = session.exec(select(Action).where(Action.kind == "home-visit")).one()
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert visit.due_on == date(2026, 11, 25)
    assert "action.reschedule" in actions and "risk.raise" in actions
    with pytest.raises(DomainError, match="cannot be lowered"):
        cases.raise_risk(store, case_id, level=RiskLevel.MEDIUM, reason="x", on=TODAY, rules=rules)


def test_close_needs_a_reason_and_reopen_restarts_the_process(
    store: Store, rules: DeadlineRules
) -> None:
    case_id = _accepted(store, rules)
    with pytest.raises(DomainError, match="Choose a reason"):
        cases.close_case(store, case_id, reason=None, on=TODAY)
    with pytest.raises(DomainError, match="not accepted"):
        cases.close_case(store, case_id, reason="not-accepted", on=TODAY)
    cases.close_case(store, case_id, reason="asb-ceased", on=TODAY)
    with pytest.raises(DomainError, match="already closed"):
        cases.close_case(store, case_id, reason="asb-ceased", on=TODAY)
    due = cases.reopen_case(
        store, case_id, reason="it started again", on=date(2026, 12, 1), rules=rules
    )
    assert due == date(2026, 12, 15)
    with store.read() as session:
        detail = case_detail(session, case_id, today=date(2026, 12, 1), rules=rules)
        notes = session.exec(select(Note)).all()
    assert detail is not None and detail.summary.status == "reopened"
    assert detail.summary.reopen_count == 1
    assert any(n.kind == "reopening" and n.body == "it started again" for n in notes)
    assert any(a.kind == "inform-victim-closure" for a in detail.actions)


def test_dashboard_ranks_by_next_deadline_and_counts(store: Store, rules: DeadlineRules) -> None:
    high = _accepted(store, rules, answer=-1)
    standard = _accepted(store, rules, answer=0)
    with store.read() as session:
        board = dashboard(session, officer="me", today=date(2026, 11, 26), rules=rules)
    assert [r.case_id for r in board.rows][:2] == [high, standard]
    assert board.counts.open_cases == 2 and board.counts.high_risk == 1
    assert board.counts.overdue_items >= 2  # diary sheets on both, the visit on the high one
    assert board.sync.unsent_changes > 0 and board.sync.last_sync_at is None
    assert board.scope == "open cases of me"
    assert board.counts.case_review_threshold is None  # counted separately, after the table


def test_case_review_count_follows_the_domain_rule(store: Store, rules: DeadlineRules) -> None:
    case_id = _accepted(store, rules)
    with store.write() as uow:
        for day, text in [(2, "eggs"), (5, "music"), (9, "eggs"), (9, "eggs")]:
            uow.add(
                Incident(
                    case_id=case_id,
                    occurred_on=date(2026, 11, day),
                    description=text,
                    reported_to_council_on=date(2026, 11, day),
                    reported_on=date(2026, 11, day),  # what the Case Review counts from
                    reported_to="council",
                ),
                action="incident.add",
            )
    with store.read() as session:
        # The last two are one incident reported twice: it counts once, so 3 in 6 months.
        assert case_review_count(session, {case_id}, TODAY) == 1
        assert case_review_count(session, {case_id}, date(2027, 6, 1)) == 0  # out of window


def test_drafts_are_kept_outside_the_unit_of_work(store: Store) -> None:
    with store.read() as session:
        before = len(session.exec(select(ChangeRecord)).all())
    drafts.save_draft(store, "lock:form", {"summary": "half typed"})
    drafts.save_draft(store, "lock:form", {"summary": "more typed"})
    assert drafts.load_draft(store, "lock:form") == {"summary": "more typed"}
    assert drafts.draft_keys(store, "lock:") == ["lock:form"]
    with store.read() as session:
        assert len(session.exec(select(ChangeRecord)).all()) == before  # never synced
    drafts.delete_draft(store, "lock:form")
    assert drafts.load_draft(store, "lock:form") is None


def test_sync_state_reads_last_sync_setting(store: Store) -> None:
    with store.write() as uow:
        uow.put_setting("last_sync_at", "2026-11-19T16:30:00+00:00")
    with store.read() as session:
        state = sync_state(session)
    assert state.last_sync_at is not None and state.last_sync_at.day == 19


def test_facts_and_list_filters(store: Store, rules: DeadlineRules) -> None:
    case_id = _accepted(store, rules, answer=-1)
    cases.refer_case(store, category="environmental", summary="Fly-tipping", referred_on=TODAY)
    with store.read() as session:
        facts = load_case_facts(session, FactsFilter(open_only=True))
        assert [f.id for f in facts] == [case_id]
        assert facts[0].risk_level is RiskLevel.HIGH
        assert facts[0].risk_assessed_on == TODAY
        only_env = list_cases(session, CaseFilter(category="environmental"))
        assert [r.summary for r in only_env] == ["Fly-tipping"]
        assert list_cases(session, CaseFilter(status="open", risk_level="standard")) == []
        assert [r.case_id for r in list_cases(session, typed="noise")] == [case_id]
