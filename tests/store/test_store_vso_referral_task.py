"""The high-risk protocol's "Refer the victim to the VSO" task is done once the referral is
recorded: after acceptance it is met, never overdue, on the dashboard and in case detail."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import (
    ActionFact,
    CaseFacts,
    deadlines_for_case,
    deadlines_for_cases,
)
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.tasks import ReferralFact
from asb_tui.domain.types import ActionKind, CaseStatus, DeadlineState, ReferralKind
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Action, Referral
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.deadline_facts import FactsFilter, deadline_rules, load_case_facts

ACCEPTED = date(2026, 11, 20)
LATER = date(2026, 12, 4)  # two weeks on: the task, due on acceptance, would be overdue


def _high_risk_case(store: Store, config: Config) -> str:
    new = cases.refer_case(
        store,
        category="personal",
        summary="Threats at the door",
        referred_on=ACCEPTED,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    questionnaire = load_questionnaire()
    answers = {q.id: q.answers[-1].id for q in questionnaire.questions}
    cases.accept_case(
        store,
        new.id,
        on=ACCEPTED,
        questionnaire=questionnaire,
        answers=answers,
        rules=deadline_rules(config, ACCEPTED),
    )
    return new.id


def test_the_vso_task_is_met_once_the_referral_is_recorded(store: Store, data_dir) -> None:
    config = Config(data_dir=data_dir, officer="Test Officer")
    case_id = _high_risk_case(store, config)
    rules = deadline_rules(config, LATER)
    with store.read() as session:
        task = session.exec(
            select(Action).where(Action.kind == ActionKind.VSO_REFERRAL.value)
        ).one()
        referral = session.exec(
            select(Referral).where(Referral.kind == ReferralKind.VSO.value)
        ).one()
        dashboard_facts = load_case_facts(session, FactsFilter(open_only=True, unmet_only=True))
        detail = case_detail(session, case_id, today=LATER, rules=rules)
    assert task.done_on is None and referral.referred_on == ACCEPTED

    still_due = deadlines_for_cases(dashboard_facts, LATER, rules)
    assert task.title not in [d.title for d in still_due]

    assert detail is not None
    (shown,) = [d for d in detail.deadlines if d.source_id == task.id]
    assert shown.state is DeadlineState.MET and shown.done_on == ACCEPTED
    # The Actions tab says the same: the task is done on the day of the referral, not open.
    (row,) = [a for a in detail.actions if a.id == task.id]
    assert row.done_on == ACCEPTED


def test_without_a_referral_the_vso_task_is_overdue() -> None:
    task = ActionFact("a1", "Refer the victim to the VSO", ACCEPTED, None, ActionKind.VSO_REFERRAL)
    facts = CaseFacts("c1", "ASB-1", CaseStatus.ACCEPTED, accepted_on=ACCEPTED, actions=(task,))
    (before,) = [d for d in deadlines_for_case(facts, LATER) if d.source_id == "a1"]
    assert before.state is DeadlineState.OVERDUE
    referred = CaseFacts(
        "c1",
        "ASB-1",
        CaseStatus.ACCEPTED,
        accepted_on=ACCEPTED,
        actions=(task,),
        referrals=(ReferralFact(ReferralKind.VSO.value, ACCEPTED + timedelta(days=1)),),
    )
    (after,) = [d for d in deadlines_for_case(referred, LATER) if d.source_id == "a1"]
    assert after.state is DeadlineState.MET and after.done_on == ACCEPTED + timedelta(days=1)
    # Only the VSO task is done by a VSO referral: another open action stays overdue.
    other = ActionFact("a2", "Phone the police", ACCEPTED, None, ActionKind.GENERAL)
    with_other = CaseFacts(
        "c1",
        "ASB-1",
        CaseStatus.ACCEPTED,
        accepted_on=ACCEPTED,
        actions=(other,),
        referrals=(ReferralFact(ReferralKind.VSO.value, ACCEPTED),),
    )
    (kept,) = [d for d in deadlines_for_case(with_other, LATER) if d.source_id == "a2"]
    assert kept.state is DeadlineState.OVERDUE
