"""The Reports screen in the real app over a real store: reached from the dashboard, the report's
figures with bars, names shown exactly as typed, the period switched with a key, at 80x24."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from app_testkit import app_on_screen, make_app, screen_as, screen_text, wait_for, wait_for_screen
from built_case_testkit import MakeCase
from textual.widgets import Sparkline, Static

from asb_tui.screens.reports import ReportsScreen
from asb_tui.store.core.store import Store

TODAY = date.today()
HOSTILE = "[bold]Smith[/] #set *x*"
IRISH = "Siobhán Ní Bhriain"


def _text(screen: ReportsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_the_dashboard_opens_the_reports_screen(store: Store, data_dir: Path) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("P")
        await wait_for_screen(pilot, "ReportsScreen")
        await wait_for(
            pilot, lambda: "cases." in _text(screen_as(app, ReportsScreen), "#report-info")
        )
        await pilot.press("escape")
        await wait_for_screen(pilot, "DashboardScreen")


async def test_figures_and_bars_with_names_as_typed(
    store: Store, make_case: MakeCase, data_dir: Path
) -> None:
    make_case("ASB-R-1", risk_level="high", accepted_on=TODAY - timedelta(days=20),
              officer=HOSTILE)  # fmt: skip
    make_case("ASB-R-2", risk_level="standard", accepted_on=TODAY - timedelta(days=3),
              officer=IRISH)  # fmt: skip
    make_case("ASB-R-3", risk_level="standard", accepted_on=TODAY - timedelta(days=4),
              officer=IRISH)  # fmt: skip
    app = app_on_screen(ReportsScreen(), data_dir, store, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_as(app, ReportsScreen)
        await wait_for(pilot, lambda: screen.report is not None and screen.query("#bars-officer"))
        assert screen.report is not None
        assert screen.report["cases_in_period"] == 3
        rows = _text(screen, "#bars-officer").splitlines()
        # One row per officer, the name exactly as typed, the bar as long as their share.
        bars = {row.split(" █")[0].strip(): row for row in rows}
        assert set(bars) == {HOSTILE, IRISH}, rows
        assert bars[HOSTILE].endswith(" 1") and bars[IRISH].endswith(" 2")
        assert bars[IRISH].count("█") == 2 * bars[HOSTILE].count("█")
        assert "accepted: 3" in _text(screen, "#figures-visit")
        assert "applications: 0" in _text(screen, "#figures-case-review")
        months = screen.query_one("#spark-new", Sparkline)
        assert len(list(months.data or [])) == 12
        # The widgets are mounted before the next refresh draws them: wait for the drawn screen.
        await wait_for(pilot, lambda: "Caseload" in screen_text(app))
        lines = screen_text(app).splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert "Reports" in lines[0]

        await pilot.press("m")  # this month alone
        start = date(TODAY.year, TODAY.month, 1)
        await wait_for(
            pilot, lambda: _text(screen, "#report-info").startswith(f"{start:%d/%m/%Y} to ")
        )
        assert not screen.query("#spark-new")  # no sparkline of one month
