"""What the close and reopen forms ask the store: open work that closing would leave hanging,
and the last home visit done (so reopening never calls the next one the "first")."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from asb_tui.domain.labels import label
from asb_tui.domain.lifecycle import TASKS_ENDED_BY_REOPENING, OpenWork
from asb_tui.domain.types import ActionKind, LegalRemedyKind, ReferralKind, VisitKind
from asb_tui.store.commands.vvc import NOT_PENDING
from asb_tui.store.core.models import Action, LegalRemedy, Referral, Visit
from asb_tui.store.core.unit_of_work import UnitOfWork

__all__ = ["end_tasks_of_closure", "last_home_visit_on", "open_work"]

# A notice is "served" once it has a start date (the store then marks it in force).
NOTICE_KINDS = (
    LegalRemedyKind.CPW.value,
    LegalRemedyKind.CPN.value,
    LegalRemedyKind.CLOSURE_NOTICE.value,
)


def open_work(session: Session, case_id: str) -> OpenWork:
    safeguarding = session.exec(
        select(func.count())
        .select_from(Action)
        .where(
            Action.case_id == case_id,
            Action.kind == ActionKind.SAFEGUARDING.value,
            col(Action.done_on).is_(None),
        )
    ).one()
    vvc = session.exec(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.case_id == case_id,
            Referral.kind == ReferralKind.VVC.value,
            col(Referral.status).not_in(NOT_PENDING),
        )
    ).one()
    notices = session.exec(
        select(LegalRemedy.kind).where(
            LegalRemedy.case_id == case_id,
            col(LegalRemedy.kind).in_(NOTICE_KINDS),
            col(LegalRemedy.started_on).is_(None),
            LegalRemedy.status == "proposed",
        )
    ).all()
    return OpenWork(
        open_safeguarding=int(safeguarding),
        pending_vvc=int(vvc),
        unserved_notices=tuple(label(LegalRemedyKind(kind)) for kind in notices),
    )


def last_home_visit_on(session: Session, case_id: str) -> date | None:
    return session.exec(
        select(func.max(Visit.done_on)).where(
            Visit.case_id == case_id,
            Visit.kind == VisitKind.HOME.value,
            Visit.status == "complete",
        )
    ).one()


def end_tasks_of_closure(uow: UnitOfWork, case_id: str, on: date) -> None:
    """On reopening: the closure's open tasks (tell the victim it is closed) are no longer due."""
    kinds = [kind.value for kind in TASKS_ENDED_BY_REOPENING]
    for task in uow.reads.exec(
        select(Action).where(
            Action.case_id == case_id, col(Action.kind).in_(kinds), col(Action.done_on).is_(None)
        )
    ).all():
        notes = (task.notes + "\n" if task.notes else "") + "Not needed: the case was reopened."
        uow.update(
            task,
            {"done_on": on, "notes": notes},
            action="action.end",
            details={"because": "case-reopened"},
        )
