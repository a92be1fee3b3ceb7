"""`asb-tui report` through the real CLI on a demo store: its figures against counts made here,
independently, from the store's JSON export; the CSV files; user errors as one line."""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import laptop_testkit as _helpers
import pytest

run_cli = _helpers.run_cli
assert_no_traceback = _helpers.assert_no_traceback

TODAY = date.today()
START = TODAY - timedelta(days=200)
PERIOD_ARGS = ("--from", f"{START:%d/%m/%Y}", "--to", f"{TODAY:%d/%m/%Y}")
SECTIONS = ("Caseload", "First home visit", "Victim updates", "Outcomes",
            "Victims and referrals", "Legal powers", "ASB Case Review")  # fmt: skip
SUBDIVISION = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("report") / "data"
    result = run_cli("demo", "--cases", "24", "--seed", "7", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture(scope="module")
def cases(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("export") / "cases.json"
    result = run_cli("export", "json", "--out", str(out), data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, Any]] = json.loads(out.read_text("utf-8"))["cases"]
    return entries


@pytest.fixture(scope="module")
def report(demo_dir: Path) -> dict[str, Any]:
    result = run_cli("report", *PERIOD_ARGS, "--json", data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    figures: dict[str, Any] = json.loads(result.stdout)
    return figures


def _on(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _in(value: str | None) -> bool:
    day = _on(value)
    return day is not None and START <= day <= TODAY


def _live(case: dict[str, Any]) -> bool:
    referred, closed = _on(case["referred_on"]), _on(case["closed_on"])
    return referred is not None and referred <= TODAY and (closed is None or closed >= START)


def _working_days_after(start: date, end: date, region: str) -> int:
    """Counted day by day: weekdays after `start` up to `end` that are not bank holidays."""
    years = range(start.year, end.year + 1)
    shut = holidays.country_holidays("GB", subdiv=SUBDIVISION[region], years=years)
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in shut:
            days += 1
    return days


def test_caseload_and_victims_match_a_count_of_the_export(
    report: dict[str, Any], cases: list[dict[str, Any]]
) -> None:
    every = [entry["case"] for entry in cases]
    live = [c for c in every if _live(c)]
    assert report["cases_held"] == len(every)
    assert report["cases_in_period"] == len(live) > 0
    caseload = report["caseload"]
    assert caseload["new"] == sum(1 for c in every if _in(c["referred_on"]))
    assert caseload["closed"] == sum(1 for c in every if _in(c["closed_on"]))
    categories: dict[str, int] = {}
    for c in live:
        categories[c["category"]] = categories.get(c["category"], 0) + 1
    assert caseload["by_category"] == dict(sorted(categories.items()))
    assert sum(caseload["by_officer"].values()) == len(live)
    high = [c for c in live if c["risk_level"] == "high"]
    assert caseload["by_risk_level"].get("high", 0) == len(high)
    victims = report["victims"]
    assert victims["high_risk_cases"] == len(high)
    assert victims["repeat_victim_cases"] == sum(1 for c in live if c["repeat_victim"])
    referrals = [r for entry in cases for r in entry["referral"] if _in(r["referred_on"])]
    assert victims["vso_referrals"] == sum(
        1 for r in referrals if r["kind"] == "victim-support-officer"
    )
    assert victims["vvc_referrals"] == sum(
        1 for r in referrals if r["kind"] == "vulnerable-victims-conference"
    )
    assert victims["vso_referrals"] + victims["vvc_referrals"] > 0


def test_first_home_visits_match_a_day_by_day_count(
    report: dict[str, Any], cases: list[dict[str, Any]]
) -> None:
    within = visited = 0
    taken = []
    for entry in cases:
        case = entry["case"]
        accepted = _on(case["accepted_on"])
        if accepted is None or not _in(case["accepted_on"]):
            continue
        done = [
            d
            for v in entry["visit"]
            if v["kind"] == "home" and v["status"] == "complete"
            for d in [_on(v["done_on"])]
            if d is not None and d >= accepted
        ]
        if not done:
            continue
        days = _working_days_after(accepted, min(done), case["region"])
        visited += 1
        taken.append(days)
        within += days <= (3 if case["risk_level"] == "high" else 10)
    figures = report["first_home_visit"]
    assert figures["visited"] == visited > 0
    assert figures["within_target"] == within
    assert figures["median_working_days"] == statistics.median(taken)


def test_outcomes_powers_and_case_review_match_a_count_of_the_export(
    report: dict[str, Any], cases: list[dict[str, Any]]
) -> None:
    closed = [e["case"] for e in cases if _in(e["case"]["closed_on"])]
    reasons: dict[str, int] = {}
    for c in closed:
        reasons[c["closure_reason"]] = reasons.get(c["closure_reason"], 0) + 1
    assert report["outcomes"]["by_closure_reason"] == dict(sorted(reasons.items()))
    remedies = [
        r
        for e in cases
        for r in e["legal_remedy"]
        if _in(r["served_at"]) or (not r["served_at"] and _in(r["started_on"]))
    ]
    assert report["legal_powers"]["used"] == len(remedies)
    reviews = [r for e in cases for r in e["case_review"] if _in(r["applied_on"])]
    ids = {r["id"] for r in reviews}
    recommendations = [
        r for e in cases for r in e["case_review_recommendation"] if r["review_id"] in ids
    ]
    figures = report["case_review"]
    assert figures["applications"] == len(reviews)
    assert figures["threshold_met"] == sum(1 for r in reviews if r["threshold_met"] is True)
    assert figures["reviews_held"] == sum(1 for r in reviews if r["meeting_on"])
    assert figures["recommendations"] == len(recommendations)


def test_csv_files_open_with_one_header_row(
    demo_dir: Path, report: dict[str, Any], tmp_path: Path
) -> None:
    result = run_cli("report", *PERIOD_ARGS, "--csv", str(tmp_path), data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    files = sorted(tmp_path.glob("*.csv"))
    assert [f.stem for f in files] == [
        "caseload_breakdown", "caseload_by_month", "first_home_visit_misses", "legal_powers",
        "summary",
    ]  # fmt: skip
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        assert header and all(h.isidentifier() for h in header), (path, header)
        assert header not in rows[1:], path  # one header row
        assert all(len(row) == len(header) for row in rows), path
    with (tmp_path / "summary.csv").open(encoding="utf-8", newline="") as handle:
        summary = {(r["section"], r["figure"]): r["value"] for r in csv.DictReader(handle)}
    assert summary[("caseload", "new")] == str(report["caseload"]["new"])
    assert summary[("case_review", "applications")] == str(report["case_review"]["applications"])
    with (tmp_path / "caseload_by_month.csv").open(encoding="utf-8", newline="") as handle:
        months = list(csv.DictReader(handle))
    assert sum(int(m["new"]) for m in months) == report["caseload"]["new"]


def test_text_report_names_every_section(demo_dir: Path) -> None:
    result = run_cli("report", *PERIOD_ARGS, data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    for heading in SECTIONS:
        assert f"\n{heading}\n" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--from", "31/02/2026"), "--from"),
        (("--from", "02/03/2026", "--to", "01/03/2026"), "ends (01/03/2026) before it starts"),
        (("--csv", "/no/such/dir"), "does not exist"),
        (("--pdf", "/no/such/dir/report.pdf"), "existing directory"),
    ],
)
def test_bad_input_is_one_line(demo_dir: Path, args: tuple[str, ...], fragment: str) -> None:
    result = run_cli("report", *args, data_dir=demo_dir)
    assert result.returncode == 2, result.stderr
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_pdf_holds_every_sections_heading(
    demo_dir: Path, report: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    result = run_cli("report", *PERIOD_ARGS, "--pdf", str(out), data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = {line.strip() for line in text.splitlines()}
    for heading in SECTIONS:
        assert heading in lines, heading
    flat = " ".join(text.split())
    assert f"{START:%d/%m/%Y} to {TODAY:%d/%m/%Y}" in flat
    for officer in report["caseload"]["by_officer"]:  # names print as typed
        assert officer in flat, officer
