"""The ASB Case Review threshold as s104 of the 2014 Act counts it, in tables of cases: a complaint
counts when made within one month of the behaviour, separate incidents only, in the window
before the application; reports to any relevant body count; the council's lower threshold; the
tell-the-victim task at two reports; the workflow's deadlines in working days."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.case_review import (
    CaseReviewApplication,
    CaseReviewRule,
    CaseReviewTimescales,
    Recommendation,
    Report,
    check_rule,
    is_timely,
    parse_agencies,
    published_figures,
    review_deadlines,
    tell_victim_due,
    threshold_test,
)
from asb_tui.domain.errors import DomainError
from asb_tui.domain.reviews import Complaint, qualifying_complaints
from asb_tui.domain.types import Region

D = date


@pytest.mark.parametrize(
    ("occurred", "reported", "timely"),
    [
        (D(2026, 3, 10), D(2026, 3, 10), True),  # the same day
        (D(2026, 3, 10), D(2026, 4, 10), True),  # a month to the day
        (D(2026, 3, 10), D(2026, 4, 11), False),  # a day over the month
        (D(2026, 1, 31), D(2026, 2, 28), True),  # a month from 31/01 ends on 28/02
        (D(2026, 1, 31), D(2026, 3, 1), False),
        (D(2026, 3, 10), D(2026, 3, 9), False),  # reported before it happened: a typing error
        (D(2026, 3, 10), None, False),  # never reported
    ],
)
def test_a_complaint_counts_only_when_made_within_a_month_of_the_behaviour(
    occurred: date, reported: date | None, timely: bool
) -> None:
    assert is_timely(Report("a", occurred, reported)) is timely


# (what happened and when it was reported, the day of the test, what counts)
CASES = [
    (
        "three complaints each within a month, to council, police and landlord",
        [
            ("1", D(2026, 9, 1), D(2026, 9, 2), ("council",)),
            ("2", D(2026, 9, 20), D(2026, 9, 20), ("police",)),
            ("3", D(2026, 10, 5), D(2026, 10, 30), ("housing",)),
        ],
        D(2026, 11, 1),
        ["1", "2", "3"],
    ),
    (
        "one reported five weeks after it happened does not count",
        [
            ("1", D(2026, 9, 1), D(2026, 9, 2), ("council",)),
            ("2", D(2026, 9, 20), D(2026, 10, 25), ("council",)),
            ("3", D(2026, 10, 5), D(2026, 10, 6), ("police",)),
        ],
        D(2026, 11, 1),
        ["1", "3"],
    ),
    (
        "a complaint made more than six months before the application does not count",
        [
            ("1", D(2026, 4, 20), D(2026, 4, 30), ("council",)),
            ("2", D(2026, 9, 20), D(2026, 9, 21), ("council",)),
            ("3", D(2026, 10, 5), D(2026, 10, 6), ("health",)),
        ],
        D(2026, 11, 1),
        ["2", "3"],
    ),
    (
        "the same incident told to two agencies counts once",
        [
            ("1", D(2026, 9, 20), D(2026, 9, 20), ("police",)),
            ("2", D(2026, 9, 20), D(2026, 9, 22), ("council",)),
            ("3", D(2026, 10, 5), D(2026, 10, 6), ("council",)),
        ],
        D(2026, 11, 1),
        ["1", "3"],
    ),
    (
        "a report after the day of the application does not count towards it",
        [
            ("1", D(2026, 9, 20), D(2026, 9, 20), ("police",)),
            ("2", D(2026, 10, 30), D(2026, 11, 2), ("council",)),
        ],
        D(2026, 11, 1),
        ["1"],
    ),
]


@pytest.mark.parametrize(("why", "reports", "on", "counted"), CASES, ids=[c[0] for c in CASES])
def test_the_threshold_counts_what_the_act_counts(
    why: str,
    reports: list[tuple[str, date, date, tuple[str, ...]]],
    on: date,
    counted: list[str],
) -> None:
    made = [
        Report(rid, occurred, reported, "Shouting at the door", to)
        for rid, occurred, reported, to in reports
    ]
    if why.startswith("the same incident"):
        made = [r._replace(description="Shouting at the door") for r in made[:2]] + [
            made[2]._replace(description="Bins set alight")
        ]
    else:
        made = [r._replace(description=f"Incident {r.id}") for r in made]
    result = threshold_test(made, on)
    assert [r.id for r in result.qualifying] == counted
    assert result.met is (len(counted) >= 3)
    assert {rid for rid, _reason in result.left_out} == {r.id for r in made} - set(counted)


def test_reports_to_the_police_alone_meet_the_threshold() -> None:
    reports = [
        Report(str(n), D(2026, 10, day), D(2026, 10, day), f"Call-out {n}", ("police",))
        for n, day in enumerate((3, 10, 17), start=1)
    ]
    assert threshold_test(reports, D(2026, 10, 20)).met


def test_a_council_may_set_a_lower_threshold_and_a_longer_window() -> None:
    reports = [
        Report("1", D(2026, 2, 1), D(2026, 2, 2), "Graffiti", ("council",)),
        Report("2", D(2026, 9, 1), D(2026, 9, 2), "Eggs thrown", ("police",)),
    ]
    assert not threshold_test(reports, D(2026, 10, 1)).met
    two = CaseReviewRule(threshold=2)
    assert not threshold_test(reports, D(2026, 10, 1), two).met  # one is outside six months
    two_in_nine = CaseReviewRule(threshold=2, months=9)
    assert threshold_test(reports, D(2026, 10, 1), two_in_nine).met
    check_rule(two_in_nine)


@pytest.mark.parametrize(("threshold", "months"), [(4, 6), (3, 5), (0, 6)])
def test_a_threshold_stricter_than_the_act_is_refused(threshold: int, months: int) -> None:
    with pytest.raises(DomainError) as refused:
        check_rule(CaseReviewRule(threshold=threshold, months=months))
    assert "\n" not in str(refused.value)


def test_the_sheet_returned_months_later_no_longer_meets_the_threshold() -> None:
    """The issue's case: three incidents of August and September on a sheet returned 30/11."""
    happened = [D(2026, 8, 10), D(2026, 8, 24), D(2026, 9, 14)]
    # As main counted it: every entry "reported" on the day the sheet came back.
    as_before = [Complaint(str(n), D(2026, 11, 30), day, f"E{n}") for n, day in enumerate(happened)]
    assert qualifying_complaints(as_before, D(2026, 11, 30)) == ()
    # Typed with no report: nothing to count. Typed as told to the council on 30/11: too late.
    unreported = [Report(str(n), day, None, f"E{n}") for n, day in enumerate(happened)]
    late = [r._replace(reported_on=D(2026, 11, 30), reported_to=("council",)) for r in unreported]
    assert threshold_test(unreported, D(2026, 11, 30)).count == 0
    assert threshold_test(late, D(2026, 11, 30)).count == 0
    assert not threshold_test(late, D(2026, 11, 30)).met


def test_the_victim_is_to_be_told_at_the_second_qualifying_report_in_six_months() -> None:
    first = Report("1", D(2026, 3, 1), D(2026, 3, 2), "Music", ("council",))
    late = Report("2", D(2026, 4, 1), D(2026, 6, 1), "Shouting", ("council",))  # not timely
    far = Report("3", D(2026, 10, 1), D(2026, 10, 1), "Bins", ("police",))  # 7 months later
    assert tell_victim_due([first, late, far]) is None
    second = Report("4", D(2026, 10, 20), D(2026, 10, 21), "Door kicked", ("housing",))
    assert tell_victim_due([first, late, far, second]) == D(2026, 10, 21)


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("c", ("council",)),
        ("pc", ("council", "police")),
        ("l h", ("housing", "health")),
        ("council, police", ("council", "police")),
        ("landlord", ("housing",)),
        ("", ()),
    ],
)
def test_agencies_are_typed_as_letters_or_words(typed: str, codes: tuple[str, ...]) -> None:
    assert parse_agencies(typed) == codes


def test_an_unknown_agency_is_refused_naming_it() -> None:
    with pytest.raises(DomainError, match="'x' is not an agency"):
        parse_agencies("cx")


# Friday 28/08/2026; Monday 31/08/2026 is the summer bank holiday in England and Wales only.
APPLIED = D(2026, 8, 28)


@pytest.mark.parametrize(
    ("region", "acknowledge", "decide", "meet"),
    [
        (Region.ENGLAND_AND_WALES, D(2026, 9, 14), D(2026, 9, 21), D(2026, 9, 28)),
        (Region.SCOTLAND, D(2026, 9, 11), D(2026, 9, 18), D(2026, 9, 25)),
    ],
)
def test_the_steps_are_due_in_working_days_of_the_case_region(
    region: Region, acknowledge: date, decide: date, meet: date
) -> None:
    steps = review_deadlines(CaseReviewApplication("r", APPLIED), region=region)
    assert [(s.key, s.due_on) for s in steps] == [
        ("acknowledge", acknowledge),
        ("decide", decide),
        ("meet", meet),
    ]


def test_timescales_are_the_councils_and_a_decision_not_met_needs_no_meeting() -> None:
    quick = CaseReviewTimescales(acknowledge_days=3, decide_days=5, meet_days=10)
    refused = CaseReviewApplication("r", APPLIED, D(2026, 9, 1), D(2026, 9, 3), threshold_met=False)
    steps = review_deadlines(refused, quick)
    assert [(s.key, s.due_on, s.done_on) for s in steps] == [
        ("acknowledge", D(2026, 9, 3), D(2026, 9, 1)),
        ("decide", D(2026, 9, 7), D(2026, 9, 3)),
    ]
    held = CaseReviewApplication(
        "r",
        APPLIED,
        meeting_on=D(2026, 9, 24),
        threshold_met=True,
        recommendations=(Recommendation("x", "Serve a CPW", "Police", D(2026, 10, 30)),),
    )
    keys = [(s.key, s.due_on) for s in review_deadlines(held)]
    assert ("tell-outcome", D(2026, 10, 1)) in keys and ("recommendation", D(2026, 10, 30)) in keys


def test_the_published_figures_count_each_thing_in_its_own_year() -> None:
    applications = [
        CaseReviewApplication("a", D(2025, 12, 20), decided_on=D(2026, 1, 9), threshold_met=True,
                              meeting_on=D(2026, 1, 28),
                              recommendations=(Recommendation("1", "x", "Police", None),
                                               Recommendation("2", "y", "Council", None))),
        CaseReviewApplication("b", D(2026, 3, 2), decided_on=D(2026, 3, 20), threshold_met=False),
        CaseReviewApplication("c", D(2026, 11, 20)),
    ]  # fmt: skip
    figures = published_figures(applications, 2026)
    assert (
        figures.applications,
        figures.thresholds_met,
        figures.reviews_held,
        figures.recommendations,
    ) == (2, 1, 1, 2)
    assert published_figures(applications, 2025).applications == 1


def test_one_incident_told_to_two_agencies_is_one_report_for_the_tell_the_victim_task() -> None:
    police = Report("1", D(2026, 10, 1), D(2026, 10, 1), "Door kicked in", ("police",))
    council = Report("2", D(2026, 10, 1), D(2026, 10, 3), "Door kicked in.", ("council",))
    assert tell_victim_due([police, council]) is None
    again = Report("3", D(2026, 10, 9), D(2026, 10, 9), "Door kicked in", ("council",))
    assert tell_victim_due([police, council, again]) == D(2026, 10, 9)


def test_the_tell_the_victim_task_is_a_derived_task_spec() -> None:
    from asb_tui.domain.tasks import case_review_info_task
    from asb_tui.domain.types import ActionKind

    one = [Report("1", D(2026, 10, 1), D(2026, 10, 1), "Music", ("police",))]
    assert case_review_info_task(one) is None
    two = [*one, Report("2", D(2026, 10, 5), D(2026, 10, 6), "Bins", ("council",))]
    task = case_review_info_task(two)
    assert task is not None
    assert (task.kind, task.due_on) == (ActionKind.CASE_REVIEW_INFO, D(2026, 10, 6))
    assert task.title == "Tell the victim about the ASB Case Review"
