"""The Act's powers through the store: a remedy proposed against a person of the case, moved by
legal moves only (each audited, with its stage), a CPN refused without a warning served on the
same person in the same case, and the clock in the case's deadlines (an ended order no longer
overdue; the closure hearing with its time)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from case_testkit import make_case
from legal_testkit import NOW, TODAY, add_respondent, at
from sqlmodel import col, select

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.errors import DomainError
from asb_tui.domain.legal_powers import RemedyStatus as S
from asb_tui.domain.types import DeadlineKind, DeadlineState
from asb_tui.domain.types import LegalRemedyKind as K
from asb_tui.store.commands import legal, legal_powers
from asb_tui.store.commands.fieldwork import FieldworkError
from asb_tui.store.core.models import AuditEvent, LegalRemedy, LegalStage
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import case_detail


def _deadlines(store: Store, case_id: str, today: date = TODAY) -> list[tuple[str, str, str]]:
    with store.read() as session:
        detail = case_detail(session, case_id, today=today, rules=DeadlineRules())
    assert detail is not None
    return [
        (d.title, d.due_on.isoformat(), d.state.value)
        for d in detail.deadlines
        if d.kind in (DeadlineKind.LEGAL_REVIEW, DeadlineKind.LEGAL_EXPIRY, DeadlineKind.LEGAL_STEP)
    ]


def test_a_remedy_is_against_a_person_of_the_case(store: Store, case_id: str) -> None:
    with pytest.raises(DomainError, match="whom"):
        legal_powers.propose_remedy(store, case_id, kind=K.CBO, person_id=None)
    other = add_respondent(store, make_case(store, victim="Someone Else"), "Not Of This Case")
    with pytest.raises(FieldworkError, match="one of the case's"):
        legal_powers.propose_remedy(store, case_id, kind=K.CBO, person_id=other)
    with store.read() as session:
        assert session.exec(select(LegalRemedy)).all() == []


def test_a_cpn_is_refused_without_a_prior_warning_on_the_same_person(
    store: Store, case_id: str
) -> None:
    dean = add_respondent(store, case_id)
    other = add_respondent(store, case_id, "Kyle Marsh")
    # a warning to someone else does not count
    warning = legal_powers.propose_remedy(store, case_id, kind=K.CPW, person_id=other)
    legal_powers.move_remedy(
        store, warning.id, to=S.SERVED, on=date(2026, 11, 2), comply_by=date(2026, 11, 16), now=NOW
    )
    notice = legal_powers.propose_remedy(store, case_id, kind=K.CPN, person_id=dean)
    with pytest.raises(DomainError, match="written warning first"):
        legal_powers.move_remedy(store, notice.id, to=S.SERVED, on=TODAY, now=NOW)
    # a warning to Dean whose time to comply has not passed: still refused
    own = legal_powers.propose_remedy(store, case_id, kind=K.CPW, person_id=dean)
    legal_powers.move_remedy(
        store, own.id, to=S.SERVED, on=date(2026, 11, 23), comply_by=date(2026, 12, 7), now=NOW
    )
    with pytest.raises(DomainError, match="not passed"):
        legal_powers.move_remedy(store, notice.id, to=S.SERVED, on=TODAY, now=NOW)
    with store.read() as session:
        assert session.get(LegalRemedy, notice.id).status == "proposed"  # type: ignore[union-attr]
    # once it has passed, the notice is served and its 21-day appeal is its next deadline
    later = at(date(2026, 12, 8), 10)
    legal_powers.move_remedy(store, notice.id, to=S.SERVED, on=later.date(), now=later)
    views = {v.id: v for v in legal_powers.remedy_views(store, case_id, today=later.date())}
    clock = views[notice.id].next_deadline
    assert clock is not None and clock.due_on == date(2026, 12, 29) and "appeal" in clock.what
    assert views[notice.id].respondent_id == dean and views[notice.id].in_force
    with store.read() as session:
        served = session.get(LegalRemedy, notice.id)
    assert served is not None and served.prior_warning_id == own.id  # the warning it follows


def test_every_move_is_audited_with_its_stage_and_an_illegal_one_writes_nothing(
    store: Store, case_id: str
) -> None:
    dean = add_respondent(store, case_id)
    remedy = legal_powers.propose_remedy(store, case_id, kind=K.CIVIL_INJUNCTION, person_id=dean)
    steps = [
        (S.APPLIED, date(2026, 11, 10), {}),
        (S.GRANTED, date(2026, 11, 12), {"ends_on": date(2027, 5, 12), "power_of_arrest": True}),
        (S.BREACHED, date(2026, 11, 20), {}),
        (S.VARIED, date(2026, 11, 25), {"ends_on": date(2027, 11, 12)}),
        (S.DISCHARGED, date(2026, 11, 30), {}),
    ]
    for to, on, extra in steps:
        assert to in legal_powers.legal_moves(store, remedy.id)
        legal_powers.move_remedy(store, remedy.id, to=to, on=on, now=NOW, **extra)  # type: ignore[arg-type]
    with pytest.raises(DomainError, match="cannot become granted"):
        legal_powers.move_remedy(store, remedy.id, to=S.GRANTED, on=TODAY, now=NOW)
    with store.read() as session:
        stored = session.get(LegalRemedy, remedy.id)
        stages = session.exec(select(LegalStage).where(LegalStage.remedy_id == remedy.id)).all()
        moves = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "legal_remedy.move")
            .order_by(col(AuditEvent.seq))
        ).all()
    assert stored is not None
    assert (stored.status, stored.ends_on, stored.power_of_arrest) == (
        "discharged",
        date(2027, 11, 12),
        True,
    )
    assert sorted((s.stage_on, s.to_status) for s in stages) == [
        (on, to.value) for to, on, _extra in steps
    ]
    assert [(e.details["from"], e.details["to"]) for e in moves] == [
        ("proposed", "applied"),
        ("applied", "granted"),
        ("granted", "breached"),
        ("breached", "varied"),
        ("varied", "discharged"),
    ]
    assert _deadlines(store, case_id) == []  # discharged: nothing left to chase


def test_an_ended_order_is_no_longer_overdue(store: Store, case_id: str) -> None:
    """A remedy of the old form (fixed terms) ends by a legal move: its "ends" deadline goes."""
    dean = add_respondent(store, case_id)
    old = legal.add_legal_remedy(
        store, case_id, kind=K.ABC, started_on=date(2026, 1, 5), person_id=dean, today=TODAY
    )
    assert (
        "Acceptable Behaviour Contract: ends; decide the next step",
        "2026-07-05",
        "overdue",
    ) in (_deadlines(store, case_id))
    legal_powers.move_remedy(store, old.id, to=S.EXPIRED, on=date(2026, 7, 5), now=NOW)
    assert _deadlines(store, case_id) == []


def test_the_closure_hearing_deadline_carries_its_time(store: Store, case_id: str) -> None:
    dean = add_respondent(store, case_id)
    notice = legal_powers.propose_remedy(store, case_id, kind=K.CLOSURE_NOTICE, person_id=dean)
    friday = at(date(2026, 11, 27), 16, 30)
    legal_powers.move_remedy(store, notice.id, to=S.SERVED, on=friday.date(), at=friday, now=NOW)
    with store.read() as session:
        detail = case_detail(session, case_id, today=friday.date(), rules=DeadlineRules())
    assert detail is not None
    hearing = [d for d in detail.deadlines if "hearing" in d.title]
    assert len(hearing) == 1
    assert hearing[0].due_at == at(date(2026, 11, 29), 16, 30)
    assert hearing[0].state is not DeadlineState.MET
    # stored in UTC, given back in UK time
    view = legal_powers.remedy_views(store, case_id, today=TODAY)[0]
    assert view.served_at == friday and view.ends_at == friday + timedelta(hours=24)


def test_a_move_dated_ahead_is_refused(store: Store, case_id: str) -> None:
    dean = add_respondent(store, case_id)
    abc = legal_powers.propose_remedy(store, case_id, kind=K.ABC, person_id=dean)
    with pytest.raises(DomainError, match="has not come yet"):
        legal_powers.move_remedy(store, abc.id, to=S.IN_FORCE, on=TODAY + timedelta(1), now=NOW)
    view = legal_powers.remedy_views(store, case_id, today=TODAY)[0]
    assert (view.status, view.in_force, view.next_deadline) == ("proposed", False, None)


def test_an_injunction_against_a_17_year_old_asks_for_the_yot(store: Store, case_id: str) -> None:
    young = add_respondent(store, case_id, "Tyler Marsh", born_on=date(2009, 6, 1))
    remedy = legal_powers.propose_remedy(store, case_id, kind=K.CIVIL_INJUNCTION, person_id=young)
    with pytest.raises(DomainError, match="is 17: consult the Youth Offending Team"):
        legal_powers.move_remedy(store, remedy.id, to=S.APPLIED, on=TODAY, now=NOW)
    legal_powers.move_remedy(
        store, remedy.id, to=S.APPLIED, on=TODAY, consulted_on=date(2026, 11, 20), now=NOW
    )
    with store.read() as session:
        stored = session.get(LegalRemedy, remedy.id)
    assert stored is not None
    assert (stored.respondent_age, stored.consulted_on) == (17, date(2026, 11, 20))


def test_a_review_held_moves_the_review_deadline_on(store: Store, case_id: str) -> None:
    """s28: an under-18's CBO is reviewed every 12 months; a review held sets the next one."""
    young = add_respondent(store, case_id, "Tyler Marsh", born_on=date(2009, 6, 1))
    cbo = legal_powers.propose_remedy(store, case_id, kind=K.CBO, person_id=young)
    legal_powers.move_remedy(
        store,
        cbo.id,
        to=S.APPLIED,
        on=date(2025, 10, 1),
        convicted_on=date(2025, 9, 20),
        consulted_on=date(2025, 9, 25),
        now=NOW,
    )
    legal_powers.move_remedy(
        store, cbo.id, to=S.GRANTED, on=date(2025, 10, 8), ends_on=date(2027, 10, 8), now=NOW
    )
    assert ("Criminal Behaviour Order: review", "2026-10-08", "overdue") in _deadlines(
        store, case_id
    )
    with pytest.raises(DomainError, match="every 12 months"):
        legal_powers.record_review(
            store, cbo.id, held_on=date(2026, 11, 2), next_review_on=date(2027, 12, 1), now=NOW
        )
    legal_powers.record_review(store, cbo.id, held_on=date(2026, 11, 2), now=NOW)
    titles = _deadlines(store, case_id)
    assert ("Criminal Behaviour Order: review", "2027-11-02", "not-due") in titles
    assert not [t for t in titles if t[2] == "overdue"]
    view = legal_powers.remedy_views(store, case_id, today=TODAY)[0]
    assert [s.stage for s in view.stages] == ["applied", "granted", "review"]
