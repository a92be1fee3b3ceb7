"""The questions before closing a case, and the message on reopening it."""

from __future__ import annotations

from datetime import date

from asb_tui.domain.lifecycle import OpenWork, closure_warnings, reopening_message


def test_nothing_open_means_no_question() -> None:
    assert closure_warnings(OpenWork()) == ()


def test_each_kind_of_open_work_is_named_and_counted() -> None:
    warnings = closure_warnings(
        OpenWork(
            open_safeguarding=2, pending_vvc=1, unserved_notices=("Community Protection Notice",)
        )
    )
    assert warnings == (
        "2 safeguarding referrals are still open.",
        "A referral to the Vulnerable Victims Conference has not been heard yet.",
        "A Community Protection Notice has been proposed but not served.",
    )


def test_reopening_says_first_visit_only_when_none_was_done() -> None:
    due = date(2026, 12, 4)
    assert reopening_message(due, None) == "Case reopened. First home visit due 04/12/2026."
    text = reopening_message(due, date(2026, 11, 20))
    assert "First" not in text
    assert "new home visit is due 04/12/2026" in text and "20/11/2026" in text
