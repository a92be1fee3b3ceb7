"""VVC meeting dates (second Tuesday by default) and the referral cut-off."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asb_tui.domain.errors import DomainError
from asb_tui.domain.vvc import VvcRule, next_vvc_meeting, vvc_cutoff, vvc_meetings


def test_default_meetings_are_second_tuesdays() -> None:
    meetings = vvc_meetings(date(2026, 1, 1), date(2026, 12, 31))
    assert len(meetings) == 12
    assert meetings[:3] == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]
    assert meetings[-1] == date(2026, 12, 8)
    for meeting in meetings:
        assert meeting.weekday() == 1
        assert 8 <= meeting.day <= 14


def test_meetings_between_is_inclusive_and_crosses_years() -> None:
    assert vvc_meetings(date(2026, 12, 8), date(2027, 1, 12)) == [
        date(2026, 12, 8),
        date(2027, 1, 12),
    ]
    assert vvc_meetings(date(2026, 12, 9), date(2027, 1, 11)) == []


def test_cutoff_is_ten_days_before() -> None:
    assert vvc_cutoff(date(2026, 12, 8)) == date(2026, 11, 28)
    assert vvc_cutoff(date(2026, 12, 8), VvcRule(cutoff_days=5)) == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("referred_on", "meeting"),
    [
        (date(2026, 11, 1), date(2026, 12, 8)),  # 10/11 had its cut-off on 31/10
        (date(2026, 10, 31), date(2026, 11, 10)),  # on the cut-off day itself
        (date(2026, 11, 28), date(2026, 12, 8)),
        (date(2026, 11, 29), date(2027, 1, 12)),  # a day after the cut-off
        (date(2026, 12, 31), date(2027, 1, 12)),  # cut-off 02/01/2027
    ],
)
def test_next_meeting_is_the_first_whose_cutoff_has_not_passed(
    referred_on: date, meeting: date
) -> None:
    assert next_vvc_meeting(referred_on) == meeting


def test_rule_as_weekday_and_nth_or_rrule_text() -> None:
    last_friday = VvcRule(weekday=4, nth=-1)
    assert vvc_meetings(date(2026, 1, 1), date(2026, 2, 28), last_friday) == [
        date(2026, 1, 30),
        date(2026, 2, 27),
    ]
    first_wednesday = VvcRule(rrule_text="FREQ=MONTHLY;BYDAY=+1WE")
    assert vvc_meetings(date(2026, 3, 1), date(2026, 4, 30), first_wednesday) == [
        date(2026, 3, 4),
        date(2026, 4, 1),
    ]
    assert "second Tuesday" in VvcRule().describe()


@pytest.mark.parametrize(
    "make",
    [
        lambda: VvcRule(weekday=7),
        lambda: VvcRule(nth=0),
        lambda: VvcRule(cutoff_days=-1),
        lambda: VvcRule(rrule_text="FREQ=SOMETIMES"),
    ],
)
def test_bad_rules_are_refused(make: object) -> None:
    with pytest.raises(DomainError):
        make()  # type: ignore[operator]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_next_meeting_property(referred_on: date) -> None:
    meeting = next_vvc_meeting(referred_on)
    assert vvc_cutoff(meeting) >= referred_on
    earlier = vvc_meetings(referred_on - timedelta(days=60), meeting - timedelta(days=1))
    assert all(vvc_cutoff(m) < referred_on for m in earlier)
