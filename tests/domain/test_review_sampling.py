"""Manager review sample (reproducible from its seed) and the ASB Case Review threshold."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asb_tui.domain.case_deadlines import CaseFacts
from asb_tui.domain.errors import DomainError
from asb_tui.domain.reviews import (
    CaseReviewRule,
    Complaint,
    case_review_status,
    draw_review_sample,
    new_sample_seed,
    qualifying_complaints,
    select_for_review,
)
from asb_tui.domain.types import CaseStatus, RiskLevel

TODAY = date(2026, 11, 23)


def test_sample_is_reproducible_whatever_the_order_of_ids() -> None:
    ids = [f"case-{n:03d}" for n in range(57)]
    first = draw_review_sample(ids, seed=12345)
    again = draw_review_sample(list(reversed(ids)), seed=12345)
    assert first == again
    assert len(first) == 6  # 10% of 57, rounded up
    assert set(first) <= set(ids)
    assert first == sorted(first)


def test_different_seeds_draw_different_samples() -> None:
    ids = [f"case-{n:03d}" for n in range(200)]
    samples = {tuple(draw_review_sample(ids, seed)) for seed in range(10)}
    assert len(samples) > 1


def test_sample_size_rules() -> None:
    assert draw_review_sample([], seed=1) == []
    assert draw_review_sample(["only"], seed=1) == ["only"]
    assert len(draw_review_sample([str(n) for n in range(5)], seed=1)) == 1
    assert len(draw_review_sample([str(n) for n in range(5)], seed=1, minimum=0)) == 1
    assert len(draw_review_sample([str(n) for n in range(5)], seed=1, fraction=0, minimum=0)) == 0
    assert len(draw_review_sample([str(n) for n in range(5)], seed=1, fraction=0.5)) == 3
    assert len(draw_review_sample([str(n) for n in range(5)], seed=1, minimum=9)) == 5
    with pytest.raises(DomainError):
        draw_review_sample(["a"], seed=1, fraction=1.5)


def test_new_seeds_are_random_and_fit_a_database_integer() -> None:
    seeds = {new_sample_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(0 <= seed < 2**63 for seed in seeds)


@given(
    ids=st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=300),
    seed=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_sample_property(ids: list[int], seed: int) -> None:
    sample = draw_review_sample(ids, seed)
    assert sample == draw_review_sample(sorted(ids, reverse=True), seed)
    assert len(set(sample)) == len(sample)
    assert set(sample) <= set(ids)
    assert (len(sample) >= 1) == bool(ids)


def test_select_for_review_takes_due_high_risk_and_samples_the_rest() -> None:
    def case(case_id: str, **changes: object) -> CaseFacts:
        base: dict[str, object] = {
            "id": case_id,
            "ref": case_id.upper(),
            "status": CaseStatus.ACCEPTED,
            "accepted_on": date(2026, 10, 1),
        }
        base.update(changes)
        return CaseFacts(**base)  # type: ignore[arg-type]

    cases = [
        case("h-due", risk_level=RiskLevel.HIGH, last_manager_review_on=date(2026, 11, 9)),
        case("h-recent", risk_level=RiskLevel.HIGH, last_manager_review_on=date(2026, 11, 20)),
        case("h-closed", risk_level=RiskLevel.HIGH, status=CaseStatus.CLOSED),
        *[case(f"s-{n:02d}", risk_level=RiskLevel.STANDARD) for n in range(15)],
        case("m-1", risk_level=RiskLevel.MEDIUM),
        case("referred", status=CaseStatus.REFERRED, accepted_on=None),
    ]
    selection = select_for_review(cases, TODAY, seed=99)
    assert selection.high_risk_due == ("h-due",)
    assert len(selection.sampled) == 2  # 16 other open cases, 10% rounded up
    assert all(s.startswith(("s-", "m-")) for s in selection.sampled)
    assert select_for_review(list(reversed(cases)), TODAY, seed=99) == selection


# --- ASB Case Review -----------------------------------------------------------------------------


def complaint(
    cid: str,
    reported: date,
    occurred: date | datetime | None = None,
    text: str | None = None,
    duplicate_of: str | None = None,
) -> Complaint:
    return Complaint(cid, reported, occurred or reported, text or f"incident {cid}", duplicate_of)


def test_three_separate_complaints_in_six_months_meet_the_threshold() -> None:
    complaints = [
        complaint("a", date(2026, 6, 1)),
        complaint("b", date(2026, 8, 1)),
        complaint("c", date(2026, 11, 20)),
    ]
    status = case_review_status(complaints, TODAY)
    assert status.count == 3
    assert status.threshold_met and status.tell_victim


def test_two_complaints_tell_the_victim_only() -> None:
    status = case_review_status(
        [complaint("a", date(2026, 9, 1)), complaint("b", date(2026, 11, 1))], TODAY
    )
    assert (status.count, status.threshold_met, status.tell_victim) == (2, False, True)
    one = case_review_status([complaint("a", date(2026, 9, 1))], TODAY)
    assert (one.threshold_met, one.tell_victim) == (False, False)


def test_old_complaints_fall_out_of_the_window() -> None:
    complaints = [
        complaint("old", date(2026, 5, 23)),  # exactly six months ago: outside
        complaint("b", date(2026, 8, 1)),
        complaint("c", date(2026, 11, 20)),
    ]
    assert qualifying_complaints(complaints, TODAY) == ("b", "c")


def test_one_incident_reported_twice_counts_once() -> None:
    when = datetime(2026, 10, 3, 22, 15)
    complaints = [
        complaint("a", date(2026, 10, 4), when, "Loud music and shouting!"),
        complaint("b", date(2026, 10, 6), when, "loud music  and shouting"),  # same incident
        complaint("c", date(2026, 10, 7), date(2026, 10, 5), "Bins set alight", duplicate_of="x"),
        complaint("d", date(2026, 10, 8), datetime(2026, 10, 3, 23, 0), "Loud music and shouting"),
    ]
    assert qualifying_complaints(complaints, TODAY) == ("a", "d")
    assert not case_review_status(complaints, TODAY).threshold_met


def test_case_review_rule_is_configurable() -> None:
    complaints = [complaint(str(n), date(2026, 11, n)) for n in range(1, 5)]
    rule = CaseReviewRule(threshold=5, tell_victim_at=4, months=1)
    status = case_review_status(complaints, TODAY, rule)
    assert (status.threshold_met, status.tell_victim) == (False, True)
