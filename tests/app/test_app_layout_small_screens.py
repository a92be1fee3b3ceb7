"""At 80x24 (and 120x40) the screens keep what matters readable: the dashboard's risk and
victim, the case footer's keys and where the rest are, the VVC decision, the diary's "What
happened"; columns give way by priority."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_testkit import TODAY, make_app, screen_text, wait_for, wait_for_screen
from textual.widgets import DataTable

from asb_tui.domain.risk import load_questionnaire
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.commands.vvc import record_vvc_decision
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules
from asb_tui.widgets.diary_grid import DiaryGrid
from asb_tui.widgets.fitted_columns import ColumnSpec, column_widths

VICTIM = "Siobhán Ó Súilleabháin"
MEETING = date(2026, 12, 8)  # the second Tuesday after TODAY, 20/11/2026
DECISION = "Police to patrol nightly; housing to start a tenancy warning; review in a month"


def _high_risk_case(store: Store, data_dir: Path) -> str:
    new = cases.refer_case(
        store,
        category="personal",
        summary="Threats and damage",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name=VICTIM,
    )
    questionnaire = load_questionnaire()
    cases.accept_case(
        store,
        new.id,
        on=TODAY,
        questionnaire=questionnaire,
        answers={q.id: q.answers[-1].id for q in questionnaire.questions},
        rules=deadline_rules(make_app(data_dir).config, TODAY),
    )
    return new.id


def test_widths_are_given_by_priority_and_the_rest_to_the_free_text() -> None:
    specs = [
        ColumnSpec("a", "A", 5, 10, priority=1),
        ColumnSpec("b", "B", 5, 10, priority=0),
        ColumnSpec("c", "C", 4, 8, takes_rest=True, priority=2),
    ]
    assert column_widths(specs, 14) == {"a": 5, "b": 5, "c": 4}  # all at their least
    assert column_widths(specs, 19) == {"a": 5, "b": 10, "c": 4}  # b first
    assert column_widths(specs, 40) == {"a": 10, "b": 10, "c": 20}  # c takes what is left


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_dashboard_keeps_risk_and_victim_readable(
    store: Store, data_dir: Path, size: tuple[int, int]
) -> None:
    _high_risk_case(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 1)
        await pilot.pause()
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "ASB-" in line)
        assert " High " in row  # the whole word, not "hi"
        assert "Siobhán" in row
        assert "Victim" in text and "Risk" in text
        if size[0] >= 120:
            assert VICTIM in row


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_case_footer_shows_its_main_keys_and_where_the_rest_are(
    store: Store, data_dir: Path, size: tuple[int, int]
) -> None:
    case_id = _high_risk_case(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await app.push_screen(CaseDetailScreen(case_id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert footer.lstrip().startswith("? All keys"), footer
        assert "C Close case" in footer
        if size[0] >= 120:
            assert "esc Back" in footer and "v Home visit" in footer
        await pilot.press("question_mark")
        await wait_for_screen(pilot, "HelpScreen")
        assert "Reassess risk" in screen_text(app)  # a key not in the footer, found in help


async def test_vvc_decision_is_readable_at_80_columns(store: Store, data_dir: Path) -> None:
    case_id = _high_risk_case(store, data_dir)
    app = make_app(data_dir, store)
    record_vvc_decision(
        store,
        app.config,
        case_id,
        MEETING,
        case_officer="Test Officer",
        case_manager="Ruth Manager",
        decision=DECISION,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("V")
        await wait_for_screen(pilot, "VvcScreen")
        await wait_for(pilot, lambda: app.screen.query_one("#agenda", DataTable).row_count == 1)
        await pilot.pause()
        text = screen_text(app)
        assert "Decision" in text
        assert DECISION[:22] in text  # at least 22 characters of it on one line
        assert "High" in text


def test_diary_what_happened_takes_the_room() -> None:
    grid = DiaryGrid()
    keys = [column.key for column in grid.columns]
    at_80 = dict(zip(keys, grid.column_widths(80), strict=True))
    at_120 = dict(zip(keys, grid.column_widths(120), strict=True))
    assert at_80["what"] >= 28
    assert at_120["what"] >= 50
    assert sum(at_80.values()) + len(keys) + 4 <= 80
