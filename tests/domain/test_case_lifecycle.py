"""Case lifecycle: every transition, legal and illegal; automatic tasks; perpetrator visits."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.errors import DomainError
from asb_tui.domain.lifecycle import (
    Accept,
    CaseEvent,
    CaseLifecycle,
    Close,
    Reopen,
    VictimAgreement,
    acceptance_tasks,
    apply_event,
    check_perpetrator_visit_allowed,
    closure_tasks,
    transition,
)
from asb_tui.domain.types import ActionKind, CaseStatus, ClosureReason, RiskLevel

DAY = date(2026, 11, 20)
ACCEPT = Accept(DAY)
CLOSE_CEASED = Close(DAY, ClosureReason.ASB_CEASED)
CLOSE_NOT_ACCEPTED = Close(DAY, ClosureReason.NOT_ACCEPTED)
REOPEN = Reopen(DAY, "New incidents reported")

LEGAL: list[tuple[CaseStatus, CaseEvent, CaseStatus]] = [
    (CaseStatus.REFERRED, ACCEPT, CaseStatus.ACCEPTED),
    (CaseStatus.REFERRED, CLOSE_NOT_ACCEPTED, CaseStatus.CLOSED),
    (CaseStatus.ACCEPTED, CLOSE_CEASED, CaseStatus.CLOSED),
    (CaseStatus.ACCEPTED, Close(DAY, ClosureReason.NO_FURTHER_PROGRESS), CaseStatus.CLOSED),
    (CaseStatus.ACCEPTED, Close(DAY, ClosureReason.VICTIM_NO_CONTACT), CaseStatus.CLOSED),
    (CaseStatus.REOPENED, CLOSE_CEASED, CaseStatus.CLOSED),
    (CaseStatus.CLOSED, REOPEN, CaseStatus.REOPENED),
]

ILLEGAL: list[tuple[CaseStatus, CaseEvent, str]] = [
    (CaseStatus.ACCEPTED, ACCEPT, "already been accepted"),
    (CaseStatus.REOPENED, ACCEPT, "already been accepted"),
    (CaseStatus.CLOSED, ACCEPT, "Reopen it instead"),
    (CaseStatus.REFERRED, CLOSE_CEASED, "only be closed as 'not accepted'"),
    (CaseStatus.ACCEPTED, CLOSE_NOT_ACCEPTED, "cannot be closed as 'not accepted'"),
    (CaseStatus.REOPENED, CLOSE_NOT_ACCEPTED, "cannot be closed as 'not accepted'"),
    (CaseStatus.CLOSED, CLOSE_CEASED, "already closed"),
    (CaseStatus.CLOSED, CLOSE_NOT_ACCEPTED, "already closed"),
    (CaseStatus.REFERRED, REOPEN, "never been accepted"),
    (CaseStatus.ACCEPTED, REOPEN, "already open"),
    (CaseStatus.REOPENED, REOPEN, "already open"),
    (CaseStatus.CLOSED, Reopen(DAY, "  "), "reason for reopening"),
]


@pytest.mark.parametrize(("current", "event", "expected"), LEGAL)
def test_legal_transitions(current: CaseStatus, event: CaseEvent, expected: CaseStatus) -> None:
    assert transition(current, event) is expected


@pytest.mark.parametrize(("current", "event", "why"), ILLEGAL)
def test_illegal_transitions_say_why(current: CaseStatus, event: CaseEvent, why: str) -> None:
    with pytest.raises(DomainError, match=why):
        transition(current, event)


def test_every_status_and_event_pair_is_decided() -> None:
    decided = {(c, type(e), getattr(e, "reason", None)) for c, e, _ in LEGAL}
    decided |= {(c, type(e), getattr(e, "reason", None)) for c, e, _ in ILLEGAL}
    for status in CaseStatus:
        for event in (ACCEPT, CLOSE_CEASED, CLOSE_NOT_ACCEPTED, REOPEN):
            assert (status, type(event), getattr(event, "reason", None)) in decided


def test_acceptance_tasks() -> None:
    tasks = acceptance_tasks(DAY)
    assert [t.kind for t in tasks] == [
        ActionKind.DIARY_SHEETS,
        ActionKind.RISK_ASSESSMENT,
        ActionKind.HOME_VISIT,
    ]
    assert tasks[0].due_on == DAY and tasks[1].due_on == DAY
    assert tasks[2].due_on == date(2026, 12, 4)  # unknown level: standard's 10 working days
    assert acceptance_tasks(DAY, RiskLevel.HIGH)[2].due_on == date(2026, 11, 25)


def test_closure_tasks_tell_the_victim() -> None:
    (task,) = closure_tasks(DAY, ClosureReason.ASB_CEASED)
    assert (task.kind, task.due_on) == (ActionKind.INFORM_VICTIM_CLOSURE, DAY)
    (declined,) = closure_tasks(DAY, ClosureReason.NOT_ACCEPTED)
    assert "not accepted" in declined.title


def test_apply_event_through_a_whole_life() -> None:
    referred = CaseLifecycle(CaseStatus.REFERRED)
    accepted, tasks = apply_event(referred, Accept(DAY, RiskLevel.HIGH))
    assert accepted.status is CaseStatus.ACCEPTED and accepted.accepted_on == DAY
    assert tasks[2].due_on == date(2026, 11, 25)
    closed, tasks = apply_event(accepted, Close(date(2027, 3, 1), ClosureReason.ASB_CEASED))
    assert (closed.status, closed.closed_on, closed.closure_reason) == (
        CaseStatus.CLOSED,
        date(2027, 3, 1),
        ClosureReason.ASB_CEASED,
    )
    assert tasks[0].kind is ActionKind.INFORM_VICTIM_CLOSURE
    reopened, tasks = apply_event(closed, Reopen(date(2027, 4, 1), "It started again"))
    assert reopened.status is CaseStatus.REOPENED
    assert reopened.reopen_count == 1
    assert reopened.accepted_on == date(2027, 4, 1)
    assert reopened.closed_on is None
    assert [t.kind for t in tasks] == [
        ActionKind.DIARY_SHEETS,
        ActionKind.RISK_ASSESSMENT,
        ActionKind.HOME_VISIT,
    ]
    closed_again, _ = apply_event(reopened, Close(date(2027, 5, 3), ClosureReason.ASB_CEASED))
    again, _ = apply_event(closed_again, Reopen(date(2027, 6, 1), "Again"))
    assert again.reopen_count == 2


def test_apply_event_refuses_dates_out_of_order() -> None:
    accepted = CaseLifecycle(CaseStatus.ACCEPTED, accepted_on=DAY)
    with pytest.raises(DomainError, match="before it was accepted"):
        apply_event(accepted, Close(date(2026, 11, 1), ClosureReason.ASB_CEASED))
    closed = CaseLifecycle(CaseStatus.CLOSED, accepted_on=DAY, closed_on=date(2026, 12, 1))
    with pytest.raises(DomainError, match="before it was closed"):
        apply_event(closed, Reopen(date(2026, 11, 30), "Reason"))


# --- perpetrator visits --------------------------------------------------------------------------


def test_perpetrator_visit_needs_agreement() -> None:
    with pytest.raises(DomainError, match="has not agreed"):
        check_perpetrator_visit_allowed([])
    check_perpetrator_visit_allowed([VictimAgreement(date(2026, 11, 1))])


def test_perpetrator_visit_refused_after_withdrawal() -> None:
    withdrawn = [VictimAgreement(date(2026, 11, 1), withdrawn_on=date(2026, 11, 10))]
    with pytest.raises(DomainError, match=r"withdrew agreement .* on 10/11/2026"):
        check_perpetrator_visit_allowed(withdrawn)
    # A visit dated before the withdrawal was allowed.
    check_perpetrator_visit_allowed(withdrawn, on=date(2026, 11, 5))
    # Agreement given again later stands.
    again = [*withdrawn, VictimAgreement(date(2026, 11, 15))]
    check_perpetrator_visit_allowed(again)


def test_perpetrator_visit_before_agreement_was_given_is_refused() -> None:
    with pytest.raises(DomainError, match="has not agreed"):
        check_perpetrator_visit_allowed([VictimAgreement(date(2026, 11, 10))], on=date(2026, 11, 1))
