"""The dashboard shows the laptop's subject access requests whose reply is due: a count with
the overdue ones, and a line per request among the due cases, soonest first; enter on one says
where it is handled instead of opening a case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from app_testkit import OFFICER, TODAY, make_app, make_config, screen_text, wait_for
from snapshot_kit import Filled, settled, snap_screen
from textual.pilot import Pilot
from textual.widgets import DataTable

from asb_tui.app import AsbApp
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.risk import load_questionnaire
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.commands import cases, subject_access
from asb_tui.store.core.store import Store, open_store
from asb_tui.store.queries.deadline_facts import deadline_rules


def _log(
    store: Store,
    rules: DeadlineRules,
    received: date,
    requester: str,
    *,
    identity_asked: bool = False,
) -> str:
    view = subject_access.log_request(
        store,
        received_on=received,
        requester=requester,
        today=TODAY,
        rules=rules,
        identity_asked=identity_asked,
    )
    return view.ref


async def test_the_dashboard_lists_due_and_overdue_requests(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    rules = deadline_rules(make_config(data_dir), TODAY)
    case = cases.refer_case(
        store,
        category="personal",
        summary="Shouting at night",
        referred_on=TODAY,
        officer=OFFICER,
        victim_name="Zoë Jones",
    )
    questionnaire = load_questionnaire()
    answers = {q.id: q.answers[0].id for q in questionnaire.questions}
    cases.accept_case(
        store, case.id, on=TODAY, questionnaire=questionnaire, answers=answers, rules=rules
    )
    # received 20/10/2026: due Friday 20/11/2026, today; 01/10: 01/11 is a Sunday, so 02/11
    due_today = _log(store, rules, date(2026, 10, 20), "[bold]Siobhán[/] O'Neill")
    overdue = _log(store, rules, date(2026, 10, 1), "Bob Baker")
    waiting = _log(store, rules, date(2026, 11, 2), "Cat Cole", identity_asked=True)
    answered = _log(store, rules, date(2026, 10, 5), "Dan Dee")
    subject_access.complete_request(store, answered, on=TODAY, today=TODAY, rules=rules)
    store.close()

    app = make_app(data_dir, open_store(data_dir, passphrase, actor=OFFICER))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 3)
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: "SAR due" in str(app.screen.query_one("#counts").render()))
        counts = str(app.screen.query_one("#counts").render())
        assert "2 SAR due (1 overdue)" in counts
        refs = [str(table.get_row_at(index)[2]) for index in range(table.row_count)]
        # soonest first: the overdue request, then today's, then the case (its diary sheets
        # are due today too)
        assert refs == [overdue, due_today, case.ref], refs
        assert waiting not in refs and answered not in refs
        shown = screen_text(app)
        assert "[bold]Sio…" in shown  # typed text shown literally (cut to the column)
        assert "OVERDUE" in shown and "02/11/2026" in shown

        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app._notifications)
        (notice,) = list(app._notifications)
        assert f"{overdue}: the reply was due on 02/11/2026" in notice.message
        assert f"export sar --request {overdue}" in notice.message
        assert isinstance(app.screen, DashboardScreen)  # no case opened


Compare = Callable[..., bool]


def test_dashboard_with_subject_access_requests_snapshot(snap_compare: Compare) -> None:
    """Dashboard at 80x24 with two requests due (one overdue) among the cases: the counts line
    says so on a line of its own, each request is a line of the due list by its due date."""

    async def with_requests(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        rules = deadline_rules(make_config(filled.store.paths.data_dir), TODAY)
        _log(filled.store, rules, date(2026, 10, 20), "[bold]Siobhán[/] O'Neill")
        _log(filled.store, rules, date(2026, 10, 1), "Bob Baker")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 4)
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#counts").render()))
        await settled(pilot)

    assert snap_screen(snap_compare, "dashboard-sar", (80, 24), with_requests)
