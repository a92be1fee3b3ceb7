"""Reported means reported, and the Case Review workflow, through the store's commands on a real
encrypted store: what is saved, what is refused, what the case detail and its deadlines show."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.types import DeadlineKind, DeadlineState
from asb_tui.store.commands import case_review as cr
from asb_tui.store.commands import diary
from asb_tui.store.commands.fieldwork import FieldworkError
from asb_tui.store.core.models import AuditEvent, Incident
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import case_detail, case_review_count
from asb_tui.store.queries.case_review_summary import case_review_figures, read_case_review
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 12, 1)


def _config(tmp_path: Path, **values: object) -> Config:
    return Config(data_dir=tmp_path, **values)  # type: ignore[arg-type]


def _entry(day: date, what: str, **told: object) -> diary.DiaryEntry:
    return diary.DiaryEntry(occurred_on=day, description=what, **told)  # type: ignore[arg-type]


def test_a_diary_entry_is_reported_when_the_victim_says_not_when_the_sheet_came_back(
    store: Store, case_id: str
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 8, 1))
    diary.record_sheet_returned(store, sheet.id, date(2026, 11, 30))
    told = diary.add_diary_entry(
        store,
        sheet.id,
        _entry(
            date(2026, 8, 10),
            "Music all night",
            reported_on=date(2026, 8, 11),
            reported_to=("council",),
            police_ref="CAD 77",
        ),
        typed_on=TODAY,
    )
    untold = diary.add_diary_entry(store, sheet.id, _entry(date(2026, 8, 24), "Bins"))
    with store.read() as session:
        a = session.get(Incident, told.id)
        b = session.get(Incident, untold.id)
    assert a is not None and b is not None
    assert (a.reported_on, a.reported_to, a.reported_to_police) == (
        date(2026, 8, 11),
        "council,police",  # a police reference is a report to the police
        True,
    )
    assert a.reported_to_council_on == date(2026, 8, 11)
    assert (b.reported_on, b.reported_to, b.reported_to_council_on) == (None, "", None)


@pytest.mark.parametrize(
    ("told", "refusal"),
    [
        ({"reported_on": date(2026, 8, 9), "reported_to": ("council",)}, "before it happened"),
        ({"reported_on": date(2026, 12, 2), "reported_to": ("council",)}, "in the future"),
        ({"reported_on": date(2026, 8, 12)}, "say to whom"),
        ({"reported_to": ("mp",)}, "not an agency"),
    ],
)
def test_a_report_that_cannot_be_is_refused_in_one_line(
    store: Store, case_id: str, told: dict[str, object], refusal: str
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 8, 1))
    with pytest.raises(FieldworkError, match=refusal) as refused:
        diary.add_diary_entry(
            store, sheet.id, _entry(date(2026, 8, 10), "Music", **told), typed_on=TODAY
        )
    assert "\n" not in str(refused.value)


def test_the_issues_sheet_returned_on_30_11_does_not_meet_the_threshold(
    store: Store, case_id: str, tmp_path: Path
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 8, 1))
    diary.record_sheet_returned(store, sheet.id, date(2026, 11, 30))
    for day in (date(2026, 8, 10), date(2026, 8, 24), date(2026, 9, 14)):
        diary.add_diary_entry(store, sheet.id, _entry(day, f"Shouting {day}"), typed_on=TODAY)
    rules = deadline_rules(_config(tmp_path), TODAY)
    summary = read_case_review(store, case_id, TODAY, rules)
    assert not summary.threshold_met and summary.qualifying == ()
    assert {c.reason for c in summary.complaints} == {"not reported to any agency"}
    with store.read() as session:
        assert case_review_count(session, {case_id}, TODAY, rules.case_review) == 0


def _reported(store: Store, case_id: str, *days: tuple[date, date, str]) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 9, 1))
    for happened, reported, to in days:
        diary.add_diary_entry(
            store,
            sheet.id,
            _entry(happened, f"Incident {happened}", reported_on=reported, reported_to=(to,)),
            typed_on=TODAY,
        )


def test_two_reports_raise_the_tell_the_victim_task_until_the_victim_is_told(
    store: Store, case_id: str, tmp_path: Path
) -> None:
    rules = deadline_rules(_config(tmp_path), TODAY)
    _reported(store, case_id, (date(2026, 10, 1), date(2026, 10, 2), "council"))

    def tell_task() -> list[tuple[date, DeadlineState]]:
        with store.read() as session:
            detail = case_detail(session, case_id, today=TODAY, rules=rules)
        assert detail is not None
        return [
            (d.due_on, d.state) for d in detail.deadlines if d.kind is DeadlineKind.CASE_REVIEW_INFO
        ]

    assert tell_task() == []  # one report: not yet
    _reported(store, case_id, (date(2026, 10, 20), date(2026, 10, 20), "police"))
    assert tell_task() == [(date(2026, 10, 20), DeadlineState.OVERDUE)]
    cr.record_victim_told(store, case_id, date(2026, 11, 2), today=TODAY)
    assert tell_task() == [(date(2026, 10, 20), DeadlineState.MET)]


def test_a_configured_threshold_of_two_is_met_by_two(
    store: Store, case_id: str, tmp_path: Path
) -> None:
    _reported(
        store,
        case_id,
        (date(2026, 10, 1), date(2026, 10, 2), "council"),
        (date(2026, 10, 20), date(2026, 10, 20), "police"),
    )
    default = read_case_review(store, case_id, TODAY, deadline_rules(_config(tmp_path), TODAY))
    lower = deadline_rules(_config(tmp_path, case_review_threshold=2), TODAY)
    assert not default.threshold_met
    assert read_case_review(store, case_id, TODAY, lower).threshold_met
    with store.read() as session:
        assert case_review_count(session, {case_id}, TODAY, lower.case_review) == 1


def test_the_workflow_runs_in_order_with_its_deadlines_and_timeline(
    store: Store, case_id: str, tmp_path: Path
) -> None:
    _reported(
        store,
        case_id,
        (date(2026, 9, 3), date(2026, 9, 3), "police"),
        (date(2026, 9, 28), date(2026, 10, 1), "council"),
    )
    partner = cr.record_partner_report(
        store,
        case_id,
        occurred_on=date(2026, 10, 12),
        reported_on=date(2026, 10, 13),
        reported_to="l",
        description="Rubbish thrown on the balcony",
        today=TODAY,
    )
    review = cr.apply_for_case_review(
        store,
        case_id,
        applicant="Ann Victim",
        applied_on=date(2026, 11, 2),
        cited_incidents=[partner.id],
        today=TODAY,
    )
    with pytest.raises(cr.CaseReviewRefused, match="follows a decision"):
        cr.record_meeting(
            store,
            review.id,
            meeting_on=date(2026, 11, 20),
            agencies_present=["Police"],
            today=TODAY,
        )
    with pytest.raises(cr.CaseReviewRefused, match="before the application"):
        cr.acknowledge_application(store, review.id, date(2026, 11, 1), today=TODAY)
    with pytest.raises(cr.CaseReviewRefused, match="in the future"):
        cr.acknowledge_application(store, review.id, date(2026, 12, 2), today=TODAY)
    cr.acknowledge_application(store, review.id, date(2026, 11, 4), today=TODAY)
    cr.decide_threshold(
        store,
        review.id,
        decided_on=date(2026, 11, 16),
        met=True,
        reason="Three complaints within a month of the behaviour",
        letter_on=date(2026, 11, 16),
        today=TODAY,
    )
    cr.record_meeting(
        store,
        review.id,
        meeting_on=date(2026, 11, 27),
        agencies_present=["Council", "Police", "Leeds Homes"],
        today=TODAY,
    )
    cr.add_recommendation(
        store, review.id, text="Serve a CPW", owner="Police", due_on=date(2026, 12, 11)
    )
    rules = deadline_rules(_config(tmp_path), TODAY)
    summary = read_case_review(store, case_id, TODAY, rules)
    assert summary.threshold_met and len(summary.qualifying) == 3
    assert summary.status == "review held"
    steps = {d.title: (d.due_on, d.done_on, d.state) for d in summary.deadlines}
    # 10, 15 and 20 working days from Monday 02/11/2026 (no bank holiday in November).
    assert steps["Case Review: acknowledge the application"] == (
        date(2026, 11, 16),
        date(2026, 11, 4),
        "met",
    )
    assert steps["Case Review: decide the threshold and write to the applicant"][0] == date(
        2026, 11, 23
    )
    assert steps["Case Review: hold the review meeting"][:2] == (
        date(2026, 11, 30),
        date(2026, 11, 27),
    )
    assert steps["Case Review: tell the applicant the outcome"] == (
        date(2026, 12, 4),
        None,
        "not-due",
    )
    with store.read() as session:
        detail = case_detail(session, case_id, today=TODAY, rules=rules)
        events = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert detail is not None
    review_deadlines = [d for d in detail.deadlines if d.kind is DeadlineKind.CASE_REVIEW]
    assert len(review_deadlines) == 5 and any("Serve a CPW" in d.title for d in review_deadlines)
    shown = [(e.day, e.what) for e in detail.timeline]
    assert (date(2026, 11, 2), "Case Review applied for") in shown
    assert (date(2026, 11, 16), "Case Review decision: threshold met") in shown
    assert (date(2026, 11, 27), "Case Review meeting") in shown
    assert {"case_review.apply", "case_review.decide", "case_review.meeting"} <= set(events)
    cr.record_outcome_told(
        store, review.id, told_on=date(2026, 11, 30), outcome="Letter sent", today=TODAY
    )
    with store.read() as session:
        figures = case_review_figures(session, 2026)
    assert (figures.applications, figures.thresholds_met, figures.reviews_held) == (1, 1, 1)
    assert figures.recommendations == 1
