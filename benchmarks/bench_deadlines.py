"""Deadlines for 5,000 cases (target: under 50 ms), cold and warm caches, best of several runs."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta

from asb_tui.domain import months
from asb_tui.domain import working_days as deadlines
from asb_tui.domain.case_deadlines import (
    ActionFact,
    CaseFacts,
    DeadlineRules,
    LegalRemedyFact,
    deadlines_for_cases,
)
from asb_tui.domain.types import (
    ActionKind,
    CaseStatus,
    LegalRemedyKind,
    Region,
    RiskLevel,
)
from asb_tui.domain.working_days import ClosureRule, expand_closure_rules
from benchmarks._report import Figure

CASES = 5_000
RUNS = 7
TARGET_MS = 50.0
TODAY = date(2026, 11, 23)
_FREQUENCIES = (None, "5wd", "10wd", "weekly", "fortnightly", "monthly")


def synthetic_cases(count: int = CASES, seed: int = 20261123) -> list[CaseFacts]:
    """A realistic mix: three regions, a quarter closed, some high risk, actions and remedies."""
    rng = random.Random(seed)
    cases: list[CaseFacts] = []
    for number in range(count):
        accepted_on = TODAY - timedelta(days=rng.randint(0, 900))
        status = rng.choices(
            (CaseStatus.ACCEPTED, CaseStatus.REOPENED, CaseStatus.CLOSED, CaseStatus.REFERRED),
            weights=(60, 5, 30, 5),
        )[0]
        closed_on = (
            accepted_on + timedelta(days=rng.randint(10, 300))
            if status is CaseStatus.CLOSED
            else None
        )
        visited = rng.random() < 0.7
        actions = tuple(
            ActionFact(
                f"a{number}-{index}",
                f"Action {index}",
                accepted_on + timedelta(days=rng.randint(0, 120)),
                None,
                rng.choice((ActionKind.GENERAL, ActionKind.VVC_REFERRAL, ActionKind.SAFEGUARDING)),
            )
            for index in range(rng.randint(0, 4))
        )
        remedies = (
            (
                LegalRemedyFact(
                    f"r{number}",
                    rng.choice(list(LegalRemedyKind)),
                    accepted_on + timedelta(days=rng.randint(0, 100)),
                ),
            )
            if rng.random() < 0.1
            else ()
        )
        cases.append(
            CaseFacts(
                id=f"case-{number}",
                ref=f"ASB/{number:05d}",
                status=status,
                region=rng.choices(list(Region), weights=(80, 12, 8))[0],
                accepted_on=None if status is CaseStatus.REFERRED else accepted_on,
                closed_on=closed_on,
                risk_level=rng.choices(list(RiskLevel), weights=(60, 25, 15))[0],
                diary_sheets_sent_on=accepted_on if rng.random() < 0.9 else None,
                risk_assessed_on=accepted_on if rng.random() < 0.9 else None,
                first_home_visit_done_on=accepted_on + timedelta(days=2) if visited else None,
                contact_frequency=rng.choice(_FREQUENCIES),
                last_victim_update_on=TODAY - timedelta(days=rng.randint(0, 40)),
                actions=actions,
                last_manager_review_on=TODAY - timedelta(days=rng.randint(0, 30)),
                legal_remedies=remedies,
            )
        )
    return cases


def _clear_all_caches() -> None:
    deadlines.clear_caches()
    months.add_months.cache_clear()


def _best_ms(run_once: Callable[[], object], before_each: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        before_each()
        started = time.perf_counter()
        run_once()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def run() -> list[Figure]:
    cases = synthetic_cases()
    closures = expand_closure_rules([ClosureRule.parse("24/12-01/01")], 2020, 2035)
    rules = DeadlineRules(closures=closures)
    count = len(deadlines_for_cases(cases, TODAY, rules))

    def compute() -> object:
        return deadlines_for_cases(cases, TODAY, rules)

    cold = _best_ms(compute, _clear_all_caches)
    compute()
    warm = _best_ms(compute, lambda: None)
    detail = f"{CASES} cases, {count} open deadlines, best of {RUNS}"
    return [
        Figure("deadlines for 5,000 cases (cold caches)", cold, "ms", TARGET_MS, detail=detail),
        Figure("deadlines for 5,000 cases (warm caches)", warm, "ms", TARGET_MS, detail=detail),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
