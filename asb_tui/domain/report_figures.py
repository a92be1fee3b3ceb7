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

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter, itemgetter
from statistics import median
from typing import Any, NamedTuple

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
    "compute_report_from_tuples",
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
# Where the fields the figures look up by position sit in a row given as a tuple.
_TEAM = REPORT_TABLES["asb_case"].index("team")
_REGION = REPORT_TABLES["asb_case"].index("region")
_CASE_ID = {table: fields.index("case_id") for table, fields in REPORT_TABLES.items()
            if "case_id" in fields}  # fmt: skip

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


def _day_text(value: Any) -> str:
    """A synced date, or a date-time's date, as "YYYY-MM-DD" text; "" when there is none. The
    figures compare days as this text (ISO days sort as the days do) and make dates only for
    the arithmetic: working days to a visit, days open."""
    if type(value) is str:
        return value[:10]  # the text itself when it is a day already (no copy)
    if value is None:
        return ""
    return _iso(value)[:10]


def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def _bucket(value: int, buckets: tuple[tuple[str, int | None], ...]) -> str:
    for name, upper in buckets:
        if upper is None or value <= upper:
            return name
    raise AssertionError("the last bucket has no upper bound")


def _counts(counter: Counter[Any], blank: str | None = None) -> dict[str, int]:
    """The counts by name, sorted; with `blank`, what was counted under "" or None is under it."""
    if blank is not None:
        for none in ("", None):
            if none in counter:
                counter[blank] += counter.pop(none)
    return dict(sorted(counter.items()))


def _median(values: Sequence[int]) -> float | None:
    return float(median(values)) if values else None


@lru_cache(maxsize=64)
def _region(value: Any) -> Region:
    try:
        return Region(str(value))
    except ValueError:
        return Region.ENGLAND_AND_WALES


class _Case(NamedTuple):
    """A case live in the period, its days as "YYYY-MM-DD" text ("" when none)."""

    id: str
    ref: str
    category: str
    region: Any  # as synced; read by _region where the bank holidays matter
    referred_on: str
    accepted_on: str
    closed_on: str
    closure_reason: str
    reopen_count: int
    risk_level: str
    repeat_victim: bool
    officer: str


def _live_cases(held: Iterable[Sequence[Any]], start: str, end: str) -> list[_Case]:
    """The cases live in the period: referred by its end, not closed before its start. Every
    figure of a case (new, accepted, closed, open at a month's end, its first home visit) is
    of a live case, so only these are made into cases."""
    live = []
    for (  # REPORT_TABLES["asb_case"], in order
        case_id, ref, category, _status, region, referred, accepted, closed, reason, reopened,
        risk, repeat, officer, _team,
    ) in held:  # fmt: skip
        referred = _day_text(referred)
        if not referred or referred > end:
            continue
        closed = _day_text(closed)
        if closed and closed < start:
            continue
        live.append(
            _Case(
                case_id,  # as given: text in both stores, as the other tables' case_id
                str(ref or ""),
                str(category or ""),
                region,
                referred,
                _day_text(accepted),
                closed,
                str(reason or ""),
                int(reopened or 0),
                str(risk or ""),
                bool(repeat),
                str(officer or ""),
            )
        )
    return live


def compute_report(
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    period: ReportPeriod,
    *,
    teams: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The report over the cases in `rows` (only those of `teams`, when given): each row a dict
    of its synced fields (a field missing is None)."""
    return compute_report_from_tuples(
        {
            table: [tuple(map(row.get, fields)) for row in rows.get(table, ())]
            for table, fields in REPORT_TABLES.items()
        },
        period,
        teams=teams,
    )


def compute_report_from_tuples(
    rows: Mapping[str, Iterable[Sequence[Any]]],
    period: ReportPeriod,
    *,
    teams: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`compute_report` on rows given as tuples of REPORT_TABLES[table]'s fields, in that
    order: what the laptop's store query reads (no dict per row). Booleans may be SQLite's 1/0."""
    wanted = None if teams is None else frozenset(teams)
    held = [
        fields
        for fields in rows.get("asb_case", ())
        if wanted is None or (fields[_TEAM] or "") in wanted
    ]
    # Each held case's region, as synced: the victim updates' bank holidays, and which rows
    # are of a case held.
    region_of_held = {fields[0]: fields[_REGION] for fields in held}
    start, end = period.start.isoformat(), period.end.isoformat()
    live = _live_cases(held, start, end)

    def of_cases(table: str) -> Iterable[Sequence[Any]]:
        if wanted is None:  # every row given is of a case given (the callers read them so)
            return rows.get(table, ())
        return [r for r in rows.get(table, ()) if r[_CASE_ID[table]] in region_of_held]

    return {
        "period": {"from": start, "to": end},
        "teams": sorted(wanted)
        if wanted is not None
        else sorted({str(team or "") for team in set(map(itemgetter(_TEAM), held))}),
        "cases_held": len(held),
        "cases_in_period": len(live),
        "caseload": _caseload(live, of_cases("address"), period),
        "first_home_visit": _first_home_visit(live, of_cases("visit"), start, end),
        "victim_updates": _victim_updates(
            region_of_held, of_cases("contact_agreement"), of_cases("victim_update"), start, end
        ),
        "outcomes": _outcomes(live, start, end),
        "victims": _victims(live, of_cases("referral"), start, end),
        "legal_powers": _legal_powers(of_cases("legal_remedy"), start, end),
        "case_review": _case_review(
            of_cases("case_review"), of_cases("case_review_recommendation"), start, end
        ),
    }


def _caseload(
    live: Sequence[_Case], addresses: Iterable[Sequence[Any]], period: ReportPeriod
) -> dict[str, Any]:
    months = [f"{y:04d}-{m:02d}" for y, m in period.months()]
    start, end = period.start.isoformat(), period.end.isoformat()
    ends = [min(_month_end(y, m), period.end).isoformat() for y, m in period.months()]
    new: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    accepted = 0
    # Open at a month's end: +1 from the first month end on or after acceptance, -1 from the
    # first on or after closure (a case closed on a month's last day is not open at its end).
    change = [0] * (len(ends) + 1)
    for case in live:
        referred, accepted_on, closed_on = case.referred_on, case.accepted_on, case.closed_on
        if start <= referred <= end:
            new[referred[:7]] += 1
        if start <= closed_on <= end:
            closed[closed_on[:7]] += 1
        if not accepted_on:
            continue
        if start <= accepted_on <= end:
            accepted += 1
        opened = bisect_left(ends, accepted_on)
        shut = bisect_left(ends, closed_on) if closed_on else len(ends)
        if opened < shut:
            change[opened] += 1
            change[shut] -= 1
    by_month = []
    running = 0
    for index, month in enumerate(months):
        running += change[index]
        by_month.append(
            {"month": month, "new": new[month], "closed": closed[month], "open_at_end": running}
        )
    # A case's area: its first place of behaviour's area, else its first address's with one.
    live_ids = {case.id for case in live}
    location_area: dict[str, str] = {}
    any_area: dict[str, str] = {}
    for case_id, kind, area in addresses:
        if not area or case_id not in live_ids:
            continue
        area = str(area)
        if kind == "location":
            location_area.setdefault(case_id, area)
        any_area.setdefault(case_id, area)
    area_of = any_area | location_area
    return {
        "new": sum(new.values()),
        "accepted": accepted,
        "closed": sum(closed.values()),
        "open_at_end": running,  # the last month ends on the period's last day
        "by_month": by_month,
        "by_category": _counts(Counter(map(attrgetter("category"), live))),
        "by_risk_level": _counts(Counter(map(attrgetter("risk_level"), live)), NOT_ASSESSED),
        "by_area": _counts(Counter(map(area_of.get, map(attrgetter("id"), live))), NO_AREA),
        "by_officer": _counts(Counter(map(attrgetter("officer"), live)), NO_OFFICER),
    }


def _target(case: _Case) -> int:
    return HIGH_RISK_TARGET_DAYS if case.risk_level == "high" else STANDARD_TARGET_DAYS


def _first_home_visit(
    live: Sequence[_Case], visits: Iterable[Sequence[Any]], start: str, end: str
) -> dict[str, Any]:
    accepted = {c.id: c for c in live if start <= c.accepted_on <= end}
    first: dict[str, str] = {}
    for case_id, kind, status, done_on in visits:
        case = accepted.get(case_id)
        if case is None or kind != "home" or status != "complete":
            continue
        done = _day_text(done_on)
        if not done or done < case.accepted_on:
            continue
        if done < first.get(case_id, "9999"):
            first[case_id] = done
    # Many cases share an acceptance day and a visit day: each distinct count is made once.
    working_days = _WorkingDays()
    days_taken: list[int] = []
    within = 0
    distribution: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    not_visited = 0
    overdue_not_visited = 0
    for case in sorted(accepted.values(), key=attrgetter("ref")):
        target = _target(case)
        visited_on = first.get(case.id)
        if visited_on is None:
            not_visited += 1
            waited = working_days(case.accepted_on, end, case.region)
            if waited > target:
                overdue_not_visited += 1
                misses.append(_miss(case, None, waited, target))
            continue
        days = working_days(case.accepted_on, visited_on, case.region)
        days_taken.append(days)
        distribution[_bucket(days, VISIT_BUCKETS)] += 1
        if days <= target:
            within += 1
        else:
            misses.append(_miss(case, visited_on, days, target))
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


class _WorkingDays:
    """`working_days_between` on ISO days, each distinct (from, to, region) counted once. Kept
    for one report only, so a changed bank holiday table is read by the next."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str, Any], int] = {}

    def __call__(self, after: str, upto: str, region: Any) -> int:
        key = (after, upto, region)
        days = self._known.get(key)
        if days is None:
            days = working_days_between(
                date.fromisoformat(after), date.fromisoformat(upto), _region(region)
            )
            self._known[key] = days
        return days


def _miss(case: _Case, done: str | None, days: int, target: int) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "risk_level": case.risk_level or NOT_ASSESSED,
        "accepted_on": case.accepted_on,
        "visited_on": done,
        "working_days": days,
        "target": target,
    }


def _victim_updates(
    region_of: Mapping[str, Any],
    agreements: Iterable[Sequence[Any]],
    updates: Iterable[Sequence[Any]],
    start: str,
    end: str,
) -> dict[str, Any]:
    # Dates stay ISO text here: only a due day is computed.
    agreed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for case_id, frequency, agreed_on in agreements:
        on = _day_text(agreed_on)
        if on:
            agreed[case_id].append((on, str(frequency or "")))
    made: dict[str, list[str]] = defaultdict(list)
    for case_id, on in updates:
        if type(on) is not str or len(on) != 10:  # not a day as SQLite keeps it
            on = _day_text(on)
        if on:
            made[case_id].append(on)
    counted = on_time = late = unreadable = without_agreement = 0
    due_days: dict[tuple[str, str, Any], str | None] = {}  # one due day per distinct start
    no_terms: list[tuple[str, str]] = []
    for case_id, days in made.items():
        days.sort()
        if days[-1] < start or days[0] > end:
            continue  # no update of this case in the period
        terms = agreed.get(case_id, no_terms)
        if len(terms) > 1:
            terms.sort()  # this report's own list
        region = region_of.get(case_id)
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
                    key = (text, max(agreed_on, previous), region)
                    if key in due_days:
                        due = due_days[key]
                    else:
                        due = due_days[key] = _update_due(*key)
                    if due is None:
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


def _update_due(frequency: str, since: str, region: Any) -> str | None:
    """The day (ISO) the update after one on `since` is due, at the agreed frequency; None when
    it cannot be told (the frequency does not read)."""
    try:
        parsed = parse_contact_frequency(frequency)
        return next_victim_update_due(
            parsed, date.fromisoformat(since), _region(region)
        ).isoformat()
    except DomainError:
        return None


def _outcomes(live: Sequence[_Case], start: str, end: str) -> dict[str, Any]:
    closed = [c for c in live if start <= c.closed_on <= end]
    durations = sorted(
        (date.fromisoformat(c.closed_on) - date.fromisoformat(c.referred_on)).days for c in closed
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
    live: Sequence[_Case], referrals: Iterable[Sequence[Any]], start: str, end: str
) -> dict[str, Any]:
    kinds: Counter[str] = Counter()
    cases_referred: dict[str, set[str]] = defaultdict(set)
    for case_id, kind, referred_on in referrals:
        if start <= _day_text(referred_on) <= end:
            kind = str(kind or "")
            kinds[kind] += 1
            cases_referred[kind].add(str(case_id))
    return {
        "repeat_victim_cases": sum(1 for c in live if c.repeat_victim),
        "high_risk_cases": sum(1 for c in live if c.risk_level == "high"),
        "vso_referrals": kinds.get(VSO, 0),
        "vvc_referrals": kinds.get(VVC, 0),
        "cases_referred_to_vso": len(cases_referred.get(VSO, ())),
        "cases_referred_to_vvc": len(cases_referred.get(VVC, ())),
    }


def _legal_powers(remedies: Iterable[Sequence[Any]], start: str, end: str) -> dict[str, Any]:
    by_kind: Counter[str] = Counter()
    by_kind_status: dict[str, Counter[str]] = defaultdict(Counter)
    for _case_id, kind, status, started_on, served_at in remedies:
        started = _day_text(served_at) or _day_text(started_on)
        if not start <= started <= end:
            continue
        kind = str(kind or "")
        by_kind[kind] += 1
        by_kind_status[kind][str(status or "")] += 1
    return {
        "used": sum(by_kind.values()),
        "by_kind": _counts(by_kind),
        "by_kind_and_status": {k: _counts(v) for k, v in sorted(by_kind_status.items())},
    }


def _case_review(
    reviews: Iterable[Sequence[Any]],
    recommendations: Iterable[Sequence[Any]],
    start: str,
    end: str,
) -> dict[str, Any]:
    # (id, case_id, applied_on, decided_on, threshold_met, meeting_on); threshold_met is
    # True/False (or 1/0), None while undecided.
    applied = [r for r in reviews if start <= _day_text(r[2]) <= end]
    ids = {str(r[0]) for r in applied}
    recommended: Counter[str] = Counter(
        str(review_id) for _case_id, review_id in recommendations if str(review_id) in ids
    )
    return {
        "applications": len(applied),
        "decided": sum(1 for r in applied if _day_text(r[3])),
        "threshold_met": sum(1 for r in applied if r[4] == 1),  # True == 1
        "threshold_not_met": sum(1 for r in applied if r[4] == 0),  # None is neither
        "reviews_held": sum(1 for r in applied if _day_text(r[5])),
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
