"""The life of a case: referred -> accepted -> closed -> reopened -> closed ...

Legal transitions:

| from | event | to |
| --- | --- | --- |
| referred | accept | accepted |
| referred | close, reason "not accepted" only | closed |
| accepted, reopened | close, any reason except "not accepted" | closed |
| closed | reopen | reopened |

Everything else is refused with a DomainError that says why. Reopening keeps the case's history
(the store never deletes it), counts one more reopening, and starts the process again: the same
automatic tasks as on acceptance, dated from the reopening.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from asb_tui.domain.case_deadlines import home_visit_due
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.tasks import TaskSpec
from asb_tui.domain.types import ActionKind, CaseStatus, ClosureReason, Region, RiskLevel
from asb_tui.domain.working_days import RegionLike

__all__ = [
    "TASKS_ENDED_BY_REOPENING",
    "Accept",
    "CaseEvent",
    "CaseLifecycle",
    "Close",
    "LifecycleChange",
    "OpenWork",
    "Reopen",
    "VictimAgreement",
    "acceptance_tasks",
    "apply_event",
    "check_perpetrator_visit_allowed",
    "closure_tasks",
    "closure_warnings",
    "reopening_message",
    "transition",
]

OPEN = frozenset({CaseStatus.ACCEPTED, CaseStatus.REOPENED})


@dataclass(frozen=True, slots=True)
class Accept:
    """Accept a referral for investigation. `risk_level` if already assessed, else None."""

    on: date
    risk_level: RiskLevel | None = None


@dataclass(frozen=True, slots=True)
class Close:
    on: date
    reason: ClosureReason


@dataclass(frozen=True, slots=True)
class Reopen:
    """Reopen a closed case (the process starts again). `reason` is recorded in the history."""

    on: date
    reason: str
    risk_level: RiskLevel | None = None


CaseEvent = Accept | Close | Reopen


def transition(current: CaseStatus, event: CaseEvent) -> CaseStatus:
    """The status after `event`, or DomainError explaining why the event is not allowed now."""
    if isinstance(event, Accept):
        if current is CaseStatus.REFERRED:
            return CaseStatus.ACCEPTED
        if current in OPEN:
            raise DomainError("This case has already been accepted.")
        raise DomainError("This case is closed. Reopen it instead of accepting it again.")
    if isinstance(event, Close):
        if current is CaseStatus.CLOSED:
            raise DomainError("This case is already closed.")
        if current is CaseStatus.REFERRED:
            if event.reason is not ClosureReason.NOT_ACCEPTED:
                raise DomainError(
                    "A referral that was never accepted can only be closed as 'not accepted'."
                )
            return CaseStatus.CLOSED
        if event.reason is ClosureReason.NOT_ACCEPTED:
            raise DomainError(
                "This case was accepted, so it cannot be closed as 'not accepted'. Choose: "
                "the ASB has ceased, no further progress can be made, or the victim is no "
                "longer in contact."
            )
        return CaseStatus.CLOSED
    if current is CaseStatus.CLOSED:
        if not event.reason.strip():
            raise DomainError("Give a reason for reopening the case.")
        return CaseStatus.REOPENED
    if current is CaseStatus.REFERRED:
        raise DomainError("This referral has never been accepted; accept it instead.")
    raise DomainError("This case is already open.")


def acceptance_tasks(
    accepted_on: date,
    risk_level: RiskLevel | None = None,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> tuple[TaskSpec, ...]:
    """Tasks created on acceptance (and again on reopening).

    The home visit is due in 3 working days for a high-risk victim, else 10; when the level is
    not known yet it is dated as standard and the store moves it after the assessment.
    """
    return (
        TaskSpec(
            ActionKind.DIARY_SHEETS,
            "Send diary sheets and the explanatory letter",
            accepted_on,
        ),
        TaskSpec(ActionKind.RISK_ASSESSMENT, "Assess the victim's risk", accepted_on),
        TaskSpec(
            ActionKind.HOME_VISIT,
            "First home visit",
            home_visit_due(accepted_on, risk_level, region, closures),
        ),
    )


def closure_tasks(closed_on: date, reason: ClosureReason) -> tuple[TaskSpec, ...]:
    """Tasks created on closure: the victim is told, due on the day of closure."""
    if reason is ClosureReason.NOT_ACCEPTED:
        title = "Tell the victim the referral was not accepted, and why"
    else:
        title = "Tell the victim the case is closed, and why"
    return (TaskSpec(ActionKind.INFORM_VICTIM_CLOSURE, title, closed_on),)


@dataclass(frozen=True, slots=True)
class CaseLifecycle:
    """The lifecycle fields of a case row."""

    status: CaseStatus
    reopen_count: int = 0
    accepted_on: date | None = None
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None


class LifecycleChange(NamedTuple):
    lifecycle: CaseLifecycle
    tasks: tuple[TaskSpec, ...]


def apply_event(
    current: CaseLifecycle,
    event: CaseEvent,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> LifecycleChange:
    """Apply `event`: the new lifecycle fields and the automatic tasks the store must create.

    On reopening `accepted_on` becomes the reopening date (the process starts again from it) and
    the closure fields are cleared; the store keeps the earlier ones in the case history.
    """
    status = transition(current.status, event)
    if isinstance(event, Accept):
        changed = replace(current, status=status, accepted_on=event.on)
        return LifecycleChange(
            changed, acceptance_tasks(event.on, event.risk_level, region, closures)
        )
    if isinstance(event, Close):
        if current.accepted_on is not None and event.on < current.accepted_on:
            raise DomainError(
                f"A case cannot close ({format_uk(event.on)}) before it was accepted "
                f"({format_uk(current.accepted_on)})."
            )
        changed = replace(current, status=status, closed_on=event.on, closure_reason=event.reason)
        return LifecycleChange(changed, closure_tasks(event.on, event.reason))
    if current.closed_on is not None and event.on < current.closed_on:
        raise DomainError(
            f"A case cannot reopen ({format_uk(event.on)}) before it was closed "
            f"({format_uk(current.closed_on)})."
        )
    changed = CaseLifecycle(
        status=status,
        reopen_count=current.reopen_count + 1,
        accepted_on=event.on,
        closed_on=None,
        closure_reason=None,
    )
    return LifecycleChange(changed, acceptance_tasks(event.on, event.risk_level, region, closures))


# --- what to check before closing, and what to say on reopening ---------------------------------

# Tasks of a closure that a reopening makes pointless (the victim is told the case goes on instead).
TASKS_ENDED_BY_REOPENING = frozenset({ActionKind.INFORM_VICTIM_CLOSURE})


@dataclass(frozen=True, slots=True)
class OpenWork:
    """Work on a case still under way, which closing it would leave hanging."""

    open_safeguarding: int = 0
    pending_vvc: int = 0
    # The notices' labels, e.g. "Community Protection Notice".
    unserved_notices: tuple[str, ...] = ()


def closure_warnings(work: OpenWork) -> tuple[str, ...]:
    """One line for each piece of open work; none means the case can close without a question."""

    def count(n: int, one: str, many: str) -> str:
        return one if n == 1 else many.format(n=n)

    warnings: list[str] = []
    if work.open_safeguarding:
        warnings.append(
            count(
                work.open_safeguarding,
                "A safeguarding referral is still open.",
                "{n} safeguarding referrals are still open.",
            )
        )
    if work.pending_vvc:
        warnings.append(
            count(
                work.pending_vvc,
                "A referral to the Vulnerable Victims Conference has not been heard yet.",
                "{n} referrals to the Vulnerable Victims Conference have not been heard yet.",
            )
        )
    for notice in work.unserved_notices:
        warnings.append(f"A {notice} has been proposed but not served.")
    return tuple(warnings)


def reopening_message(visit_due: date, last_home_visit_on: date | None) -> str:
    """What the officer is told on reopening: the new cycle's home visit, never a "first" visit
    when one was already done."""
    if last_home_visit_on is None:
        return f"Case reopened. First home visit due {format_uk(visit_due)}."
    return (
        f"Case reopened. A new home visit is due {format_uk(visit_due)} "
        f"(the last was on {format_uk(last_home_visit_on)})."
    )


# --- visiting the alleged perpetrator ------------------------------------------------------------


class VictimAgreement(NamedTuple):
    """The victim's recorded agreement to a visit to the alleged perpetrator."""

    given_on: date
    withdrawn_on: date | None = None


def check_perpetrator_visit_allowed(
    agreements: Iterable[VictimAgreement], on: date | None = None
) -> None:
    """Refuse (DomainError) a perpetrator visit unless the victim's agreement stands.

    The latest agreement given on or before `on` (any date when None) decides: it must not have
    been withdrawn on or before `on`.
    """
    relevant = [a for a in agreements if on is None or a.given_on <= on]
    if not relevant:
        raise DomainError(
            "The victim has not agreed to a visit to the alleged perpetrator. "
            "Record their agreement first."
        )
    latest = max(relevant, key=lambda agreement: agreement.given_on)
    withdrawn = latest.withdrawn_on
    if withdrawn is not None and (on is None or withdrawn <= on):
        raise DomainError(
            f"The victim withdrew agreement to a visit to the alleged perpetrator on "
            f"{format_uk(withdrawn)}."
        )
