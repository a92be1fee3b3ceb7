"""The ASB Case Review workflow: the application, its acknowledgement, the threshold decision, the
review meeting, recommendations, the outcome told to the applicant, and escalation.

Each step is one write through the unit of work (audited, synced). The rules of the review live
in asb_tui/domain/case_review.py; these commands check the facts of the process (a step in order,
dates not in the future nor before the application) and refuse with a `CaseReviewRefused`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain import case_review as rules
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.tasks import TELL_VICTIM_TITLE
from asb_tui.domain.types import ActionKind
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.core.models import Action, CaseReview, CaseReviewRecommendation, Incident
from asb_tui.store.core.store import Store

__all__ = [
    "TELL_VICTIM_TITLE",
    "CaseReviewRefused",
    "CaseReviewView",
    "RecommendationView",
    "acknowledge_application",
    "add_recommendation",
    "apply_for_case_review",
    "case_reviews",
    "complete_recommendation",
    "decide_threshold",
    "escalate_review",
    "record_meeting",
    "record_outcome_told",
    "record_partner_report",
    "record_victim_told",
    "reports_of_case",
]


class CaseReviewRefused(FieldworkError):
    """A Case Review step was refused; the message says why and nothing was written."""


@dataclass(frozen=True)
class RecommendationView:
    id: str
    text: str
    owner: str
    due_on: date | None
    done_on: date | None


@dataclass(frozen=True)
class CaseReviewView:
    """One application as the screen and the CLI show it."""

    id: str
    applicant: str
    on_behalf_of: str
    applied_on: date
    cited_incidents: tuple[str, ...]
    partner_reports: str
    acknowledged_on: date | None
    decided_on: date | None
    threshold_met: bool | None
    decision_reason: str
    decision_letter_on: date | None
    meeting_on: date | None
    agencies_present: tuple[str, ...]
    outcome: str
    outcome_told_on: date | None
    escalation_route: str
    escalated_on: date | None
    recommendations: tuple[RecommendationView, ...]

    def application(self) -> rules.CaseReviewApplication:
        """The application as the domain's rules take it."""
        return rules.CaseReviewApplication(
            id=self.id,
            applied_on=self.applied_on,
            acknowledged_on=self.acknowledged_on,
            decided_on=self.decided_on,
            threshold_met=self.threshold_met,
            meeting_on=self.meeting_on,
            outcome_told_on=self.outcome_told_on,
            escalated_on=self.escalated_on,
            recommendations=tuple(
                rules.Recommendation(r.id, r.text, r.owner, r.due_on, r.done_on)
                for r in self.recommendations
            ),
        )


def _view(review: CaseReview, recs: Sequence[CaseReviewRecommendation]) -> CaseReviewView:
    return CaseReviewView(
        id=review.id,
        applicant=review.applicant,
        on_behalf_of=review.on_behalf_of,
        applied_on=review.applied_on,
        cited_incidents=tuple(review.cited_incidents),
        partner_reports=review.partner_reports,
        acknowledged_on=review.acknowledged_on,
        decided_on=review.decided_on,
        threshold_met=review.threshold_met,
        decision_reason=review.decision_reason,
        decision_letter_on=review.decision_letter_on,
        meeting_on=review.meeting_on,
        agencies_present=tuple(review.agencies_present),
        outcome=review.outcome,
        outcome_told_on=review.outcome_told_on,
        escalation_route=review.escalation_route,
        escalated_on=review.escalated_on,
        recommendations=tuple(
            RecommendationView(r.id, r.text, r.owner, r.due_on, r.done_on) for r in recs
        ),
    )


def views_of(
    reviews: Sequence[CaseReview], recommendations: Sequence[CaseReviewRecommendation]
) -> list[CaseReviewView]:
    """The applications, oldest first, each with its recommendations in the order made."""
    by_review: dict[str, list[CaseReviewRecommendation]] = {}
    for rec in sorted(recommendations, key=lambda r: (r.created_at, r.id)):
        by_review.setdefault(rec.review_id, []).append(rec)
    ordered = sorted(reviews, key=lambda r: (r.applied_on, r.created_at, r.id))
    return [_view(r, by_review.get(r.id, [])) for r in ordered]


def case_reviews(store: Store, case_id: str) -> list[CaseReviewView]:
    """The case's Case Review applications, oldest first."""
    with store.read() as session:
        return _case_reviews(session, case_id)


def _case_reviews(session: Session, case_id: str) -> list[CaseReviewView]:
    reviews = session.exec(select(CaseReview).where(CaseReview.case_id == case_id)).all()
    recs = session.exec(
        select(CaseReviewRecommendation).where(CaseReviewRecommendation.case_id == case_id)
    ).all()
    return views_of(reviews, recs)


def reports_of(incidents: Sequence[Incident]) -> list[rules.Report]:
    """The case's incidents as the threshold test reads them."""
    return [
        rules.Report(
            i.id,
            i.occurred_on,
            i.reported_on,
            i.description,
            tuple(code for code in i.reported_to.split(",") if code),
        )
        for i in incidents
    ]


def reports_of_case(store: Store, case_id: str) -> list[rules.Report]:
    with store.read() as session:
        return reports_of(session.exec(select(Incident).where(Incident.case_id == case_id)).all())


# --- checks ----------------------------------------------------------------------------------


def _not_future(day: date, what: str, today: date) -> None:
    if day > today:
        raise CaseReviewRefused(f"{what}: {format_uk(day)} is in the future.")


def _not_before_application(day: date, what: str, review: CaseReview) -> None:
    if day < review.applied_on:
        raise CaseReviewRefused(
            f"{what}: {format_uk(day)} is before the application of {format_uk(review.applied_on)}."
        )


def _get_review(session: Session, review_id: str) -> CaseReview:
    review = session.get(CaseReview, review_id)
    if review is None:
        raise CaseReviewRefused("That Case Review application is not on this laptop.")
    return review


# --- writes ------------------------------------------------------------------------------------


def record_partner_report(
    store: Store,
    case_id: str,
    *,
    occurred_on: date,
    reported_on: date,
    reported_to: str,
    description: str,
    police_ref: str = "",
    today: date,
) -> Incident:
    """An incident the victim reported to a partner agency (police, landlord, health) that the
    council had not recorded: a complaint the application cites, counted like any other."""
    require_text(description, "What happened")
    try:
        agencies = rules.parse_agencies(reported_to)
    except DomainError as exc:
        raise CaseReviewRefused(str(exc)) from None
    if not agencies:
        raise CaseReviewRefused("Say to whom it was reported: c, p, l or h.")
    _not_future(occurred_on, "When it happened", today)
    _not_future(reported_on, "When it was reported", today)
    if reported_on < occurred_on:
        raise CaseReviewRefused("It cannot have been reported before it happened.")
    with store.write() as uow:
        get_case(uow.reads, case_id)
        return uow.add(
            Incident(
                case_id=case_id,
                occurred_on=occurred_on,
                description=description,
                reported_on=reported_on,
                reported_to=",".join(agencies),
                reported_to_police="police" in agencies,
                police_ref=police_ref,
                reported_to_council_on=reported_on if "council" in agencies else None,
                source="partner-report",
                recorded_by=uow.actor,
            ),
            action="incident.add",
            details={"source": "partner-report"},
        )


def apply_for_case_review(
    store: Store,
    case_id: str,
    *,
    applicant: str,
    applied_on: date,
    today: date,
    on_behalf_of: str = "",
    cited_incidents: Sequence[str] = (),
    partner_reports: str = "",
    notes: str = "",
) -> CaseReview:
    """Log an application for an ASB Case Review (who applied, for whom, when, what it cites)."""
    require_text(applicant, "Who applied")
    _not_future(applied_on, "Applied on", today)
    with store.write() as uow:
        get_case(uow.reads, case_id)
        cited = list(dict.fromkeys(cited_incidents))
        for incident_id in cited:
            incident = uow.reads.get(Incident, incident_id)
            if incident is None or incident.case_id != case_id:
                raise CaseReviewRefused("An incident the application cites is not on this case.")
        return uow.add(
            CaseReview(
                case_id=case_id,
                applicant=applicant,
                on_behalf_of=on_behalf_of,
                applied_on=applied_on,
                cited_incidents=cited,
                partner_reports=partner_reports,
                notes=notes,
            ),
            action="case_review.apply",
        )


def acknowledge_application(
    store: Store, review_id: str, acknowledged_on: date, *, today: date
) -> CaseReview:
    _not_future(acknowledged_on, "Acknowledged on", today)
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        _not_before_application(acknowledged_on, "Acknowledged on", review)
        return uow.update(
            review, {"acknowledged_on": acknowledged_on}, action="case_review.acknowledge"
        )


def decide_threshold(
    store: Store,
    review_id: str,
    *,
    decided_on: date,
    met: bool,
    reason: str,
    letter_on: date | None = None,
    today: date,
) -> CaseReview:
    """The threshold decision with its reasons, and the day the letter to the applicant went."""
    require_text(reason, "The reason for the decision")
    _not_future(decided_on, "Decided on", today)
    if letter_on is not None:
        _not_future(letter_on, "Letter sent on", today)
        if letter_on < decided_on:
            raise CaseReviewRefused("The decision letter cannot go before the decision.")
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        _not_before_application(decided_on, "Decided on", review)
        return uow.update(
            review,
            {
                "decided_on": decided_on,
                "threshold_met": met,
                "decision_reason": reason,
                "decision_letter_on": letter_on,
            },
            action="case_review.decide",
            details={"threshold_met": met},
        )


def record_meeting(
    store: Store,
    review_id: str,
    *,
    meeting_on: date,
    agencies_present: Sequence[str],
    today: date,
) -> CaseReview:
    """The review meeting, with the agencies present; only after a decision that it is met."""
    _not_future(meeting_on, "Meeting held on", today)
    present = [a for a in dict.fromkeys(agencies_present) if a.strip()]
    if not present:
        raise CaseReviewRefused("Name the agencies present at the review meeting.")
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        if review.threshold_met is not True:
            raise CaseReviewRefused(
                "A review meeting follows a decision that the threshold is met; record it first."
            )
        _not_before_application(meeting_on, "Meeting held on", review)
        return uow.update(
            review,
            {"meeting_on": meeting_on, "agencies_present": present},
            action="case_review.meeting",
        )


def add_recommendation(
    store: Store, review_id: str, *, text: str, owner: str, due_on: date | None
) -> CaseReviewRecommendation:
    require_text(text, "The recommendation")
    require_text(owner, "Who owns the recommendation")
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        if review.meeting_on is None:
            raise CaseReviewRefused(
                "Recommendations come from the review meeting; record it first."
            )
        if due_on is not None and due_on < review.meeting_on:
            raise CaseReviewRefused("A recommendation cannot be due before the meeting made it.")
        return uow.add(
            CaseReviewRecommendation(
                case_id=review.case_id, review_id=review.id, text=text, owner=owner, due_on=due_on
            ),
            action="case_review.recommend",
        )


def complete_recommendation(
    store: Store, recommendation_id: str, done_on: date, *, today: date
) -> CaseReviewRecommendation:
    _not_future(done_on, "Done on", today)
    with store.write() as uow:
        rec = uow.reads.get(CaseReviewRecommendation, recommendation_id)
        if rec is None:
            raise CaseReviewRefused("That recommendation is not on this laptop.")
        return uow.update(rec, {"done_on": done_on}, action="case_review.recommendation_done")


def record_outcome_told(
    store: Store, review_id: str, *, told_on: date, outcome: str, today: date
) -> CaseReview:
    """What the applicant was told after the review (or with a decision that it is not met)."""
    require_text(outcome, "The outcome told to the applicant")
    _not_future(told_on, "Told on", today)
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        if review.decided_on is None:
            raise CaseReviewRefused("Decide the threshold before telling the applicant an outcome.")
        _not_before_application(told_on, "Told on", review)
        return uow.update(
            review, {"outcome_told_on": told_on, "outcome": outcome}, action="case_review.outcome"
        )


def escalate_review(
    store: Store, review_id: str, *, escalated_on: date, route: str, today: date
) -> CaseReview:
    """The applicant asked for the review to be looked at again (the escalation route, e.g. the
    Police and Crime Commissioner)."""
    require_text(route, "The escalation route")
    _not_future(escalated_on, "Escalated on", today)
    with store.write() as uow:
        review = _get_review(uow.reads, review_id)
        if review.decided_on is None:
            raise CaseReviewRefused("Only a decided application can be escalated.")
        _not_before_application(escalated_on, "Escalated on", review)
        return uow.update(
            review,
            {"escalated_on": escalated_on, "escalation_route": route},
            action="case_review.escalate",
        )


def record_victim_told(store: Store, case_id: str, told_on: date, *, today: date) -> Action:
    """The victim was told about the Case Review (the 2025 guidance, at two reports): a done
    task, which meets the derived "tell the victim" deadline."""
    _not_future(told_on, "Told on", today)
    with store.write() as uow:
        get_case(uow.reads, case_id)
        existing = uow.reads.exec(
            select(Action).where(
                Action.case_id == case_id,
                Action.kind == ActionKind.CASE_REVIEW_INFO.value,
                col(Action.done_on).is_not(None),
            )
        ).first()
        if existing is not None:
            return existing
        return uow.add(
            Action(
                case_id=case_id,
                kind=ActionKind.CASE_REVIEW_INFO.value,
                title=TELL_VICTIM_TITLE,
                due_on=told_on,
                done_on=told_on,
            ),
            action="action.done",
        )
