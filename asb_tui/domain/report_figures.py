"""The management and partnership report: every figure's definition, once (docs/reports.md).

The input is plain row data per table, as synced: for each table name a list of dicts of the
row's fields, dates as "YYYY-MM-DD" text (the shape the laptop's rows serialise to and the
service's `row_state.fields` holds). The laptop (`asb-tui report`, store/queries/report_rows.py)
and the service (`asb-sync-server report`, sync/server/report.py) both build that input and call
`compute_report`, so the two never count differently.

The result is a plain JSON-ready dict; `report_tables` flattens it into the rows of the CSV files
and of the PDF's tables. Counts are whole numbers, so the reports of several teams add up to the
report over all of them (`merge_counts` is how a test checks that).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from statistics import median
from typing import Any

from asb_tui.domain.contact import next_victim_update_due, parse_contact_frequency
from asb_tui.domain.dates import parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import ReferralKind, Region
from asb_tui.domain.working_days import working_days_between

__all__ = [
    "REPORT_TABLES",
    "SECTION_TITLES",
    "ReportPeriod",
    "compute_report",
    "default_period",
    "report_tables",
]

#: The tables (and the fields of each) the report reads; nothing else is needed.
REPORT_TABLES: Mapping[str, tuple[str, ...]] = {
    "asb_case": (
        "id", "ref", "category", "status", "region", "referred_on", "accepted_on", "closed_on",
        "closure_reason", "reopen_count", "risk_level", "repeat_victim", "officer", "team",
    ),
    "address": ("case_id", "kind", "area"),
    "visit": ("case_id", "kind", "status", "done_on"),
    "contact_agreement": ("case_id", "frequency", "agreed_on"),
    "victim_update": ("case_id", "updated_on"),
    "referral": ("case_id", "kind", "referred_on"),
    "legal_remedy": ("case_id", "kind", "status", "started_on", "served_at"),
    "case_review": ("id", "case_id", "applied_on", "decided_on", "threshold_met", "meeting_on"),
    "case_review_recommendation": ("case_id", "review_id"),
}  # fmt: skip

#: The report's sections, in order, with the heading each has in the PDF and the TUI.
SECTION_TITLES: Mapping[str, str] = {
    "caseload": "Caseload",
    "first_home_visit": "First home visit",
    "victim_updates": "Victim updates",
    "outcomes": "Outcomes",
    "victims": "Victims and referrals",
    "legal_powers": "Legal powers",
    "case_review": "ASB Case Review",
}

HIGH_RISK_TARGET_DAYS = 3
STANDARD_TARGET_DAYS = 10
#: The first home visit's distribution, in working days from acceptance (upper bounds).
VISIT_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-3", 3), ("4-10", 10), ("11-20", 20), ("over 20", None),
)  # fmt: skip
#: Time open, in calendar days from referral to closure (upper bounds).
OPEN_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30), ("31-90", 90), ("91-180", 180), ("181-365", 365), ("over 365", None),
)  # fmt: skip
NO_AREA = "(no area)"
NOT_ASSESSED = "(not assessed)"
NO_OFFICER = "(no officer)"
# The referral kinds counted, as the store writes them (a StrEnum is its own text).
VSO = ReferralKind.VSO.value
VVC = ReferralKind.VVC.value


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """The days the report counts, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DomainError(
                f"the report's period ends ({self.end:%d/%m/%Y}) before it starts "
                f"({self.start:%d/%m/%Y})"
            )

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def months(self) -> list[tuple[int, int]]:
        months = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def default_period(today: date) -> ReportPeriod:
    """The twelve calendar months ending with `today`'s month, up to `today`."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return ReportPeriod(date(year, month, 1), today)


def period_from_text(start: str | None, end: str | None, today: date) -> ReportPeriod:
    """The period `--from`/`--to` name (DD/MM/YYYY), defaulting to the twelve months up to the
    end (or today): what `asb-tui report` and `asb-sync-server report` both read. A date that
    does not read is a DomainError naming its option."""

    def read(text: str | None, option: str) -> date | None:
        if not text:
            return None
        try:
            return parse_uk_date(text, today)
        except DomainError as exc:
            raise DomainError(f"{option}: {exc}") from None

    last = read(end, "--to") or today
    first = read(start, "--from") or default_period(last).start
    return ReportPeriod(first, last)


@lru_cache(maxsize=65536)
def _iso_day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _day(value: Any) -> date | None:
    """A synced date ("YYYY-MM-DD"), a date-time's date, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return _iso_day(str(value))


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


@lru_cache(maxsize=4096)
def _bucket(value: int, buckets: tuple[tuple[str, int | None], ...]) -> str:
    for name, upper in buckets:
        if upper is None or value <= upper:
            return name
    raise AssertionError("the last bucket has no upper bound")


def _counts(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def _median(values: Sequence[int]) -> float | None:
    return float(median(values)) if values else None


@lru_cache(maxsize=64)
def _region(value: Any) -> Region:
    try:
        return Region(str(value))
    except ValueError:
        return Region.ENGLAND_AND_WALES


@dataclass(slots=True)
class _Case:
    id: str
    ref: str
    category: str
    status: str
    region: Region
    referred_on: date | None
    accepted_on: date | None
    closed_on: date | None
    closure_reason: str
    reopen_count: int
    risk_level: str
    repeat_victim: bool
    officer: str
    team: str


def _case(fields: Mapping[str, Any]) -> _Case:
    return _Case(
        id=str(fields["id"]),
        ref=str(fields.get("ref") or ""),
        category=str(fields.get("category") or ""),
        status=str(fields.get("status") or ""),
        region=_region(fields.get("region")),
        referred_on=_day(fields.get("referred_on")),
        accepted_on=_day(fields.get("accepted_on")),
        closed_on=_day(fields.get("closed_on")),
        closure_reason=str(fields.get("closure_reason") or ""),
        reopen_count=int(fields.get("reopen_count") or 0),
        risk_level=str(fields.get("risk_level") or ""),
        repeat_victim=bool(fields.get("repeat_victim")),
        officer=str(fields.get("officer") or ""),
        team=str(fields.get("team") or ""),
    )


def _in_period(case: _Case, period: ReportPeriod) -> bool:
    """Live at some time in the period: referred by its end, not closed before its start."""
    if case.referred_on is None or case.referred_on > period.end:
        return False
    return case.closed_on is None or case.closed_on >= period.start


def _open_on(case: _Case, day: date) -> bool:
    """Accepted on or before `day` and not closed by then."""
    if case.accepted_on is None or case.accepted_on > day:
        return False
    return case.closed_on is None or case.closed_on > day


def compute_report(
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    period: ReportPeriod,
    *,
    teams: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The report over the cases in `rows` (only those of `teams`, when given)."""
    wanted = None if teams is None else frozenset(teams)
    held: dict[str, Mapping[str, Any]] = {}
    for fields in rows.get("asb_case", ()):
        if wanted is None or (fields.get("team") or "") in wanted:
            held[str(fields["id"])] = fields
    # Only the cases live in the period are made into cases: every figure of a case (new,
    # accepted, closed, open at a month's end, its first home visit) is of a live case.
    start, end = period.start.isoformat(), period.end.isoformat()
    cases: dict[str, _Case] = {
        case_id: _case(fields) for case_id, fields in held.items() if _live_row(fields, start, end)
    }

    def of_cases(table: str) -> Iterable[Mapping[str, Any]]:
        if wanted is None:  # every row given is of a case given (the callers read them so)
            return rows.get(table, ())
        return [r for r in rows.get(table, ()) if r.get("case_id") in held]

    def region_of(case_id: str) -> Region:
        case = held.get(case_id)
        return _region(case.get("region") if case is not None else None)

    live = list(cases.values())
    live_ids = set(cases)
    return {
        "period": {"from": start, "to": end},
        "teams": sorted(wanted)
        if wanted is not None
        else sorted({str(f.get("team") or "") for f in held.values()}),
        "cases_held": len(held),
        "cases_in_period": len(live),
        "caseload": _caseload(cases, live, live_ids, of_cases("address"), period),
        "first_home_visit": _first_home_visit(cases, of_cases("visit"), period),
        "victim_updates": _victim_updates(
            region_of, of_cases("contact_agreement"), of_cases("victim_update"), period
        ),
        "outcomes": _outcomes(cases, live, period),
        "victims": _victims(live, of_cases("referral"), period),
        "legal_powers": _legal_powers(of_cases("legal_remedy"), period),
        "case_review": _case_review(
            of_cases("case_review"), of_cases("case_review_recommendation"), period
        ),
    }


def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _live_row(fields: Mapping[str, Any], start: str, end: str) -> bool:
    """`_in_period` on the synced fields, without making the case (ISO dates sort as text)."""
    referred = fields.get("referred_on")
    if not referred or _iso(referred)[:10] > end:
        return False
    closed = fields.get("closed_on")
    return not closed or _iso(closed)[:10] >= start


def _caseload(
    cases: Mapping[str, _Case],
    live: Sequence[_Case],
    live_ids: set[str],
    addresses: Iterable[Mapping[str, Any]],
    period: ReportPeriod,
) -> dict[str, Any]:
    months = period.months()
    ends = [min(_month_end(y, m), period.end) for y, m in months]
    new: Counter[tuple[int, int]] = Counter()
    closed: Counter[tuple[int, int]] = Counter()
    accepted = 0
    start, end = period.start, period.end
    # Open at a month's end: +1 from the first month end on or after acceptance, -1 from the
    # first on or after closure (a case closed on a month's last day is not open at its end).
    change = [0] * (len(ends) + 1)
    for c in cases.values():
        referred, closed_on, accepted_on = c.referred_on, c.closed_on, c.accepted_on
        if referred is not None and start <= referred <= end:
            new[referred.year, referred.month] += 1
        if closed_on is not None and start <= closed_on <= end:
            closed[closed_on.year, closed_on.month] += 1
        if accepted_on is None:
            continue
        if start <= accepted_on <= end:
            accepted += 1
        opened = bisect_left(ends, accepted_on)
        shut = len(ends) if closed_on is None else bisect_left(ends, closed_on)
        if opened < shut:
            change[opened] += 1
            change[shut] -= 1
    by_month = []
    running = 0
    for index, (year, month) in enumerate(months):
        running += change[index]
        by_month.append(
            {
                "month": f"{year:04d}-{month:02d}",
                "new": new[year, month],
                "closed": closed[year, month],
                "open_at_end": running,
            }
        )
    # A case's area: its first place of behaviour's area, else its first address's with one.
    location_area: dict[str, str] = {}
    any_area: dict[str, str] = {}
    for address in addresses:
        area = str(address.get("area") or "")
        case_id = str(address["case_id"])
        if not area or case_id not in live_ids:
            continue
        if address.get("kind") == "location":
            location_area.setdefault(case_id, area)
        any_area.setdefault(case_id, area)
    return {
        "new": sum(new.values()),
        "accepted": accepted,
        "closed": sum(closed.values()),
        "open_at_end": running,  # the last month ends on the period's last day
        "by_month": by_month,
        "by_category": _counts(Counter(c.category for c in live)),
        "by_risk_level": _counts(Counter(c.risk_level or NOT_ASSESSED for c in live)),
        "by_area": _counts(
            Counter(location_area.get(c.id) or any_area.get(c.id) or NO_AREA for c in live)
        ),
        "by_officer": _counts(Counter(c.officer or NO_OFFICER for c in live)),
    }


def _target(case: _Case) -> int:
    return HIGH_RISK_TARGET_DAYS if case.risk_level == "high" else STANDARD_TARGET_DAYS


def _first_home_visit(
    cases: Mapping[str, _Case], visits: Iterable[Mapping[str, Any]], period: ReportPeriod
) -> dict[str, Any]:
    accepted = {c.id: c for c in cases.values() if period.holds(c.accepted_on)}
    first: dict[str, date] = {}
    for visit in visits:
        case = accepted.get(str(visit["case_id"]))
        if case is None or visit.get("kind") != "home" or visit.get("status") != "complete":
            continue
        done = _day(visit.get("done_on"))
        assert case.accepted_on is not None
        if done is None or done < case.accepted_on:
            continue
        if case.id not in first or done < first[case.id]:
            first[case.id] = done
    days_taken: list[int] = []
    within = 0
    distribution: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    not_visited = 0
    overdue_not_visited = 0
    for case in sorted(accepted.values(), key=lambda c: c.ref):
        assert case.accepted_on is not None
        target = _target(case)
        done = first.get(case.id)
        if done is None:
            not_visited += 1
            waited = working_days_between(case.accepted_on, period.end, case.region)
            if waited > target:
                overdue_not_visited += 1
                misses.append(_miss(case, None, waited, target))
            continue
        days = working_days_between(case.accepted_on, done, case.region)
        insort(days_taken, days)
        distribution[_bucket(days, VISIT_BUCKETS)] += 1
        if days <= target:
            within += 1
        else:
            misses.append(_miss(case, done, days, target))
    visited = len(days_taken)
    return {
        "accepted": len(accepted),
        "visited": visited,
        "within_target": within,
        "share_within_target": round(within / visited, 4) if visited else None,
        "not_visited": not_visited,
        "overdue_not_visited": overdue_not_visited,
        "median_working_days": _median(days_taken),
        "distribution": {name: distribution.get(name, 0) for name, _ in VISIT_BUCKETS},
        "misses": misses,
    }


def _miss(case: _Case, done: date | None, days: int, target: int) -> dict[str, Any]:
    assert case.accepted_on is not None
    return {
        "ref": case.ref,
        "risk_level": case.risk_level or NOT_ASSESSED,
        "accepted_on": case.accepted_on.isoformat(),
        "visited_on": done.isoformat() if done else None,
        "working_days": days,
        "target": target,
    }


def _victim_updates(
    region_of: Callable[[str], Region],
    agreements: Iterable[Mapping[str, Any]],
    updates: Iterable[Mapping[str, Any]],
    period: ReportPeriod,
) -> dict[str, Any]:
    # Dates stay ISO text here ("YYYY-MM-DD" sorts as the days do): only a due day is computed.
    agreed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in agreements:
        on = row.get("agreed_on")
        if on:
            agreed[row["case_id"]].append((_iso(on)[:10], str(row.get("frequency") or "")))
    made: dict[str, list[str]] = defaultdict(list)
    for row in updates:
        on = row.get("updated_on")
        if on:
            made[row["case_id"]].append(on if type(on) is str and len(on) == 10 else _iso(on)[:10])
    counted = on_time = late = unreadable = without_agreement = 0
    start, end = period.start.isoformat(), period.end.isoformat()
    no_terms: list[tuple[str, str]] = []
    for case_id, days in made.items():
        days.sort()
        if days[-1] < start or days[0] > end:
            continue  # no update of this case in the period
        terms = sorted(agreed.get(case_id, no_terms))
        region = region_of(case_id)
        previous = ""
        term = -1  # the index of the agreement in force
        last = len(terms) - 1
        for day in days:
            while term < last and terms[term + 1][0] <= day:
                term += 1
            if start <= day <= end:
                if term < 0:
                    without_agreement += 1
                else:
                    agreed_on, text = terms[term]
                    try:
                        due = _update_due(text, max(agreed_on, previous), region)
                    except DomainError:
                        unreadable += 1
                    else:
                        counted += 1
                        if day <= due:
                            on_time += 1
                        else:
                            late += 1
            previous = day
    return {
        "updates_made": counted + unreadable + without_agreement,
        "counted": counted,
        "on_time": on_time,
        "late": late,
        "share_on_time": round(on_time / counted, 4) if counted else None,
        "without_agreement": without_agreement,
        "frequency_unreadable": unreadable,
    }


@lru_cache(maxsize=65536)
def _update_due(frequency: str, since: str, region: Region) -> str:
    """The day (ISO) the update after one on `since` is due, at the agreed frequency."""
    due = next_victim_update_due(parse_contact_frequency(frequency), _iso_day(since), region)
    return due.isoformat()


def _outcomes(
    cases: Mapping[str, _Case], live: Sequence[_Case], period: ReportPeriod
) -> dict[str, Any]:
    closed = [c for c in cases.values() if period.holds(c.closed_on)]
    durations = sorted(
        (c.closed_on - c.referred_on).days
        for c in closed
        if c.closed_on is not None and c.referred_on is not None
    )
    distribution = Counter(_bucket(d, OPEN_BUCKETS) for d in durations)
    return {
        "closed": len(closed),
        "by_closure_reason": _counts(Counter(c.closure_reason or "(none given)" for c in closed)),
        "reopened_cases": sum(1 for c in live if c.reopen_count > 0),
        "reopenings": sum(c.reopen_count for c in live),
        "median_days_open": _median(durations),
        "days_open": {name: distribution.get(name, 0) for name, _ in OPEN_BUCKETS},
    }


def _victims(
    live: Sequence[_Case], referrals: Iterable[Mapping[str, Any]], period: ReportPeriod
) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    cases_referred: dict[str, set[str]] = defaultdict(set)
    for row in referrals:
        if period.holds(_day(row.get("referred_on"))):
            kind = str(row.get("kind") or "")
            kinds[kind] += 1
            cases_referred[kind].add(str(row["case_id"]))
    return {
        "repeat_victim_cases": sum(1 for c in live if c.repeat_victim),
        "high_risk_cases": sum(1 for c in live if c.risk_level == "high"),
        "vso_referrals": kinds.get(VSO, 0),
        "vvc_referrals": kinds.get(VVC, 0),
        "cases_referred_to_vso": len(cases_referred.get(VSO, ())),
        "cases_referred_to_vvc": len(cases_referred.get(VVC, ())),
    }


def _legal_powers(remedies: Iterable[Mapping[str, Any]], period: ReportPeriod) -> dict[str, Any]:
    by_kind: Counter[str] = Counter()
    by_kind_status: dict[str, Counter[str]] = defaultdict(Counter)
    for row in remedies:
        started = _day(row.get("served_at")) or _day(row.get("started_on"))
        if not period.holds(started):
            continue
        kind = str(row.get("kind") or "")
        by_kind[kind] += 1
        by_kind_status[kind][str(row.get("status") or "")] += 1
    return {
        "used": sum(by_kind.values()),
        "by_kind": _counts(by_kind),
        "by_kind_and_status": {k: _counts(v) for k, v in sorted(by_kind_status.items())},
    }


def _case_review(
    reviews: Iterable[Mapping[str, Any]],
    recommendations: Iterable[Mapping[str, Any]],
    period: ReportPeriod,
) -> dict[str, Any]:
    applied = [r for r in reviews if period.holds(_day(r.get("applied_on")))]
    ids = {str(r["id"]) for r in applied}
    recommended: Counter[str] = Counter(
        str(r["review_id"]) for r in recommendations if str(r.get("review_id")) in ids
    )
    return {
        "applications": len(applied),
        "decided": sum(1 for r in applied if _day(r.get("decided_on")) is not None),
        "threshold_met": sum(1 for r in applied if r.get("threshold_met") is True),
        "threshold_not_met": sum(1 for r in applied if r.get("threshold_met") is False),
        "reviews_held": sum(1 for r in applied if _day(r.get("meeting_on")) is not None),
        "reviews_with_recommendations": len(recommended),
        "recommendations": sum(recommended.values()),
    }


# --- flat tables, for the CSV files and the PDF -------------------------------------------------


def report_tables(report: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """The report as tables: name -> rows, the first row the header. One CSV file per table."""
    caseload = report["caseload"]
    visit = report["first_home_visit"]
    tables: dict[str, list[list[Any]]] = {
        "summary": [["section", "figure", "value"]],
        "caseload_by_month": [["month", "new", "closed", "open_at_end"]]
        + [[m["month"], m["new"], m["closed"], m["open_at_end"]] for m in caseload["by_month"]],
        "caseload_breakdown": [["by", "value", "cases"]],
        "first_home_visit_misses": [
            ["ref", "risk_level", "accepted_on", "visited_on", "working_days", "target"]
        ]
        + [
            [
                m["ref"],
                m["risk_level"],
                m["accepted_on"],
                m["visited_on"] or "",
                m["working_days"],
                m["target"],
            ]
            for m in visit["misses"]
        ],
        "legal_powers": [["kind", "status", "count"]],
    }
    summary = tables["summary"]
    for section in SECTION_TITLES:
        for name, value in report[section].items():
            if isinstance(value, int | float | None) and not isinstance(value, bool):
                summary.append([section, name, "" if value is None else value])
            elif isinstance(value, dict) and all(isinstance(v, int) for v in value.values()):
                if section == "caseload":
                    continue
                summary.extend([section, f"{name}: {k}", v] for k, v in value.items())
    for by in ("by_category", "by_risk_level", "by_area", "by_officer"):
        tables["caseload_breakdown"].extend(
            [by.removeprefix("by_"), k, v] for k, v in caseload[by].items()
        )
    for kind, statuses in report["legal_powers"]["by_kind_and_status"].items():
        tables["legal_powers"].extend([kind, status, n] for status, n in statuses.items())
    return tables
