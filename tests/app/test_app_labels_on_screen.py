"""No stored vocabulary value reaches the screen raw: case detail of the demo's cases, every
tab. The raw values are generated from the domain's StrEnums, so a value added later is
checked too."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from app_testkit import make_app, make_config, screen_text, wait_for, wait_for_screen
from sqlmodel import select
from textual.widgets import DataTable, TabbedContent

from asb_tui.domain.labels import VOCABULARIES, label
from asb_tui.domain.types import (
    CaseStatus,
    Category,
    ClosureReason,
    DeadlineState,
    PartyRole,
    RiskLevel,
)
from asb_tui.screens.case_detail import TABS, CaseDetailScreen
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo

TODAY = date(2026, 11, 24)

# Values written with a hyphen are never English as typed, so they must appear nowhere on the
# screen; one-word values ("closed", "high") may appear in what an officer typed, so they are
# checked in the fields the app fills from the vocabulary.
HYPHENATED = sorted(
    {member.value for vocabulary in VOCABULARIES for member in vocabulary if "-" in member.value}
)


def _raw_in(text: str, values: list[str]) -> list[str]:
    return [v for v in values if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)]


def _cells(table: DataTable[Any], column: int) -> list[str]:
    return [str(table.get_row_at(row)[column]) for row in range(table.row_count)]


async def test_case_detail_of_every_demo_case_shows_no_raw_vocabulary(
    store: Store, data_dir: Path
) -> None:
    config = make_config(data_dir)
    summary = fill_demo(store, cases=12, seed=3, today=TODAY, config=config)
    with store.read() as session:
        cases = list(session.exec(select(Case).order_by(Case.ref)))
    state_labels = {label(state) for state in DeadlineState}
    statuses = {case.status for case in cases}
    # The demo covers the states whose raw values used to show: referred, closed with a reason.
    assert {"referred", "closed"} <= statuses
    assert any(case.closure_reason for case in cases)
    # One case of each status and closure reason, and every case the demo worked through.
    chosen = {(c.status, c.closure_reason): c.ref for c in cases}
    refs = set(chosen.values()) | set(summary.worked_refs)
    shown_cases = [c for c in cases if c.ref in refs]
    assert len(shown_cases) >= 5
    app = make_app(data_dir, store, today=TODAY)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        for case in shown_cases:
            screen = CaseDetailScreen(case.id)
            app.push_screen(screen)

            def loaded(screen: CaseDetailScreen = screen) -> bool:
                return screen.detail is not None

            await wait_for(pilot, loaded)
            summary_text = screen_text(app)
            header = summary_text.split("Deadlines")[0]
            assert label(CaseStatus(case.status)) in header
            expected = {
                "Status": label(CaseStatus(case.status)),
                "Risk": label(RiskLevel(case.risk_level)) if case.risk_level else "not assessed",
                "Category": label(Category(case.category)),
                "Closed": f"{case.closed_on:%d/%m/%Y} ({label(ClosureReason(case.closure_reason))})"
                if case.closure_reason
                else "",
            }
            # "(reopened 2×)" after the status is a count in words, not a stored value.
            for line in re.sub(r"\(reopened \d+×\)", "", summary_text).splitlines():
                field = re.match(r"\s*(Status|Risk|Category|Closed)\s+(.*?)\s*$", line)
                if field:
                    assert field.group(2) == expected[field.group(1)], (case.ref, line)
                deadline = re.match(r"\s*\d\d/\d\d/\d{4}  (.{10})", line)
                if deadline:
                    assert deadline.group(1).strip() in state_labels, (case.ref, line)
            assert _raw_in(summary_text, HYPHENATED) == [], case.ref
            # The People tab is filled when it is first shown.
            await pilot.press("2")
            people: DataTable[object] = screen.query_one("#people-table", DataTable)

            def people_shown(people: DataTable[object] = people) -> bool:
                return people.row_count > 0

            await wait_for(pilot, people_shown)
            roles = _cells(people, 1)
            assert not set(roles) & {role.value for role in PartyRole}, (case.ref, roles)
            await pilot.press("1")
            # The worked cases hold every kind of record, so their other tabs show every list.
            tabs = TABS[1:] if case.ref in summary.worked_refs else ()
            for number, (tab_id, _title) in enumerate(tabs, start=2):
                await pilot.press(str(number))

                def on_tab(screen: CaseDetailScreen = screen, tab_id: str = tab_id) -> bool:
                    return screen.query_one("#tabs", TabbedContent).active == tab_id

                await wait_for(pilot, on_tab)
                await pilot.pause()
                shown = screen_text(app)
                assert _raw_in(shown, HYPHENATED) == [], (case.ref, tab_id)
            await pilot.press("escape")
            await wait_for_screen(pilot, "DashboardScreen")
