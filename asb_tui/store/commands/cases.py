"""Case commands: refer, accept (with the risk assessment), people, actions, notes, raise risk,
close and reopen.

Each command is one `store.write()` unit of work, so the rows, their audit events and their sync
change records are stored together or not at all. The rules come from `asb_tui.domain`: an
illegal transition raises the domain's `DomainError`, whose message the screens show as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.case_deadlines import DeadlineRules, home_visit_due
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.lifecycle import Accept, CaseLifecycle, Close, Reopen, apply_event
from asb_tui.domain.risk import (
    Questionnaire,
    apply_override,
    high_risk_protocol_tasks,
    score_assessment,
)
from asb_tui.domain.tasks import TaskSpec
from asb_tui.domain.types import (
    OPEN_STATUSES,
    ActionKind,
    CaseStatus,
    Category,
    ClosureReason,
    PartyRole,
    ReferralKind,
    Region,
    RiskLevel,
)
from asb_tui.domain.vvc import next_vvc_meeting
from asb_tui.store.core import settings
from asb_tui.store.core.case_refs import next_case_ref
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.models import (
    Action,
    Case,
    CaseParty,
    Note,
    Person,
    Referral,
    RiskAssessment,
    new_id,
)
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.core.user_text import required_text
from asb_tui.store.queries.closing_checks import end_tasks_of_closure

CLOSURE_REASON_LABELS: Mapping[ClosureReason, str] = {
    ClosureReason.ASB_CEASED: "The ASB has ceased",
    ClosureReason.NO_FURTHER_PROGRESS: "No further progress can be made",
    ClosureReason.VICTIM_NO_CONTACT: "The victim is no longer in contact",
    ClosureReason.NOT_ACCEPTED: "Referral not accepted",
}


@dataclass(frozen=True)
class NewCase:
    id: str
    ref: str


@dataclass(frozen=True)
class AcceptResult:
    """What acceptance decided: the level, the score and when the first home visit is due."""

    level: RiskLevel
    score: int
    home_visit_due: date
    protocol_started: bool


@dataclass(frozen=True)
class RiskChange:
    previous: RiskLevel | None
    level: RiskLevel
    home_visit_due: date | None
    protocol_started: bool


# --- helpers ----------------------------------------------------------------------------------


def _case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return case


def _region(case: Case, rules: DeadlineRules) -> Region:
    try:
        return Region(case.region)
    except ValueError:
        return rules.default_region


def _lifecycle(case: Case) -> CaseLifecycle:
    reason = None
    if case.closure_reason:
        try:
            reason = ClosureReason(case.closure_reason)
        except ValueError:
            reason = None
    return CaseLifecycle(
        status=CaseStatus(case.status),
        reopen_count=case.reopen_count,
        accepted_on=case.accepted_on,
        closed_on=case.closed_on,
        closure_reason=reason,
    )


def _level(value: str | None) -> RiskLevel | None:
    if not value:
        return None
    try:
        return RiskLevel(value)
    except ValueError:
        return None


_required = required_text  # user text is kept exactly as typed (core/user_text.py)


def _add_tasks(uow: UnitOfWork, case_id: str, tasks: Iterable[TaskSpec], owner: str) -> None:
    for task in tasks:
        uow.add(
            Action(
                case_id=case_id,
                kind=task.kind.value,
                title=task.title,
                due_on=task.due_on,
                owner=owner,
            ),
            action="action.add",
            details={"automatic": True, "kind": task.kind.value},
        )


def start_protocol(
    uow: UnitOfWork, case: Case, level: RiskLevel | None, on: date, rules: DeadlineRules
) -> bool:
    """The high-risk protocol: VSO and VVC referral tasks and referral records, each once."""
    tasks = high_risk_protocol_tasks(
        level, case.repeat_victim, on, rules.vvc, _region(case, rules), rules.closures
    )
    if not tasks:
        return False
    open_kinds = set(
        uow.reads.exec(
            select(Action.kind).where(Action.case_id == case.id, col(Action.done_on).is_(None))
        ).all()
    )
    referred = set(
        uow.reads.exec(
            select(Referral.kind).where(Referral.case_id == case.id, Referral.status == "open")
        ).all()
    )
    _add_tasks(uow, case.id, [t for t in tasks if t.kind.value not in open_kinds], case.officer)
    reason = "high risk" if level is RiskLevel.HIGH else "repeat victim"
    for kind, meeting in (
        (ReferralKind.VSO, None),
        (ReferralKind.VVC, next_vvc_meeting(on, rules.vvc)),
    ):
        if kind.value in referred:
            continue
        uow.add(
            Referral(
                case_id=case.id, kind=kind.value, referred_on=on, reason=reason, meeting_on=meeting
            ),
            action="referral.add",
            details={"automatic": True, "kind": kind.value},
        )
    return True


# --- commands ---------------------------------------------------------------------------------


def refer_case(
    store: Store,
    *,
    category: str,
    summary: str,
    referred_on: date,
    location: str = "",
    referral_source: str = "",
    officer: str = "",
    team: str = "",
    region: str = Region.ENGLAND_AND_WALES.value,
    victim_name: str = "",
    series: str | None = None,
    victim_same_as: str | None = None,
    rules: DeadlineRules | None = None,
) -> NewCase:
    """A new referral (status referred), with its victim when a name is given. `series` names
    the reference series (the demo's cases are in the store's `case_refs.demo_series`); by
    default the laptop's own. `victim_same_as`: the identity the officer confirmed the victim
    is (their other cases' incidents may already make them a repeat victim: checked under
    `rules`)."""
    try:
        Category(category)
    except ValueError:
        raise DomainError(f"'{category}' is not a category of ASB.") from None
    summary = _required(summary, "Describe the problem in the summary.")
    with store.write() as uow:
        ref = next_case_ref(uow, referred_on.year, series=series)
        # Once enrolled, a new case is the officer's team's: the service takes no other.
        team = settings.enrolled_team(uow.reads) or team
        case = uow.add(
            Case(
                ref=ref,
                category=category,
                status=CaseStatus.REFERRED.value,
                region=region,
                summary=summary,
                location=location,
                referral_source=referral_source,
                referred_on=referred_on,
                officer=officer,
                team=team,
            ),
            action="case.refer",
        )
        if victim_name.strip():
            add_person_row(
                uow,
                case.id,
                name=victim_name,
                role=PartyRole.VICTIM.value,
                identity_id=victim_same_as,
                match_details={"confirmed_same_as": victim_same_as} if victim_same_as else None,
            )
            if victim_same_as:
                from asb_tui.store.commands.people import refresh_repeat_victims

                refresh_repeat_victims(uow, [victim_same_as], referred_on, rules or DeadlineRules())
        return NewCase(case.id, case.ref)


def preview_home_visit_due(
    accepted_on: date, level: RiskLevel | None, rules: DeadlineRules, region: str | None = None
) -> date:
    """The first home visit's due date for an acceptance on `accepted_on` (the form shows it)."""
    try:
        place = Region(region) if region else rules.default_region
    except ValueError:
        place = rules.default_region
    return home_visit_due(
        accepted_on,
        level,
        place,
        rules.closures,
        high_risk_days=rules.high_risk_home_visit_days,
        standard_days=rules.standard_home_visit_days,
    )


def accept_case(
    store: Store,
    case_id: str,
    *,
    on: date,
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    rules: DeadlineRules,
    override: RiskLevel | None = None,
    override_reason: str = "",
    person_id: str | None = None,
) -> AcceptResult:
    """Accept a referral with the victim's risk assessment.

    Creates the automatic tasks (diary sheets and letter due now, the assessment itself marked
    done, the first home visit due in 3 or 10 working days) and, for a high-risk or repeat victim,
    the VSO and VVC referrals.
    """
    result = score_assessment(questionnaire, answers)
    if result.missing:
        raise DomainError(
            f"Answer every question of the risk assessment ({len(result.missing)} still open)."
        )
    level = apply_override(result.level, override, override_reason)
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        region = _region(case, rules)
        change = apply_event(_lifecycle(case), Accept(on, level), region, rules.closures)
        uow.update(
            case,
            {"status": change.lifecycle.status.value, "accepted_on": on, "risk_level": level.value},
            action="case.accept",
        )
        uow.add(
            RiskAssessment(
                case_id=case.id,
                person_id=person_id,
                questionnaire_version=questionnaire.version,
                answers=dict(answers),
                score=result.score,
                computed_level=result.level.value,
                level=level.value,
                override_reason=override_reason if level is not result.level else "",
                assessed_by=uow.actor,
                assessed_on=on,
            ),
            action="risk.assess",
        )
        visit_due = preview_home_visit_due(on, level, rules, case.region)
        for task in change.tasks:
            due = visit_due if task.kind is ActionKind.HOME_VISIT else task.due_on
            done = on if task.kind is ActionKind.RISK_ASSESSMENT else None
            uow.add(
                Action(
                    case_id=case.id,
                    kind=task.kind.value,
                    title=task.title,
                    due_on=due,
                    done_on=done,
                    owner=case.officer,
                ),
                action="action.add",
                details={"automatic": True, "kind": task.kind.value},
            )
        protocol = start_protocol(uow, case, level, on, rules)
    return AcceptResult(level, result.score, visit_due, protocol)


def add_person_row(
    uow: UnitOfWork,
    case_id: str,
    *,
    name: str,
    role: str,
    address: str = "",
    phone: str = "",
    email: str = "",
    language: str = "",
    date_of_birth: date | None = None,
    vulnerabilities: str = "",
    notes: str = "",
    identity_id: str | None = None,
    match_details: dict[str, object] | None = None,
    risk_level: str | None = None,
    risk_notes: str = "",
) -> str:
    """Inside an open unit of work: a Person and their part in the case; returns the person id.

    `identity_id`: the person this is across cases, when the officer confirmed a match; else a
    new identity (the record's own id)."""
    try:
        PartyRole(role)
    except ValueError:
        raise DomainError(f"'{role}' is not a role in a case.") from None
    record_id = new_id()
    person = uow.add(
        Person(
            id=record_id,
            case_id=case_id,
            identity_id=identity_id or record_id,
            name=_required(name, "A person needs a name."),
            address=address,
            phone=phone,
            email=email,
            language=language,
            date_of_birth=date_of_birth,
            notes=notes,
        ),
        action="person.add",
        details=match_details,
    )
    uow.add(
        CaseParty(
            case_id=case_id,
            person_id=person.id,
            role=role,
            vulnerabilities=vulnerabilities,
            risk_level=risk_level,
            risk_notes=risk_notes,
        ),
        action="party.add",
        details={"role": role},
    )
    return person.id


def add_person(
    store: Store,
    case_id: str,
    *,
    name: str,
    role: str,
    address: str = "",
    phone: str = "",
    email: str = "",
    language: str = "",
    date_of_birth: date | None = None,
    vulnerabilities: str = "",
    notes: str = "",
) -> str:
    """Add a person to a case in a role (victim, alleged perpetrator, witness, other)."""
    with store.write() as uow:
        _case(uow.reads, case_id)
        return add_person_row(
            uow,
            case_id,
            name=name,
            role=role,
            address=address,
            phone=phone,
            email=email,
            language=language,
            date_of_birth=date_of_birth,
            vulnerabilities=vulnerabilities,
            notes=notes,
        )


def add_action(
    store: Store,
    case_id: str,
    *,
    title: str,
    due_on: date | None,
    owner: str = "",
    agency: str = "",
    notes: str = "",
    kind: str = ActionKind.GENERAL.value,
) -> str:
    """Add an action to the case's action plan."""
    title = _required(title, "Say what the action is.")
    with store.write() as uow:
        _case(uow.reads, case_id)
        action = uow.add(
            Action(
                case_id=case_id,
                kind=kind,
                title=title,
                due_on=due_on,
                owner=owner,
                agency=agency,
                notes=notes,
            ),
            action="action.add",
        )
        return action.id


def complete_action(store: Store, action_id: str, *, on: date) -> None:
    """Mark an action done on `on`."""
    with store.write() as uow:
        action = uow.reads.get(Action, action_id)
        if action is None:
            raise DomainError("That action no longer exists.")
        if action.done_on is not None:
            raise DomainError(f"That action was already done on {format_uk(action.done_on)}.")
        uow.update(action, {"done_on": on}, action="action.complete")


def add_note(store: Store, case_id: str, *, body: str, kind: str = "general") -> str:
    """Add a note (append-only) to the case."""
    body = _required(body, "The note is empty.")
    with store.write() as uow:
        _case(uow.reads, case_id)
        note = uow.add(
            Note(case_id=case_id, kind=kind, body=body, author=uow.actor), action="note.add"
        )
        return note.id


def raise_risk(
    store: Store,
    case_id: str,
    *,
    level: RiskLevel,
    reason: str,
    on: date,
    rules: DeadlineRules,
) -> RiskChange:
    """Raise the victim's risk level with a recorded reason (never lower it).

    The first home visit's due date is recomputed when it is still to come (audited as
    `action.reschedule`), and a rise to high starts the high-risk protocol.
    """
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        if case.status not in OPEN_STATUSES:
            raise DomainError("Only the risk of an open case can be raised.")
        previous = _level(case.risk_level)
        if previous is level:
            raise DomainError(f"The risk level is already {level.value}.")
        new_level = apply_override(previous or RiskLevel.STANDARD, level, reason)
        latest = uow.reads.exec(
            select(RiskAssessment)
            .where(RiskAssessment.case_id == case_id)
            .order_by(col(RiskAssessment.created_at).desc())
        ).first()
        uow.add(
            RiskAssessment(
                case_id=case_id,
                person_id=latest.person_id if latest else None,
                questionnaire_version=latest.questionnaire_version if latest else "",
                answers=dict(latest.answers) if latest else {},
                score=latest.score if latest else 0,
                computed_level=latest.computed_level if latest else RiskLevel.STANDARD.value,
                level=new_level.value,
                override_reason=reason,
                assessed_by=uow.actor,
                assessed_on=on,
            ),
            action="risk.raise",
        )
        uow.update(case, {"risk_level": new_level.value}, action="case.risk-level")
        visit_due = reschedule_home_visit(uow, case, new_level, rules)
        protocol = start_protocol(uow, case, new_level, on, rules)
    return RiskChange(previous, new_level, visit_due, protocol)


def reschedule_home_visit(
    uow: UnitOfWork, case: Case, level: RiskLevel, rules: DeadlineRules
) -> date | None:
    if case.accepted_on is None:
        return None
    due = preview_home_visit_due(case.accepted_on, level, rules, case.region)
    tasks = uow.reads.exec(
        select(Action).where(
            Action.case_id == case.id,
            Action.kind == ActionKind.HOME_VISIT.value,
            col(Action.done_on).is_(None),
        )
    ).all()
    for task in tasks:
        if task.due_on is not None and task.due_on < case.accepted_on:
            continue  # a task left over from before a reopening
        uow.update(
            task,
            {"due_on": due},
            action="action.reschedule",
            details={"because": "risk-level-changed"},
        )
    return due


def close_case(
    store: Store, case_id: str, *, reason: ClosureReason | str | None, on: date, note: str = ""
) -> None:
    """Close the case for one of the procedure's reasons; the victim is to be told (a task)."""
    if reason is None or not str(reason).strip():
        raise DomainError("Choose a reason for closing the case.")
    try:
        closure = ClosureReason(reason)
    except ValueError:
        raise DomainError(f"'{reason}' is not a reason for closing a case.") from None
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        change = apply_event(_lifecycle(case), Close(on, closure))
        uow.update(
            case,
            {
                "status": change.lifecycle.status.value,
                "closed_on": on,
                "closure_reason": closure.value,
            },
            action="case.close",
            details={"reason": closure.value},
        )
        _add_tasks(uow, case.id, change.tasks, case.officer)
        if note.strip():
            uow.add(
                Note(case_id=case.id, kind="closure", body=note, author=uow.actor),
                action="note.add",
            )


def reopen_case(store: Store, case_id: str, *, reason: str, on: date, rules: DeadlineRules) -> date:
    """Reopen a closed case: history kept, process restarted. Returns the home visit's due date."""
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        level = _level(case.risk_level)
        region = _region(case, rules)
        change = apply_event(_lifecycle(case), Reopen(on, reason, level), region, rules.closures)
        life = change.lifecycle
        uow.update(
            case,
            {
                "status": life.status.value,
                "reopen_count": life.reopen_count,
                "accepted_on": life.accepted_on,
                "closed_on": None,
                "closure_reason": None,
            },
            action="case.reopen",
        )
        end_tasks_of_closure(uow, case.id, on)
        uow.add(
            Note(case_id=case.id, kind="reopening", body=reason, author=uow.actor),
            action="note.add",
        )
        visit_due = preview_home_visit_due(on, level, rules, case.region)
        tasks = [
            TaskSpec(t.kind, t.title, visit_due) if t.kind is ActionKind.HOME_VISIT else t
            for t in change.tasks
        ]
        _add_tasks(uow, case.id, tasks, case.officer)
        start_protocol(uow, case, level, on, rules)
    return visit_due
