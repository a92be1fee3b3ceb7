"""Demo data: made by the store commands, deterministic per seed in its facts, covering the whole
process, belonging to the laptop's officer, and written through the write path."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import home_visit_due
from asb_tui.domain.types import CaseStatus, Category, ClosureReason, RiskLevel
from asb_tui.export.json_export import export_cases
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.case_refs import demo_series
from asb_tui.store.core.models import AuditEvent, ChangeRecord
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.demo.demo import DEMO_CASE_ACTION, HOSTILE_NAMES, DemoSummary, fill_demo
from asb_tui.store.queries.case_records import RECORD_TYPES, load_many

PASSPHRASE = "correct horse battery staple"
TODAY = date(2026, 11, 24)
CASES = 14


@dataclass
class Demo:
    store: Store
    summary: DemoSummary
    document: dict[str, Any]


OFFICER = "Jo Bloggs"
TEAM = "Safer Communities East"
# What the store chooses itself for any case (ids, keys to other rows, when a row was written).
_STORE_OWN = ("id", "_at", "version")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Each store's demo series (`DEM` and the store's own tag): the store's, not the seed's.
_DEMO_SERIES = re.compile(r"-DEM[0-9A-HJKMNP-TV-Z]{3}-")


def _numbers(refs: tuple[str, ...]) -> list[str]:
    return [_DEMO_SERIES.sub("-DEM...-", ref) for ref in refs]


def _facts(value: Any) -> Any:
    """The export without what the store chooses itself: what the seed decides."""
    if isinstance(value, dict):
        return {
            k: _facts(v)
            for k, v in value.items()
            if not k.endswith(_STORE_OWN) and k not in ("exported_at", "device_id")
        }
    if isinstance(value, list):
        return sorted((_facts(v) for v in value), key=repr)
    if isinstance(value, str):
        # An id named in text (a VVC action's reference); a reference's store-own series.
        return _DEMO_SERIES.sub("-DEM...-", _UUID.sub("<id>", value))
    return value


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Demo]]:
    """Four demo stores of seeded cases only: seed 1 twice, seed 2, and seed 1 in bulk mode
    (the benchmark's hand-built rows)."""
    made: dict[str, Demo] = {}
    variants = {"a": (1, False), "b": (1, False), "other": (2, False), "bulk": (1, True)}
    try:
        for name, (seed, bulk) in variants.items():
            store, _ = create_store(tmp_path_factory.mktemp(name) / "d", PASSPHRASE, actor="Demo")
            summary = fill_demo(
                store,
                cases=CASES,
                seed=seed,
                today=TODAY,
                bulk=bulk,
                batch_size=5,
                worked_cases=0,
                config=Config(data_dir=Path("."), officer=OFFICER, team=TEAM),
            )
            made[name] = Demo(store, summary, export_cases(store))
        yield made
    finally:
        for demo in made.values():
            demo.store.close()


def test_same_seed_gives_the_same_cases(demos: dict[str, Demo]) -> None:
    assert demos["a"].store.device_id != demos["b"].store.device_id
    assert _facts(demos["a"].document) == _facts(demos["b"].document)
    # The same numbers, each store in its own series, so two demo stores can share a service.
    assert _numbers(demos["a"].summary.refs) == _numbers(demos["b"].summary.refs)
    assert demos["a"].summary.refs[0] != demos["b"].summary.refs[0]
    assert not set(demos["a"].summary.refs) & set(demos["b"].summary.refs)


def test_different_seed_gives_different_data(demos: dict[str, Demo]) -> None:
    assert _facts(demos["a"].document) != _facts(demos["other"].document)


def test_seeded_cases_are_made_by_the_commands(demos: dict[str, Demo]) -> None:
    """No hand-built row: every audit event is a command's own (`demo.case` is the benchmark's
    bulk path only), and the states are the ones the commands reach."""
    with demos["a"].store.read() as session:
        actions = set(session.exec(select(AuditEvent.action)).all())
    assert DEMO_CASE_ACTION not in actions and "demo.add" not in actions
    assert {"case.refer", "case.accept", "risk.assess", "incident.add", "visit.record"} <= actions
    assert {"case.close", "case.reopen", "review.record", "consent.add"} <= actions
    entries = demos["a"].document["cases"]
    referred = [e for e in entries if e["case"]["status"] == "referred"]
    assert referred and all(not e["action"] and not e["incident"] for e in referred)
    for entry in entries:
        if entry["case"]["accepted_on"]:
            kinds = {a["kind"] for a in entry["action"]}
            assert {"diary-sheets", "risk-assessment", "home-visit"} <= kinds


def test_cases_belong_to_the_laptops_officer(demos: dict[str, Demo]) -> None:
    """The first nine (fixed) cases are the officer's; later ones may be a colleague's of the
    same team (the dashboard's team view); none is a made-up team's."""
    cases = [e["case"] for e in demos["a"].document["cases"]]
    assert {c["team"] for c in cases} == {TEAM}
    officers = [c["officer"] for c in cases]
    assert officers.count(OFFICER) >= 9
    assert set(officers) <= {OFFICER, "Priya Natarajan"}


def test_covers_every_status_reason_level_and_category(demos: dict[str, Demo]) -> None:
    cases = [entry["case"] for entry in demos["a"].document["cases"]]
    assert {c["status"] for c in cases} == {s.value for s in CaseStatus}
    assert {c["closure_reason"] for c in cases} - {None} == {r.value for r in ClosureReason}
    assert {c["risk_level"] for c in cases} - {None} == {r.value for r in RiskLevel}
    assert {c["category"] for c in cases} == {c.value for c in Category}
    series = demo_series(demos["a"].store.device_id)
    assert len(series) == 6 and series.startswith("DEM")  # a real series has 3 or 4 characters
    assert all(c["ref"].startswith(f"ASB-{c['referred_on'][:4]}-{series}-") for c in cases)
    assert len({c["ref"] for c in cases}) == CASES


def test_has_overdue_and_due_visits_following_the_rule(demos: dict[str, Demo]) -> None:
    overdue = 0
    for entry in demos["a"].document["cases"]:
        case = entry["case"]
        for task in entry["action"]:
            if task["kind"] != "home-visit" or case["accepted_on"] is None:
                continue
            if date.fromisoformat(task["due_on"]) < date.fromisoformat(case["accepted_on"]):
                continue  # the task of the case's first cycle (before a reopening)
            level = RiskLevel(case["risk_level"]) if case["risk_level"] else None
            start = date.fromisoformat(case["accepted_on"])
            assert date.fromisoformat(task["due_on"]) == home_visit_due(
                start, level, case["region"]
            )
            if (
                case["status"] in ("accepted", "reopened")
                and task["done_on"] is None
                and date.fromisoformat(task["due_on"]) < TODAY
            ):
                overdue += 1
    assert overdue >= 1
    assert overdue == demos["a"].summary.overdue_visits


def test_has_the_records_of_a_worked_case(demos: dict[str, Demo]) -> None:
    totals = demos["a"].summary.rows_by_table
    for table in (
        "person", "case_party", "risk_assessment", "diary_sheet", "incident", "visit", "consent",
        "contact_agreement", "agency_contact", "action", "h2h_run", "door_enquiry",
        "legal_remedy", "legal_stage", "referral", "manager_review",
    ):  # fmt: skip
        assert totals.get(table, 0) > 0, table
    actions = [a for e in demos["a"].document["cases"] for a in e["action"]]
    assert any(a["done_on"] is None and date.fromisoformat(a["due_on"]) < TODAY for a in actions)
    names = {p["name"] for e in demos["a"].document["cases"] for p in e["person"]}
    assert set(HOSTILE_NAMES) <= names


def test_every_row_has_a_change_record_and_the_chain_verifies(demos: dict[str, Demo]) -> None:
    for name in ("a", "bulk"):
        demo = demos[name]
        with demo.store.read() as session:
            changes = session.exec(select(func.count()).select_from(ChangeRecord)).one()
            per_case = session.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == DEMO_CASE_ACTION)
            ).one()
            assert verify_chain(session).ok
        assert changes >= demo.summary.rows  # a row updated by a later command has two
        assert per_case == (CASES if name == "bulk" else 0)


def test_filling_again_adds_new_cases(store: Store) -> None:
    first = fill_demo(store, cases=3, seed=5, today=TODAY, worked_cases=1)
    second = fill_demo(store, cases=3, seed=5, today=TODAY, worked_cases=1)
    assert not set(first.refs + first.worked_refs) & set(second.refs + second.worked_refs)
    assert len(export_cases(store)["cases"]) == 8


def test_fixed_incidents_per_case(store: Store) -> None:
    """The first two fixed plans: an accepted case (20 incidents from its diary) and a referral
    not yet accepted (no diary, so none)."""
    summary = fill_demo(store, cases=2, seed=3, today=TODAY, incidents_per_case=20, worked_cases=0)
    assert summary.incidents == 20


def test_refuses_silly_sizes(store: Store) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        fill_demo(store, cases=0)


def test_a_default_demo_holds_every_kind_of_record_made_by_the_commands(
    store: Store, data_dir: Path
) -> None:
    config = Config(data_dir=data_dir, officer=OFFICER, manager_review_days=21)
    summary = fill_demo(store, cases=4, seed=9, today=TODAY, config=config)
    assert len(summary.worked_refs) == 2 and summary.cases == 4
    with store.read() as session:
        worked = load_many(session, [_case_id(session, ref) for ref in summary.worked_refs])
        assert verify_chain(session).ok
    for table in RECORD_TYPES:
        if table in {"asb_case", "evidence_item"}:  # no command makes an evidence item yet
            continue
        assert any(case.rows(table) for case in worked), table
    statuses = {case.case.status for case in worked}
    assert statuses == {"reopened", "accepted"}
    kinds = {a.kind for case in worked for a in case.rows("action")}
    assert {"vso-referral", "vvc-referral", "safeguarding", "home-visit"} <= kinds
    reasons = {r.reason for case in worked for r in case.rows("referral")}
    assert reasons == {"high risk"}


def test_seeded_high_risk_cases_follow_the_protocol_and_the_review_interval(
    store: Store, data_dir: Path
) -> None:
    config = Config(data_dir=data_dir, manager_review_days=21)
    fill_demo(store, cases=CASES, seed=1, today=TODAY, config=config, worked_cases=0)
    document = export_cases(store)
    high = [e for e in document["cases"] if e["case"]["risk_level"] == "high" and e["referral"]]
    assert high
    for entry in high:
        assert {r["reason"] for r in entry["referral"]} <= {"high risk", "repeat victim"}
        kinds = {a["kind"] for a in entry["action"]}
        assert {"vso-referral", "vvc-referral"} <= kinds
        vvc = next(r for r in entry["referral"] if r["kind"] == "vulnerable-victims-conference")
        assert vvc["meeting_on"] is not None
        days = sorted(date.fromisoformat(r["reviewed_on"]) for r in entry["manager_review"])
        # The first acceptance (a reopened case's accepted_on is its reopening).
        accepted = min(date.fromisoformat(r["assessed_on"]) for r in entry["risk_assessment"])
        if days:
            assert (days[0] - accepted).days == 21
            assert all((b - a).days >= 21 for a, b in itertools.pairwise(days))


def _case_id(session: Any, ref: str) -> str:
    from asb_tui.store.core.models import Case

    return str(session.exec(select(Case.id).where(Case.ref == ref)).one())
