"""The management report (docs/reports.md) over 50,000 cases on the laptop: the store query and
every figure, as `asb-tui report` and the Reports screen run them, under 2 s.

The store is bulk-inserted with raw statements (setup is not what is measured): per case a home
visit, an address with an area, a contact agreement and three victim updates, and for some cases
a referral, a legal remedy and an ASB Case Review with a recommendation.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from asb_tui.domain.report_figures import ReportPeriod
from asb_tui.store.core.models import TABLES_BY_NAME
from asb_tui.store.core.store import Store, create_store, open_store
from asb_tui.store.queries.report_rows import management_report
from benchmarks._report import Figure

PASSPHRASE = "benchmark passphrase for the report"  # noqa: S105 (a throwaway store)
ACTOR = "Bench Officer"
TARGET_S = 2.0
FULL_CASES = 50_000
QUICK_CASES = 5_000
PERIOD = ReportPeriod(date(2025, 4, 1), date(2026, 3, 31))
AREAS = ("Harehills", "Chapeltown", "Armley", "Beeston", "Headingley", "Seacroft")
OFFICERS = tuple(f"Officer {n}" for n in range(1, 26))


def _columns(table: str) -> list[Any]:
    return list(TABLES_BY_NAME[table].__table__.columns)  # type: ignore[attr-defined]


def _row(table: str, values: dict[str, Any], stamp: str) -> tuple[Any, ...]:
    """All the table's columns in order: the values given, else the model's own default."""
    fields = TABLES_BY_NAME[table].model_fields
    out = []
    for column in _columns(table):
        name = column.name
        if name in values:
            out.append(values[name])
        elif name == "created_at":
            out.append(stamp)
        elif name == "id":
            out.append(str(uuid.uuid4()))
        elif (factory := fields[name].default_factory) is not None:  # a JSON list or dict
            out.append(json.dumps(factory()))  # type: ignore[call-arg]
        else:
            default = fields[name].default
            out.append(None if default is PydanticUndefined else default)
    return tuple(out)


def build_store(data_dir: Path, cases: int, seed: int = 20261202) -> None:
    rng = random.Random(seed)
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=ACTOR)
    stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in (
        "asb_case", "address", "visit", "contact_agreement", "victim_update", "referral",
        "legal_remedy", "case_review", "case_review_recommendation",
    )}  # fmt: skip

    def add(table: str, **values: Any) -> None:
        rows[table].append(_row(table, values, stamp))

    for number in range(cases):
        case_id = str(uuid.uuid4())
        referred = date(2024, 1, 1) + timedelta(days=rng.randint(0, 800))
        accepted = referred + timedelta(days=rng.randint(0, 5))
        closed = accepted + timedelta(days=rng.randint(20, 400)) if rng.random() < 0.5 else None
        add(
            "asb_case", id=case_id, ref=f"ASB-B-{number + 1:06d}",
            category=rng.choice(("personal", "nuisance", "environmental")),
            status="closed" if closed else "accepted", referred_on=referred.isoformat(),
            accepted_on=accepted.isoformat(), closed_on=closed and closed.isoformat(),
            closure_reason="asb-ceased" if closed else None,
            reopen_count=1 if rng.random() < 0.05 else 0,
            risk_level=rng.choice(("standard", "medium", "high")),
            repeat_victim=rng.random() < 0.2, officer=rng.choice(OFFICERS), team="team-a",
        )  # fmt: skip
        add("address", case_id=case_id, kind="location", line1="1 Station Road",
            area=rng.choice(AREAS))  # fmt: skip
        visited = accepted + timedelta(days=rng.randint(0, 20))
        add("visit", case_id=case_id, kind="home", status="complete",
            done_on=visited.isoformat())  # fmt: skip
        add("contact_agreement", case_id=case_id, frequency=rng.choice(("weekly", "10wd")),
            agreed_on=visited.isoformat())  # fmt: skip
        for step in range(1, 4):
            updated = visited + timedelta(days=7 * step + rng.randint(-1, 3))
            add("victim_update", case_id=case_id, updated_on=updated.isoformat())
        if rng.random() < 0.3:
            kind = rng.choice(("victim-support-officer", "vulnerable-victims-conference"))
            add("referral", case_id=case_id, referred_on=accepted.isoformat(), kind=kind)
        if rng.random() < 0.2:
            started = (accepted + timedelta(days=30)).isoformat()
            add("legal_remedy", case_id=case_id, kind="community-protection-warning",
                status="in-force", started_on=started)  # fmt: skip
        if rng.random() < 0.02:
            review_id = str(uuid.uuid4())
            applied = accepted + timedelta(days=60)
            add("case_review", id=review_id, case_id=case_id, applicant="the victim",
                applied_on=applied.isoformat(), threshold_met=True,
                decided_on=(applied + timedelta(days=5)).isoformat())  # fmt: skip
            add("case_review_recommendation", case_id=case_id, review_id=review_id,
                text="Refer to mediation", owner="Housing")  # fmt: skip
    raw = store._write_engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        for table, values in rows.items():
            names = [c.name for c in _columns(table)]
            marks = ", ".join("?" for _ in names)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", values)
        cursor.execute("COMMIT")
    finally:
        raw.close()
        store.close()


def report_seconds(store: Store, runs: int = 3) -> tuple[float, dict[str, Any]]:
    """The best of `runs` (the first also warms SQLCipher's page cache, as a second look would)."""
    best, report = float("inf"), {}
    for _ in range(runs):
        started = time.perf_counter()
        report = management_report(store, PERIOD)
        best = min(best, time.perf_counter() - started)
    return best, report


def run(quick: bool = False) -> list[Figure]:
    cases = QUICK_CASES if quick else FULL_CASES
    with tempfile.TemporaryDirectory(prefix="asb-bench-report-") as tmp:
        data_dir = Path(tmp) / "store"
        started = time.perf_counter()
        build_store(data_dir, cases)
        print(f"  built {cases:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        store = open_store(data_dir, PASSPHRASE, actor=ACTOR)
        try:
            seconds, report = report_seconds(store)
        finally:
            store.close()
    assert report["cases_held"] == cases, report["cases_held"]
    return [
        Figure(
            "management report (store query + every figure)",
            seconds,
            "s",
            TARGET_S,
            detail=f"{cases:,} cases, {report['cases_in_period']:,} in a 12-month period",
        )
    ]
