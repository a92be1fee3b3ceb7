"""Vulnerable Victims Conference: referrals, meetings, agendas and decisions.

- Referrals are `Referral` rows of kind `ReferralKind.VVC`: written automatically by the high-risk
  protocol (store.cases) or added by hand here.
- Meetings follow the configured rule (domain `vvc.py`: by default the second Tuesday of each
  month, referral cut-off 10 days before); they are computed, not stored.
- The agenda of a meeting: the VVC referrals received on or before its cut-off and not yet heard,
  plus those heard at that meeting (so a past meeting still shows what it heard).
- A decision per case and meeting (`VvcDecision`) appoints a Case Officer and a Case Manager (also
  written to the case), records the decision, actions with their owning agency and due dates (each
  also added to the case's action plan, so it shows in the deadlines) and the next review. Recording
  it marks the case's referrals on that agenda as heard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.domain.tasks import HEARD, NOT_WAITING
from asb_tui.domain.types import ActionKind, ReferralKind
from asb_tui.domain.vvc import VvcRule, next_vvc_meeting, vvc_cutoff, vvc_meetings
from asb_tui.store.commands.oversight_errors import OversightRefused
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.models import Action, Case, Referral, VvcDecision
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.core.user_text import is_blank
from asb_tui.store.queries.deadline_facts import deadline_rules

# Referral states that take a referral off every future agenda (the domain's one list).
NOT_PENDING = NOT_WAITING


def vvc_rule(config: Config) -> VvcRule:
    """The council's VVC meeting rule (the same one the high-risk protocol refers cases with)."""
    return deadline_rules(config, date.today()).vvc


@dataclass(frozen=True)
class MeetingSummary:
    meets_on: date
    cutoff: date
    agenda_size: int
    decided: int


@dataclass(frozen=True)
class DecisionView:
    """What the VVC decided on a case at one meeting, as the decision form shows it."""

    id: str
    case_officer: str
    case_manager: str
    decision: str
    actions: tuple[dict[str, Any], ...]
    next_review_on: date | None


def _decision_view(row: VvcDecision) -> DecisionView:
    return DecisionView(
        row.id,
        row.case_officer,
        row.case_manager,
        row.decision,
        tuple(dict(action) for action in row.actions or []),
        row.next_review_on,
    )


@dataclass(frozen=True)
class AgendaItem:
    referral_id: str
    case_id: str
    ref: str
    referred_on: date
    reason: str
    status: str
    risk_level: str | None
    repeat_victim: bool
    decision: DecisionView | None


@dataclass(frozen=True)
class VvcActionInput:
    """One action the VVC agreed: what, which agency owns it, by when."""

    what: str
    agency: str = ""
    due_on: date | None = None
    owner: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "agency": self.agency,
            "owner": self.owner,
            "due_on": self.due_on.isoformat() if self.due_on else None,
        }


def is_meeting_date(config: Config, day: date) -> bool:
    return day in vvc_meetings(day, day, vvc_rule(config))


def check_meeting_date(config: Config, day: date) -> None:
    """Refuse a date the VVC does not meet on, naming the rule and the nearest meeting."""
    rule = vvc_rule(config)
    if day not in vvc_meetings(day, day, rule):
        following = vvc_meetings(day, day + timedelta(days=400), rule)
        hint = f"; the next is {format_uk(following[0])}" if following else ""
        raise OversightRefused(
            f"{format_uk(day)} is not a VVC meeting date (the VVC meets on the "
            f"{rule.describe()}{hint})"
        )


def _pending(referral: Referral) -> bool:
    return referral.status not in NOT_PENDING


def _vvc_referrals(session: Session) -> list[Referral]:
    return list(
        session.exec(
            select(Referral)
            .where(Referral.kind == ReferralKind.VVC.value)
            .order_by(col(Referral.referred_on), col(Referral.id))
        )
    )


def _on_agenda(referral: Referral, meeting: date, cutoff: date) -> bool:
    if referral.status == HEARD:
        return referral.meeting_on == meeting
    return _pending(referral) and referral.referred_on <= cutoff


def _decisions_at(session: Session, meeting: date) -> dict[str, VvcDecision]:
    rows = session.exec(select(VvcDecision).where(VvcDecision.meeting_on == meeting))
    return {row.case_id: row for row in rows}


def meetings(
    store: Store, config: Config, today: date, *, ahead: int = 6, behind: int = 2
) -> list[MeetingSummary]:
    """The last `behind` meetings and the next `ahead` ones (today's counts as next), in order."""
    rule = vvc_rule(config)
    past = [m for m in vvc_meetings(today - timedelta(days=62 * behind), today, rule) if m < today]
    future = vvc_meetings(today, today + timedelta(days=31 * (ahead + 1)), rule)[:ahead]
    chosen = past[-behind:] + future if behind else future
    with store.read() as session:
        referrals = _vvc_referrals(session)
        summaries = []
        # A referral not yet heard waits for ONE meeting: the first from today whose cut-off it
        # meets. Counting it at every later meeting too would list the same case again and again.
        waiting_at: dict[str, date] = {}
        for referral in referrals:
            if referral.status == HEARD or not _pending(referral):
                continue
            first = next((m for m in future if referral.referred_on <= vvc_cutoff(m, rule)), None)
            if first is not None:
                waiting_at[referral.case_id] = min(waiting_at.get(referral.case_id, first), first)
        for meeting in chosen:
            cutoff = vvc_cutoff(meeting, rule)
            agenda_cases = {
                r.case_id for r in referrals if r.status == HEARD and r.meeting_on == meeting
            } | {case_id for case_id, at in waiting_at.items() if at == meeting}
            decided = _decisions_at(session, meeting)
            summaries.append(
                MeetingSummary(meeting, cutoff, len(agenda_cases), len(agenda_cases & set(decided)))
            )
    return summaries


def agenda(store: Store, config: Config, meeting_on: date) -> list[AgendaItem]:
    """The meeting's agenda: one item per case (its earliest referral), in referral order."""
    rule = vvc_rule(config)
    cutoff = vvc_cutoff(meeting_on, rule)
    with store.read() as session:
        decisions = _decisions_at(session, meeting_on)
        items: dict[str, AgendaItem] = {}
        for referral in _vvc_referrals(session):
            if referral.case_id in items or not _on_agenda(referral, meeting_on, cutoff):
                continue
            case = session.get(Case, referral.case_id)
            if case is None:
                continue
            items[case.id] = AgendaItem(
                referral_id=referral.id,
                case_id=case.id,
                ref=case.ref,
                referred_on=referral.referred_on,
                reason=referral.reason,
                status=referral.status,
                risk_level=case.risk_level,
                repeat_victim=case.repeat_victim,
                decision=_decision_view(found) if (found := decisions.get(case.id)) else None,
            )
    return list(items.values())


def find_case_id(store: Store, ref: str) -> str:
    """The id of the case with this reference (case-insensitive), or CaseNotFound."""
    wanted = ref.strip()
    with store.read() as session:
        case = session.exec(select(Case).where(Case.ref == wanted)).first()
        if case is None:
            case = session.exec(select(Case).where(func.upper(Case.ref) == wanted.upper())).first()
        if case is None:
            raise CaseNotFound(wanted)
        return case.id


def vvc_referrals(store: Store, *, pending_only: bool = False) -> list[Referral]:
    with store.read() as session:
        rows = _vvc_referrals(session)
    return [r for r in rows if _pending(r)] if pending_only else rows


def add_vvc_referral(
    store: Store,
    config: Config,
    case_id: str,
    *,
    referred_on: date,
    reason: str,
    today: date | None = None,
) -> Referral:
    """Refer a case to the VVC by hand; it goes to the first meeting whose cut-off it meets."""
    today = today or date.today()
    if referred_on > today:
        raise OversightRefused("a referral cannot be dated in the future")
    if not reason.strip():
        raise OversightRefused("give the reason for the referral (e.g. high risk, repeat victim)")
    rule = vvc_rule(config)
    with store.write() as uow:
        if uow.reads.get(Case, case_id) is None:
            raise CaseNotFound()
        for existing in uow.reads.exec(
            select(Referral).where(
                Referral.case_id == case_id, Referral.kind == ReferralKind.VVC.value
            )
        ):
            if _pending(existing):
                raise OversightRefused(
                    "the case already has a VVC referral waiting to be heard (referred "
                    f"{format_uk(existing.referred_on)})"
                )
        referral = Referral(
            case_id=case_id,
            kind=ReferralKind.VVC.value,
            referred_on=referred_on,
            reason=reason,
            meeting_on=next_vvc_meeting(referred_on, rule),
            status="open",
        )
        return uow.add(referral, action="vvc.refer")


def parse_vvc_actions(text: str, today: date) -> list[VvcActionInput]:
    """Actions typed one per line as `what | agency | due date` (agency and date optional)."""
    actions: list[VvcActionInput] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3 or not parts[0]:
            raise OversightRefused(f"action line {number}: write it as 'what | agency | due date'")
        due: date | None = None
        if len(parts) == 3 and parts[2]:
            try:
                due = parse_uk_date(parts[2], today)
            except DomainError as exc:
                raise OversightRefused(f"action line {number}: {exc}") from None
        actions.append(VvcActionInput(parts[0], parts[1] if len(parts) > 1 else "", due))
    return actions


def decision_for(store: Store, case_id: str, meeting_on: date) -> DecisionView | None:
    with store.read() as session:
        row = session.exec(
            select(VvcDecision).where(
                VvcDecision.case_id == case_id, VvcDecision.meeting_on == meeting_on
            )
        ).first()
        return None if row is None else _decision_view(row)


def record_vvc_decision(
    store: Store,
    config: Config,
    case_id: str,
    meeting_on: date,
    *,
    case_officer: str,
    case_manager: str,
    decision: str,
    actions: Sequence[VvcActionInput] = (),
    next_review_on: date | None = None,
) -> VvcDecision:
    """Record (or amend) the VVC's decision on one case at one meeting."""
    check_meeting_date(config, meeting_on)
    if is_blank(case_officer) or is_blank(case_manager):
        raise OversightRefused("the VVC appoints a Case Officer and a Case Manager: name both")
    if is_blank(decision) and not actions:
        raise OversightRefused("record the decision or at least one action")
    if next_review_on is not None and next_review_on <= meeting_on:
        raise OversightRefused("the next review must be after the meeting")
    for action in actions:
        if not action.what.strip():
            raise OversightRefused("every action needs a description")
    cutoff = vvc_cutoff(meeting_on, vvc_rule(config))
    actions_json = [a.to_json() for a in actions]
    with store.write() as uow:
        session = uow.reads
        case = session.get(Case, case_id)
        if case is None:
            raise CaseNotFound()
        row = session.exec(
            select(VvcDecision).where(
                VvcDecision.case_id == case_id, VvcDecision.meeting_on == meeting_on
            )
        ).first()
        fields: dict[str, Any] = {
            "case_officer": case_officer,
            "case_manager": case_manager,
            "decision": decision,
            "actions": actions_json,
            "next_review_on": next_review_on,
        }
        if row is None:
            row = uow.add(
                VvcDecision(case_id=case_id, meeting_on=meeting_on, **fields),
                action="vvc.decide",
            )
        else:
            row = uow.update(row, fields, action="vvc.decide")
        uow.update(
            case,
            {"officer": case_officer, "case_manager": case_manager},
            action="vvc.appoint",
        )
        _add_actions(uow, case_id, meeting_on, row.id, actions)
        for referral in session.exec(
            select(Referral).where(
                Referral.case_id == case_id, Referral.kind == ReferralKind.VVC.value
            )
        ):
            if _pending(referral) and referral.referred_on <= cutoff:
                uow.update(referral, {"status": HEARD, "meeting_on": meeting_on}, action="vvc.hear")
        return row


def _add_actions(
    uow: UnitOfWork,
    case_id: str,
    meeting_on: date,
    decision_id: str,
    actions: Sequence[VvcActionInput],
) -> None:
    """Add each agreed action to the case's action plan once (re-recording adds only new ones)."""
    reference = f"vvc-decision:{decision_id}"
    existing = {
        (a.title, a.agency, a.due_on)
        for a in uow.reads.exec(
            select(Action).where(Action.case_id == case_id, Action.reference == reference)
        )
    }
    for action in actions:
        title = f"VVC {format_uk(meeting_on)}: {action.what.strip()}"
        key = (title, action.agency.strip(), action.due_on)
        if key in existing:
            continue
        existing.add(key)
        uow.add(
            Action(
                case_id=case_id,
                kind=ActionKind.GENERAL.value,
                title=title,
                owner=action.owner.strip(),
                agency=action.agency.strip(),
                due_on=action.due_on,
                reference=reference,
            ),
            action="vvc.action",
        )
