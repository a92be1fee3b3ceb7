"""The high-risk protocol's "Refer the case to the VVC of <meeting>" task is met by a referral
that puts the case on that meeting's agenda: on the meeting day it is not overdue, on the
dashboard, in the case's deadlines or on the Actions tab."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import ActionFact, CaseFacts, deadlines_for_case
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.tasks import ReferralFact
from asb_tui.domain.types import ActionKind, CaseStatus, DeadlineState, ReferralKind
from asb_tui.store.commands import cases
from asb_tui.store.commands import vvc as vvc_store
from asb_tui.store.core.models import Action, Referral
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.deadline_facts import FactsFilter, deadline_rules, load_case_facts

ACCEPTED = date(2026, 11, 16)
MEETING = date(2026, 12, 8)  # the second Tuesday of December: the next meeting after ACCEPTED
VVC = ReferralKind.VVC.value


def _accept_high_risk(store: Store, config: Config) -> str:
    new = cases.refer_case(
        store,
        category="personal",
        summary="Threats at the door",
        referred_on=ACCEPTED,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    questionnaire = load_questionnaire()
    cases.accept_case(
        store,
        new.id,
        on=ACCEPTED,
        questionnaire=questionnaire,
        answers={q.id: q.answers[-1].id for q in questionnaire.questions},
        rules=deadline_rules(config, ACCEPTED),
    )
    return new.id


def test_on_the_meeting_day_a_case_on_the_agenda_has_its_vvc_task_met(
    store: Store, data_dir
) -> None:
    config = Config(data_dir=data_dir, officer="Test Officer")
    case_id = _accept_high_risk(store, config)
    rules = deadline_rules(config, MEETING)
    with store.read() as session:
        task = session.exec(
            select(Action).where(Action.kind == ActionKind.VVC_REFERRAL.value)
        ).one()
        referral = session.exec(select(Referral).where(Referral.kind == VVC)).one()
        dashboard = load_case_facts(session, FactsFilter(open_only=True, unmet_only=True))
        detail = case_detail(session, case_id, today=MEETING, rules=rules)
    assert task.done_on is None and task.due_on is not None and task.due_on < MEETING
    assert f"VVC of {MEETING:%d/%m/%Y}" in task.title
    assert [item.case_id for item in vvc_store.agenda(store, config, MEETING)] == [case_id]

    from asb_tui.domain.case_deadlines import deadlines_for_cases

    assert task.id not in {d.source_id for d in deadlines_for_cases(dashboard, MEETING, rules)}
    assert detail is not None
    (shown,) = [d for d in detail.deadlines if d.source_id == task.id]
    assert shown.state is DeadlineState.MET and shown.done_on == referral.referred_on
    (row,) = [a for a in detail.actions if a.id == task.id]
    assert row.done_on == referral.referred_on


def _vvc_task_state(*referrals: ReferralFact) -> DeadlineState:
    due = MEETING - timedelta(days=11)
    task = ActionFact("t1", "Refer the case to the VVC", due, None, ActionKind.VVC_REFERRAL)
    facts = CaseFacts(
        "c1",
        "ASB-1",
        CaseStatus.REOPENED,
        accepted_on=ACCEPTED,
        actions=(task,),
        referrals=referrals,
    )
    (deadline,) = [d for d in deadlines_for_case(facts, MEETING) if d.source_id == "t1"]
    return deadline.state


def test_only_a_referral_for_that_meeting_or_a_later_one_meets_the_vvc_task() -> None:
    assert _vvc_task_state() is DeadlineState.OVERDUE
    waiting = ReferralFact(VVC, ACCEPTED, MEETING, "open")
    assert _vvc_task_state(waiting) is DeadlineState.MET
    assert _vvc_task_state(waiting._replace(status="heard")) is DeadlineState.MET
    # Heard at an earlier meeting (before the case was reopened): the new task is still open.
    earlier = ReferralFact(VVC, date(2026, 3, 1), date(2026, 3, 10), "heard")
    assert _vvc_task_state(earlier) is DeadlineState.OVERDUE
    assert _vvc_task_state(waiting._replace(status="withdrawn")) is DeadlineState.OVERDUE
    # A VSO referral is not a VVC referral.
    vso = ReferralFact(ReferralKind.VSO.value, ACCEPTED)
    assert _vvc_task_state(vso) is DeadlineState.OVERDUE
