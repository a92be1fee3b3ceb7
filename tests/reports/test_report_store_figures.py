"""The whole management report over a real encrypted store (store/queries/report_rows.py and
domain/report_figures.py together) against every figure counted here a second way: from every
row of every table (`SELECT *`, none left out), one definition of docs/reports.md at a time, with
dates as dates and working days counted day by day under the `holidays` package's bank holidays.

Two stores: a demo store (planned and draft visits, reopened cases, late updates, unvisited cases
past their target) and a small one shaped as benchmarks/bench_report.py's 50,000 cases (areas,
ASB Case Reviews), so the report is checked on the shape it is timed on. Regions other than
England's and unreadable frequencies are tests/reports/test_report_figures.py's."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest

from asb_tui.domain.contact import next_victim_update_due, parse_contact_frequency
from asb_tui.domain.errors import DomainError
from asb_tui.domain.report_figures import ReportPeriod
from asb_tui.domain.types import Region
from asb_tui.store.core.store import Store, create_store, open_store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries.report_rows import management_report
from benchmarks.bench_report import ACTOR, PASSPHRASE, build_store

TODAY = date(2026, 6, 15)
DEMO_PERIOD = ReportPeriod(date(2025, 7, 1), TODAY)
BENCH_PERIOD = ReportPeriod(date(2025, 4, 1), date(2026, 3, 31))
SUBDIVISION = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
DATE_FIELDS = frozenset({
    "referred_on", "accepted_on", "closed_on", "done_on", "agreed_on", "updated_on",
    "started_on", "served_at", "applied_on", "decided_on", "meeting_on",
})  # fmt: skip
Row = dict[str, Any]


@pytest.fixture(params=["demo", "bench"])
def store_and_period(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Store, ReportPeriod]]:
    data_dir = tmp_path / "store"
    if request.param == "demo":
        store, _recovery = create_store(data_dir, PASSPHRASE, actor=ACTOR)
        fill_demo(store, cases=40, seed=11, today=TODAY, bulk=True, worked_cases=0)
        period = DEMO_PERIOD
    else:
        build_store(data_dir, 300, seed=5)
        store = open_store(data_dir, PASSPHRASE, actor=ACTOR)
        period = BENCH_PERIOD
    try:
        yield store, period
    finally:
        store.close()


def _every_row(store: Store, table: str) -> list[Row]:
    """Every row, in the order written, each date (and a date-time's date) read as a date."""
    with store.read() as session:
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(f"SELECT * FROM {table} ORDER BY rowid")
            names = [column[0] for column in cursor.description]
            found = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        finally:
            cursor.close()
    for row in found:
        for name in DATE_FIELDS.intersection(row):
            row[name] = date.fromisoformat(row[name][:10]) if row[name] else None
    return found


def _region(case: Row) -> str:
    return case["region"] if case["region"] in SUBDIVISION else "england-and-wales"


def _working_days_after(start: date, end: date, region: str) -> int:
    shut = holidays.country_holidays(
        "GB", subdiv=SUBDIVISION[region], years=range(start.year, end.year + 2)
    )
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in shut:
            days += 1
    return days


def _sorted_counts(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _buckets(values: list[int], uppers: dict[str, int | None]) -> dict[str, int]:
    """How many values fall in each bucket (named with its inclusive upper bound; None: no
    bound), a value counted in the first bucket it fits."""
    counts = dict.fromkeys(uppers, 0)
    for value in values:
        counts[next(n for n, upper in uppers.items() if upper is None or value <= upper)] += 1
    return counts


def _first_home_visits(rows: dict[str, list[Row]], period: ReportPeriod) -> dict[str, Any]:
    misses, taken = [], []
    within_target = not_visited = overdue = 0
    accepted_cases = [c for c in rows["asb_case"] if period.holds(c["accepted_on"])]
    for case in sorted(accepted_cases, key=lambda c: c["ref"]):
        accepted = case["accepted_on"]
        target = 3 if case["risk_level"] == "high" else 10
        done = [
            v["done_on"] for v in rows["visit"]
            if v["case_id"] == case["id"] and v["kind"] == "home" and v["status"] == "complete"
            and v["done_on"] is not None and v["done_on"] >= accepted
        ]  # fmt: skip
        visited_on = min(done) if done else None
        days = _working_days_after(accepted, visited_on or period.end, _region(case))
        if visited_on is None:
            not_visited += 1
            if days <= target:
                continue
            overdue += 1
        else:
            taken.append(days)
            if days <= target:
                within_target += 1
                continue
        misses.append({
            "ref": case["ref"], "risk_level": case["risk_level"] or "(not assessed)",
            "accepted_on": accepted.isoformat(),
            "visited_on": visited_on.isoformat() if visited_on else None,
            "working_days": days, "target": target,
        })  # fmt: skip
    return {
        "accepted": len(accepted_cases),
        "visited": len(taken),
        "within_target": within_target,
        "share_within_target": round(within_target / len(taken), 4) if taken else None,
        "not_visited": not_visited,
        "overdue_not_visited": overdue,
        "median_working_days": float(statistics.median(taken)) if taken else None,
        "distribution": _buckets(taken, {"0-3": 3, "4-10": 10, "11-20": 20, "over 20": None}),
        "misses": misses,
    }


def _victim_updates(rows: dict[str, list[Row]], period: ReportPeriod) -> dict[str, Any]:
    """Each update made in the period against the agreement in force and the update before."""
    region_of = {c["id"]: _region(c) for c in rows["asb_case"]}
    tally: Counter[str] = Counter()
    for case_id in {u["case_id"] for u in rows["victim_update"]}:
        made: list[date] = sorted(
            u["updated_on"] for u in rows["victim_update"] if u["case_id"] == case_id
        )
        for index, day in enumerate(made):
            if not period.holds(day):
                continue
            terms = sorted(
                (a["agreed_on"], a["frequency"]) for a in rows["contact_agreement"]
                if a["case_id"] == case_id and a["agreed_on"] is not None and a["agreed_on"] <= day
            )  # fmt: skip
            if not terms:
                tally["without_agreement"] += 1
                continue
            agreed_on, frequency = terms[-1]
            since = max(agreed_on, made[index - 1]) if index else agreed_on
            region = Region(region_of[case_id])
            try:
                due = next_victim_update_due(
                    parse_contact_frequency(frequency or ""), since, region
                )
            except DomainError:
                tally["frequency_unreadable"] += 1
                continue
            tally["counted"] += 1
            tally["on_time" if day <= due else "late"] += 1
    counted = tally["counted"]
    return {
        "updates_made": counted + tally["frequency_unreadable"] + tally["without_agreement"],
        "counted": counted,
        "on_time": tally["on_time"],
        "late": tally["late"],
        "share_on_time": round(tally["on_time"] / counted, 4) if counted else None,
        "without_agreement": tally["without_agreement"],
        "frequency_unreadable": tally["frequency_unreadable"],
    }


def _caseload(rows: dict[str, list[Row]], live: list[Row], period: ReportPeriod) -> dict[str, Any]:
    cases = rows["asb_case"]

    def open_on(case: Row, day: date) -> bool:
        accepted, closed = case["accepted_on"], case["closed_on"]
        return accepted is not None and accepted <= day and (closed is None or closed > day)

    def area(case: Row) -> str:
        mine = [a for a in rows["address"] if a["case_id"] == case["id"] and a["area"]]
        places = [a for a in mine if a["kind"] == "location"]
        return str((places or mine)[0]["area"]) if mine else "(no area)"

    months = []
    first = date(period.start.year, period.start.month, 1)
    while first <= period.end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        month = ReportPeriod(
            max(first, period.start), min(following - timedelta(days=1), period.end)
        )
        months.append({
            "month": f"{first:%Y-%m}",
            "new": sum(1 for c in cases if month.holds(c["referred_on"])),
            "closed": sum(1 for c in cases if month.holds(c["closed_on"])),
            "open_at_end": sum(1 for c in cases if open_on(c, month.end)),
        })  # fmt: skip
        first = following
    return {
        "new": sum(1 for c in cases if period.holds(c["referred_on"])),
        "accepted": sum(1 for c in cases if period.holds(c["accepted_on"])),
        "closed": sum(1 for c in cases if period.holds(c["closed_on"])),
        "open_at_end": sum(1 for c in cases if open_on(c, period.end)),
        "by_month": months,
        "by_category": _sorted_counts([c["category"] for c in live]),
        "by_risk_level": _sorted_counts([c["risk_level"] or "(not assessed)" for c in live]),
        "by_area": _sorted_counts([area(c) for c in live]),
        "by_officer": _sorted_counts([c["officer"] or "(no officer)" for c in live]),
    }


def _expected(store: Store, period: ReportPeriod) -> dict[str, Any]:
    rows = {t: _every_row(store, t) for t in (
        "asb_case", "address", "visit", "contact_agreement", "victim_update", "referral",
        "legal_remedy", "case_review", "case_review_recommendation",
    )}  # fmt: skip
    cases = rows["asb_case"]
    live = [
        c for c in cases
        if c["referred_on"] is not None and c["referred_on"] <= period.end
        and (c["closed_on"] is None or c["closed_on"] >= period.start)
    ]  # fmt: skip
    closed = [c for c in cases if period.holds(c["closed_on"])]
    open_days = [(c["closed_on"] - c["referred_on"]).days for c in closed]
    referrals = [r for r in rows["referral"] if period.holds(r["referred_on"])]
    remedies = [r for r in rows["legal_remedy"] if period.holds(r["served_at"] or r["started_on"])]
    by_kind_status: dict[str, list[str]] = defaultdict(list)
    for r in remedies:
        by_kind_status[r["kind"]].append(r["status"])
    reviews = [r for r in rows["case_review"] if period.holds(r["applied_on"])]
    reviewed = {r["id"] for r in reviews}
    recommended = [r for r in rows["case_review_recommendation"] if r["review_id"] in reviewed]
    vso, vvc = "victim-support-officer", "vulnerable-victims-conference"
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "teams": sorted({c["team"] or "" for c in cases}),
        "cases_held": len(cases),
        "cases_in_period": len(live),
        "caseload": _caseload(rows, live, period),
        "first_home_visit": _first_home_visits(rows, period),
        "victim_updates": _victim_updates(rows, period),
        "outcomes": {
            "closed": len(closed),
            "by_closure_reason": _sorted_counts(
                [c["closure_reason"] or "(none given)" for c in closed]
            ),
            "reopened_cases": sum(1 for c in live if c["reopen_count"]),
            "reopenings": sum(c["reopen_count"] or 0 for c in live),
            "median_days_open": float(statistics.median(open_days)) if open_days else None,
            "days_open": _buckets(
                open_days,
                {"0-30": 30, "31-90": 90, "91-180": 180, "181-365": 365, "over 365": None},
            ),
        },
        "victims": {
            "repeat_victim_cases": sum(1 for c in live if c["repeat_victim"]),
            "high_risk_cases": sum(1 for c in live if c["risk_level"] == "high"),
            "vso_referrals": sum(1 for r in referrals if r["kind"] == vso),
            "vvc_referrals": sum(1 for r in referrals if r["kind"] == vvc),
            "cases_referred_to_vso": len({r["case_id"] for r in referrals if r["kind"] == vso}),
            "cases_referred_to_vvc": len({r["case_id"] for r in referrals if r["kind"] == vvc}),
        },
        "legal_powers": {
            "used": len(remedies),
            "by_kind": _sorted_counts([r["kind"] for r in remedies]),
            "by_kind_and_status": {k: _sorted_counts(v) for k, v in sorted(by_kind_status.items())},
        },
        "case_review": {
            "applications": len(reviews),
            "decided": sum(1 for r in reviews if r["decided_on"] is not None),
            "threshold_met": sum(1 for r in reviews if r["threshold_met"] == 1),
            "threshold_not_met": sum(1 for r in reviews if r["threshold_met"] == 0),
            "reviews_held": sum(1 for r in reviews if r["meeting_on"] is not None),
            "reviews_with_recommendations": len({r["review_id"] for r in recommended}),
            "recommendations": len(recommended),
        },
    }


def test_every_figure_matches_a_count_of_every_row(
    store_and_period: tuple[Store, ReportPeriod],
) -> None:
    store, period = store_and_period
    expected = _expected(store, period)
    report = management_report(store, period)
    for section, figures in expected.items():
        assert report[section] == figures, section
    assert report == expected
    # The store holds something in every section, so no figure is checked only at zero.
    assert expected["first_home_visit"]["visited"] > 0 and expected["victim_updates"]["counted"] > 0
    assert expected["caseload"]["closed"] > 0 and expected["legal_powers"]["used"] > 0
    if period == BENCH_PERIOD:  # the demo's addresses carry no area
        assert len(expected["caseload"]["by_area"]) == 6


def test_one_teams_report_is_the_whole_report_of_a_one_team_store(
    store_and_period: tuple[Store, ReportPeriod],
) -> None:
    store, period = store_and_period
    whole = management_report(store, period)
    (team,) = whole["teams"]
    assert management_report(store, period, team=team) == whole
    nobody = management_report(store, period, team=team + "-not-a-team")
    assert nobody["cases_held"] == 0 and nobody["teams"] == [team + "-not-a-team"]
