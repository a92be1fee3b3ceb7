"""The report's figures on hand-made rows (the synced shape): working days across a bank holiday
weekend in each region, the period's edges, and the figures a council publishes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from asb_tui.domain.errors import DomainError
from asb_tui.domain.report_figures import ReportPeriod, compute_report, report_tables

PERIOD = ReportPeriod(date(2026, 1, 1), date(2026, 11, 30))


def _case(ref: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"id-{ref}", "ref": ref, "category": "personal", "status": "accepted",
        "region": "england-and-wales", "referred_on": "2026-05-20", "accepted_on": "2026-05-22",
        "closed_on": None, "closure_reason": None, "reopen_count": 0, "risk_level": "high",
        "repeat_victim": False, "officer": "Ann", "team": "north",
    }  # fmt: skip
    base.update(fields)
    return base


def _visit(case_ref: str, done_on: str, status: str = "complete") -> dict[str, Any]:
    return {"case_id": f"id-{case_ref}", "kind": "home", "status": status, "done_on": done_on}


def test_a_case_accepted_on_the_friday_before_a_bank_holiday_weekend() -> None:
    # Friday 28/08/2026: England and Wales rest on Monday 31/08, Scotland on Monday 03/08 (so
    # works the 31st). Visited Thursday 03/09: 3 working days in England (Tue, Wed, Thu), within
    # the high-risk target of 3; 4 in Scotland (Mon to Thu), a miss.
    rows = {
        "asb_case": [
            _case("E1", accepted_on="2026-08-28"),
            _case("S1", accepted_on="2026-08-28", region="scotland"),
            # Friday 22/05/2026, before the spring bank holiday everywhere: Tue 26 is day 1.
            _case("E2", accepted_on="2026-05-22", risk_level="standard"),
        ],
        "visit": [
            _visit("E1", "2026-09-03"),
            _visit("S1", "2026-09-03"),
            _visit("E2", "2026-05-26"),
            _visit("E2", "2026-05-25", status="draft"),  # a draft is no visit
        ],
    }
    visit = compute_report(rows, PERIOD)["first_home_visit"]
    assert visit["accepted"] == 3 and visit["visited"] == 3
    assert visit["within_target"] == 2
    assert visit["misses"] == [
        {"ref": "S1", "risk_level": "high", "accepted_on": "2026-08-28",
         "visited_on": "2026-09-03", "working_days": 4, "target": 3},
    ]  # fmt: skip
    assert visit["distribution"] == {"0-3": 2, "4-10": 1, "11-20": 0, "over 20": 0}
    assert visit["median_working_days"] == 3.0


def test_an_unvisited_case_past_its_target_at_the_periods_end_is_a_miss() -> None:
    rows = {"asb_case": [_case("U1", accepted_on="2026-11-20", risk_level=None)]}
    # 10 working days after Friday 20/11 is Friday 04/12: not yet overdue on 30/11.
    assert compute_report(rows, PERIOD)["first_home_visit"]["overdue_not_visited"] == 0
    later = ReportPeriod(date(2026, 1, 1), date(2026, 12, 7))
    visit = compute_report(rows, later)["first_home_visit"]
    assert visit["overdue_not_visited"] == 1
    assert visit["misses"][0]["working_days"] == 11
    assert visit["misses"][0]["risk_level"] == "(not assessed)"


def test_caseload_by_month_and_the_periods_edges() -> None:
    rows = {
        "asb_case": [
            _case("A", referred_on="2025-12-31", accepted_on="2026-01-02", closed_on="2026-02-28",
                  status="closed", closure_reason="asb-ceased"),
            _case("B", referred_on="2026-02-01", accepted_on="2026-02-02", team="south"),
            _case("C", referred_on="2025-01-01", accepted_on="2025-01-02", closed_on="2025-12-31",
                  status="closed", closure_reason="asb-ceased"),
        ],
        "address": [{"case_id": "id-B", "kind": "location", "area": "Harehills"}],
    }  # fmt: skip
    period = ReportPeriod(date(2026, 1, 1), date(2026, 3, 31))
    report = compute_report(rows, period)
    caseload = report["caseload"]
    assert report["cases_in_period"] == 2  # C closed before the period
    assert caseload["new"] == 1 and caseload["closed"] == 1 and caseload["open_at_end"] == 1
    assert caseload["by_month"] == [
        {"month": "2026-01", "new": 0, "closed": 0, "open_at_end": 1},
        {"month": "2026-02", "new": 1, "closed": 1, "open_at_end": 1},  # A closed on the 28th
        {"month": "2026-03", "new": 0, "closed": 0, "open_at_end": 1},
    ]
    assert caseload["by_area"] == {"(no area)": 1, "Harehills": 1}
    assert report["outcomes"]["median_days_open"] == 59.0
    south = compute_report(rows, period, teams=["south"])
    assert south["cases_in_period"] == 1 and south["teams"] == ["south"]


def test_case_review_and_legal_powers_figures() -> None:
    rows: dict[str, list[dict[str, Any]]] = {
        "asb_case": [_case("R")],
        "case_review": [
            {"id": "cr1", "case_id": "id-R", "applied_on": "2026-03-01",
             "decided_on": "2026-03-05", "threshold_met": True, "meeting_on": "2026-03-20"},
            {"id": "cr2", "case_id": "id-R", "applied_on": "2026-06-01",
             "decided_on": "2026-06-03", "threshold_met": False, "meeting_on": None},
            {"id": "cr3", "case_id": "id-R", "applied_on": "2025-06-01",
             "decided_on": None, "threshold_met": None, "meeting_on": None},
        ],
        "case_review_recommendation": [
            {"case_id": "id-R", "review_id": "cr1"}, {"case_id": "id-R", "review_id": "cr1"},
        ],
        "legal_remedy": [
            {"case_id": "id-R", "kind": "civil-injunction", "status": "granted",
             "started_on": None, "served_at": "2026-04-01T10:00:00+00:00"},
            {"case_id": "id-R", "kind": "acceptable-behaviour-contract", "status": "in-force",
             "started_on": "2026-02-01", "served_at": None},
            {"case_id": "id-R", "kind": "acceptable-behaviour-contract", "status": "proposed",
             "started_on": None, "served_at": None},
        ],
    }  # fmt: skip
    report = compute_report(rows, PERIOD)
    assert report["case_review"] == {
        "applications": 2, "decided": 2, "threshold_met": 1, "threshold_not_met": 1,
        "reviews_held": 1, "reviews_with_recommendations": 1, "recommendations": 2,
    }  # fmt: skip
    assert report["legal_powers"]["by_kind"] == {
        "acceptable-behaviour-contract": 1,
        "civil-injunction": 1,
    }
    tables = report_tables(report)
    assert ["civil-injunction", "granted", 1] in tables["legal_powers"]
    assert ["case_review", "recommendations", 2] in tables["summary"]


def test_victim_updates_on_time_against_the_agreed_frequency() -> None:
    rows: dict[str, list[dict[str, Any]]] = {
        "asb_case": [_case("V")],
        "contact_agreement": [
            {"case_id": "id-V", "frequency": "weekly", "agreed_on": "2026-06-01"}
        ],
        "victim_update": [
            {"case_id": "id-V", "updated_on": "2026-06-08"},  # due 08/06: on time
            {"case_id": "id-V", "updated_on": "2026-06-19"},  # due 15/06: late
            {"case_id": "id-V", "updated_on": "2026-06-26"},  # due 26/06: on time
            {"case_id": "id-V", "updated_on": "2026-05-30"},  # before any agreement
        ],
    }
    updates = compute_report(rows, PERIOD)["victim_updates"]
    assert updates["counted"] == 3 and updates["on_time"] == 2 and updates["late"] == 1
    assert updates["without_agreement"] == 1 and updates["updates_made"] == 4


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(DomainError, match="ends"):
        ReportPeriod(date(2026, 2, 1), date(2026, 1, 1))
