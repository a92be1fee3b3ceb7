"""The ASB Case Review of one case as the screen and `asb-tui case show` read it, and the figures
a council publishes for a year (from every case on the laptop).

Built from the whole-case records (store/queries/case_records.py) and the rules of
asb_tui/domain/case_review.py; nothing here is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from asb_tui.domain import case_review as rules
from asb_tui.domain.case_deadlines import DeadlineRules, deadline_state
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import add_working_days, normalise_region
from asb_tui.store.commands.case_review import CaseReviewView, reports_of, views_of
from asb_tui.store.core.errors import CaseNotFound
from asb_tui.store.core.models import CaseReview, CaseReviewRecommendation, Incident
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_records import CaseRecords, load_case_records

__all__ = [
    "CaseReviewSummary",
    "ComplaintLine",
    "StepDeadline",
    "case_review_figures",
    "case_review_summary",
    "read_case_review",
    "summary_document",
]


@dataclass(frozen=True)
class ComplaintLine:
    """One incident as the threshold test saw it: counted, or left out and why."""

    incident_id: str
    occurred_on: date
    reported_on: date | None
    reported_to: tuple[str, ...]
    description: str
    counted: bool
    reason: str = ""


@dataclass(frozen=True)
class StepDeadline:
    review_id: str
    key: str
    title: str
    due_on: date
    done_on: date | None
    state: str


@dataclass(frozen=True)
class CaseReviewSummary:
    """Where the case stands: the threshold test (on the latest application's date, or today),
    the applications with their steps and deadlines, and whether to tell the victim."""

    status: str
    tested_on: date
    threshold: int
    window_months: int
    threshold_met: bool
    complaints: tuple[ComplaintLine, ...]
    tell_victim_due: date | None
    told_on: date | None
    applications: tuple[CaseReviewView, ...]
    deadlines: tuple[StepDeadline, ...]

    @property
    def qualifying(self) -> tuple[ComplaintLine, ...]:
        return tuple(c for c in self.complaints if c.counted)


def case_review_summary(
    records: CaseRecords, today: date, deadline_rules: DeadlineRules = DeadlineRules()
) -> CaseReviewSummary:
    rule = deadline_rules.case_review
    incidents = records.rows(Incident)
    reports = reports_of(incidents)
    applications = views_of(records.rows(CaseReview), records.rows(CaseReviewRecommendation))
    latest = applications[-1] if applications else None
    tested_on = latest.applied_on if latest is not None else today
    result = rules.threshold_test(reports, tested_on, rule)
    counted = {r.id for r in result.qualifying}
    reasons = dict(result.left_out)
    by_id = {i.id: i for i in incidents}
    complaints = tuple(
        ComplaintLine(
            incident_id=r.id,
            occurred_on=by_id[r.id].occurred_on,
            reported_on=r.reported_on,
            reported_to=r.reported_to,
            description=r.description,
            counted=r.id in counted,
            reason=reasons.get(r.id, ""),
        )
        for r in sorted(reports, key=lambda r: (by_id[r.id].occurred_on, r.id))
    )
    told = [
        a.done_on
        for a in records.rows("action")
        if a.kind == "case-review-info" and a.done_on is not None
    ]
    region_text = records.case.region
    region: Region = deadline_rules.default_region
    if region_text:
        try:
            region = normalise_region(region_text)
        except ValueError:
            region = deadline_rules.default_region
    soon = add_working_days(today, deadline_rules.due_soon_days, region, deadline_rules.closures)
    steps: list[StepDeadline] = []
    for view in applications:
        for step in rules.review_deadlines(
            view.application(),
            deadline_rules.case_review_timescales,
            region,
            deadline_rules.closures,
        ):
            state = deadline_state(step.due_on, step.done_on, today, soon)
            steps.append(
                StepDeadline(view.id, step.key, step.title, step.due_on, step.done_on, state.value)
            )
    if latest is not None:
        status = latest.application().status
    elif result.met:
        status = "threshold met; no application"
    else:
        status = "no application"
    return CaseReviewSummary(
        status=status,
        tested_on=tested_on,
        threshold=rule.threshold,
        window_months=rule.months,
        threshold_met=result.met,
        complaints=complaints,
        tell_victim_due=rules.tell_victim_due(reports, rule),
        told_on=min(told, default=None),
        applications=tuple(applications),
        deadlines=tuple(steps),
    )


def summary_document(summary: CaseReviewSummary) -> dict[str, Any]:
    """The summary as plain data for `asb-tui case show --json` (dates as `date`)."""
    return {
        "status": summary.status,
        "tested_on": summary.tested_on,
        "threshold": {
            "complaints": summary.threshold,
            "months": summary.window_months,
            "met": summary.threshold_met,
        },
        "qualifying": [
            {
                "incident_id": c.incident_id,
                "occurred_on": c.occurred_on,
                "reported_on": c.reported_on,
                "reported_to": list(c.reported_to),
            }
            for c in summary.qualifying
        ],
        "left_out": [
            {
                "incident_id": c.incident_id,
                "occurred_on": c.occurred_on,
                "reported_on": c.reported_on,
                "reason": c.reason,
            }
            for c in summary.complaints
            if not c.counted
        ],
        "tell_victim_due": summary.tell_victim_due,
        "victim_told_on": summary.told_on,
        "applications": [
            {
                "id": a.id,
                "status": a.application().status,
                "applicant": a.applicant,
                "on_behalf_of": a.on_behalf_of,
                "applied_on": a.applied_on,
                "cited_incidents": list(a.cited_incidents),
                "acknowledged_on": a.acknowledged_on,
                "decided_on": a.decided_on,
                "threshold_met": a.threshold_met,
                "decision_letter_on": a.decision_letter_on,
                "meeting_on": a.meeting_on,
                "agencies_present": list(a.agencies_present),
                "outcome_told_on": a.outcome_told_on,
                "escalation_route": a.escalation_route,
                "escalated_on": a.escalated_on,
                "recommendations": [
                    {"text": r.text, "owner": r.owner, "due_on": r.due_on, "done_on": r.done_on}
                    for r in a.recommendations
                ],
            }
            for a in summary.applications
        ],
        "deadlines": [
            {
                "what": d.title,
                "due_on": d.due_on,
                "done_on": d.done_on,
                "state": d.state,
            }
            for d in summary.deadlines
        ],
    }


def read_case_review(
    store: Store, case_id: str, today: date, deadline_rules: DeadlineRules
) -> CaseReviewSummary:
    """The Case Review of one case, for the Case Review screen."""
    with store.read() as session:
        records = load_case_records(session, case_id)
    if records is None:
        raise CaseNotFound()
    return case_review_summary(records, today, deadline_rules)


def case_review_figures(session: Session, year: int) -> rules.CaseReviewFigures:
    """The year's published figures over every case on the laptop (domain.published_figures)."""
    reviews = session.exec(select(CaseReview)).all()
    recs = session.exec(select(CaseReviewRecommendation)).all()
    applications: Sequence[CaseReviewView] = views_of(reviews, recs)
    return rules.published_figures([a.application() for a in applications], year)
