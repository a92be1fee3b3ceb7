"""Synthetic demo data: realistic cases that hold no real person's data, made the way an officer
makes them.

Every seeded case is built by the same store commands the screens call (`seeded_cases`): referred,
accepted with the risk questionnaire, diary sheets typed in, the home visit, contacts, actions,
house-to-house, remedies, reviews, the VVC's decision, closure and reopening, each dated on the
day it happened and stopped at the case's planned stage. So a demo case shows only states the app
can reach, and every row has the audit event and change record its command writes. The commands
run `batch_size` cases to a transaction (`demo_walkthrough.one_transaction`), which is what keeps
the first run's demo quick.

The cases belong to the laptop's officer (the `config` the caller passes: the first-run screen
and the CLI pass the officer kept in the store), except about one in eight random cases, a
colleague's of the same team (see `seeded_cases`).

The same seed (and the same `today`) gives the same cases: references, people, dates, states and
text. Ids and record timestamps are the store's own, as for any case the app makes.

`bulk=True` is the benchmark's path (5,000 cases and 100,000 incidents): rows built by hand
(`bulk_rows`) with one audit event per case, because the commands would take minutes there.

Every default demo also takes two cases through the council's whole procedure
(`demo_walkthrough.walk_case`), naming the people the acceptance tests look for.

Names are drawn from lists that reflect a UK town (including Polish, Irish, Arabic, South Asian,
Caribbean and Welsh names); a couple are deliberately markup-like (`[bold]Smith[/]`,
`O'Brien [/]`), because real officers type such things and the app must show them literally.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, col, func, or_, select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.types import ActionKind, CaseStatus
from asb_tui.store.core.case_refs import LEGACY_DEMO_SERIES, demo_series, next_case_ref
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store
from asb_tui.store.demo.drawing import HOSTILE_NAMES, Draw, Plan
from asb_tui.store.queries.deadline_facts import deadline_rules

__all__ = ["DEMO_CASE_ACTION", "HOSTILE_NAMES", "MAX_CASES", "DemoSummary", "describe", "fill_demo"]

DEMO_CASE_ACTION = "demo.case"
MAX_CASES = 100_000
OPEN = (CaseStatus.ACCEPTED.value, CaseStatus.REOPENED.value)


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    rows: int
    incidents: int
    overdue_visits: int
    refs: tuple[str, ...]
    rows_by_table: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Cases taken through the whole procedure (`demo_walkthrough`), beyond `cases`.
    worked_refs: tuple[str, ...] = ()


def _demo_cases_so_far(store: Store) -> int:
    with store.read() as session:
        series = (demo_series(store.device_id), LEGACY_DEMO_SERIES)
        count = session.exec(
            select(func.count())
            .select_from(Case)
            .where(or_(*(col(Case.ref).like(f"ASB-%-{tag}-%") for tag in series)))
        ).one()
    return int(count)


def fill_demo(
    store: Store,
    cases: int = 50,
    seed: int = 1,
    today: date | None = None,
    *,
    incidents_per_case: int | None = None,
    batch_size: int = 20,
    bulk: bool = False,
    progress: Callable[[int, int], None] | None = None,
    config: Config | None = None,
    worked_cases: int | None = None,
) -> DemoSummary:
    """Add `cases` synthetic cases; the same seed and `today` give the same cases.

    `incidents_per_case` fixes the number of incidents of each accepted case (the benchmark uses
    20); by default each has 2 to 12 (a referral not yet accepted has no diary, so none). Filling
    a store that already holds demo cases adds new ones (the random stream is keyed on how many
    demo cases exist), so running twice never collides. `progress(done, total)` is called after
    each batch. `config` names the officer and team the cases are assigned to and the rules
    (working days, review interval, VVC meetings) the commands follow.

    `worked_cases` more cases (default: 2, none in bulk mode) are taken through the council's
    whole procedure by `demo_walkthrough.walk_case`.
    """
    if not 1 <= cases <= MAX_CASES:
        raise ValueError(f"the number of demo cases must be between 1 and {MAX_CASES:,}")
    if incidents_per_case is not None and not 0 <= incidents_per_case <= 1000:
        raise ValueError("incidents per case must be between 0 and 1,000")
    started = time.perf_counter()
    day = today or date.today()
    already = _demo_cases_so_far(store)
    rng = random.Random(f"asb-tui-demo:{seed}:{already}")
    config = config or Config(data_dir=Path("."))
    rules = deadline_rules(config, day)
    plans = [Draw(rng, day, incidents_per_case, rules).plan(index) for index in range(cases)]
    # References follow referral dates; the sort is stable, so ties keep their drawn order.
    order = sorted(range(cases), key=lambda index: plans[index].referred_on)
    hostile = {1: HOSTILE_NAMES[0], 4: HOSTILE_NAMES[1]}  # by position in this fill
    fill = _Fill(plans, order, hostile, rng, day, incidents_per_case, rules, batch_size, progress)
    refs = _fill_bulk(store, fill, config) if bulk else _fill_by_commands(store, fill, config)
    worked = _worked_cases(
        store, config, day, 0 if bulk else 2 if worked_cases is None else worked_cases
    )
    rows_by_table, overdue = _count(store, refs + list(worked), day)
    return DemoSummary(
        worked_refs=tuple(worked),
        cases=cases,
        rows=sum(rows_by_table.values()),
        incidents=rows_by_table.get("incident", 0),
        overdue_visits=overdue,
        refs=tuple(refs),
        rows_by_table=rows_by_table,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Fill:
    """One fill's plans, in reference order, and how to write them."""

    plans: list[Plan]
    order: list[int]
    hostile: dict[int, str]
    rng: random.Random
    today: date
    incidents_per_case: int | None
    rules: DeadlineRules
    batch_size: int
    progress: Callable[[int, int], None] | None


def _fill_by_commands(store: Store, fill: _Fill, config: Config) -> list[str]:
    """Each case through the store commands, `batch_size` cases to a transaction."""
    from asb_tui.store.demo.demo_walkthrough import one_transaction
    from asb_tui.store.demo.seeded_cases import SeededCases

    plans, order, hostile, batch_size, progress = (
        fill.plans,
        fill.order,
        fill.hostile,
        fill.batch_size,
        fill.progress,
    )
    walker = SeededCases(fill.rng, fill.today, fill.incidents_per_case, fill.rules, config)
    refs: list[str] = []
    total = len(order)
    for start in range(0, total, batch_size):
        with one_transaction(store) as batch:
            for position in order[start : start + batch_size]:
                done = len(refs)
                made = walker.walk(
                    batch, plans[position], hostile.get(done), colleagues=position >= 9
                )
                refs.append(made.ref)
        if progress is not None:
            progress(len(refs), total)
    return refs


def _fill_bulk(store: Store, fill: _Fill, config: Config) -> list[str]:
    """The benchmark's path: hand-built rows (`bulk_rows`), one audit event per case."""
    from asb_tui.store.demo.bulk_rows import BulkRows

    plans, order, hostile, batch_size, progress = (
        fill.plans,
        fill.order,
        fill.hostile,
        fill.batch_size,
        fill.progress,
    )
    maker = BulkRows(fill.rng, fill.today, fill.incidents_per_case, fill.rules)
    maker.officer, maker.team = config.officer, config.team
    refs: list[str] = []
    total = len(order)
    for start in range(0, total, batch_size):
        batch: list[SQLModel] = []
        with store.write() as uow:
            series = demo_series(store.device_id)
            for position in order[start : start + batch_size]:
                plan = plans[position]
                rows = maker.case_rows(plan, hostile.get(len(refs)))
                case = rows[0]
                assert isinstance(case, Case)
                case.ref = next_case_ref(uow, plan.referred_on.year, series=series)
                refs.append(case.ref)
                batch.extend(rows)
            uow.add_many(batch, action=DEMO_CASE_ACTION)
        if progress is not None:
            progress(len(refs), total)
    return refs


def _home_visit_overdue(record: Any, today: date) -> bool:
    """The first home visit is past its day: its task still open (the commands' cases) or a
    planned visit row not done (the benchmark's hand-built rows)."""
    return any(
        a.kind == ActionKind.HOME_VISIT.value
        and a.done_on is None
        and a.due_on
        and a.due_on < today
        for a in record.rows("action")
    ) or any(
        v.kind == "home" and v.done_on is None and v.due_on and v.due_on < today
        for v in record.rows("visit")
    )


def _count(store: Store, refs: list[str], today: date) -> tuple[dict[str, int], int]:
    """Rows per table of the cases made, and how many open cases' first home visits are
    overdue."""
    from asb_tui.store.queries.case_records import load_many

    counts: dict[str, int] = {}
    overdue = 0
    with store.read() as session:
        ids = list(session.exec(select(Case.id).where(col(Case.ref).in_(refs))).all())
        for start in range(0, len(ids), 500):
            for record in load_many(session, ids[start : start + 500]):
                counts["asb_case"] = counts.get("asb_case", 0) + 1
                for table, rows in record.tables.items():
                    counts[table] = counts.get(table, 0) + len(rows)
                if record.case.status in OPEN and _home_visit_overdue(record, today):
                    overdue += 1
    return counts, overdue


# The people of the worked cases: (victim, alleged perpetrator, witness).
WORKED_PEOPLE = (
    ("Siobhán Ó Súilleabháin", "Dariusz Wiśniewski", "Marcia Gayle"),
    ("Aisha Rahman", "Gary Barker", "Ciarán Byrne"),
    ("Bartłomiej Kowalski", "Jordan Reid", "Ngozi Okafor"),
)


def _worked_cases(store: Store, config: Config, today: date, count: int) -> list[str]:
    """`count` cases through the whole procedure in one transaction; their refs."""
    from asb_tui.store.demo.demo_walkthrough import WalkedCase, one_transaction, walk_case

    if count <= 0:
        return []
    with one_transaction(store) as batch:
        made: list[WalkedCase] = []
        for index in range(count):
            victim, perpetrator, witness = WORKED_PEOPLE[index % len(WORKED_PEOPLE)]
            made.append(
                walk_case(
                    batch,
                    config,
                    today,
                    victim=victim,
                    perpetrator=perpetrator,
                    witness=witness,
                    close_and_reopen=index % 2 == 0,
                    # Each later worked case is linked to the one before (the same block).
                    linked_to=made[-1] if made else None,
                )
            )
    return [case.ref for case in made]


def describe(summary: DemoSummary) -> str:
    """One line for the CLI and the first-run screen."""
    worked = len(summary.worked_refs)
    through = f" and {worked} taken through the whole procedure" if worked else ""
    return (
        f"Added {summary.cases:,} demo cases{through} ({summary.incidents:,} incidents, "
        f"{summary.rows:,} records; {summary.overdue_visits:,} overdue visits) "
        f"in {summary.seconds:.1f} s"
    )
