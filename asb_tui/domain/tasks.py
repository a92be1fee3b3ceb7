"""Task specifications (the tasks the procedure creates by itself, for the store to save) and the
rule that a referral, once made, is the referral task done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from asb_tui.domain.case_review import CaseReviewRule, Report, tell_victim_due
from asb_tui.domain.types import ActionKind, ReferralKind

TELL_VICTIM_TITLE = "Tell the victim about the ASB Case Review"

# The referral states of a VVC referral. A "heard" one was on the agenda of its `meeting_on`; the
# others in OFF_AGENDA never reach (or have left) any agenda; every other state waits for one.
HEARD = "heard"
OFF_AGENDA = frozenset({"withdrawn", "closed", "declined"})
NOT_WAITING = OFF_AGENDA | {HEARD}


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One automatic task: what it is, what the officer sees, and when it is due."""

    kind: ActionKind
    title: str
    due_on: date


class ReferralFact(NamedTuple):
    """A referral as the task rule needs it."""

    kind: str
    referred_on: date
    meeting_on: date | None = None
    status: str = "open"


def met_by_referral(
    kind: ActionKind, due_on: date | None, referrals: Iterable[ReferralFact]
) -> date | None:
    """The day a referral task was met by the referral it asks for, or None.

    "Refer the victim to the VSO" is met by the case's first VSO referral. "Refer the case to
    the VVC of <meeting>" (due by that meeting's cut-off) is met by a VVC referral that puts the
    case on that meeting's agenda or a later one: a referral still waiting for a meeting, or one
    heard at a meeting on or after the task's due date (a referral heard at an earlier meeting,
    before a reopening, does not meet the new task). Withdrawn or declined referrals meet nothing.
    """
    days: list[date] = []
    for referral in referrals:
        if kind is ActionKind.VSO_REFERRAL and referral.kind == ReferralKind.VSO.value:
            days.append(referral.referred_on)
        elif kind is ActionKind.VVC_REFERRAL and referral.kind == ReferralKind.VVC.value:
            if referral.status in OFF_AGENDA:
                continue
            if referral.status == HEARD and (
                referral.meeting_on is None or (due_on is not None and referral.meeting_on < due_on)
            ):
                continue
            days.append(referral.referred_on)
    return min(days, default=None)


def case_review_info_task(
    reports: Iterable[Report], rule: CaseReviewRule = CaseReviewRule()
) -> TaskSpec | None:
    """ "Tell the victim about the ASB Case Review", due the day of their second qualifying report
    in six months (the statutory guidance as revised in 2025), or None while there is no such
    day. Derived from the reports, never stored; a done task of kind `case-review-info` meets it.
    """
    due_on = tell_victim_due(reports, rule)
    if due_on is None:
        return None
    return TaskSpec(ActionKind.CASE_REVIEW_INFO, TELL_VICTIM_TITLE, due_on)
