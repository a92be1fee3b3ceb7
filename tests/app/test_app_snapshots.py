"""Snapshots of the key screens at 80x24 and 120x40 (fixed today, fixed references, no clock).

Regenerate after a deliberate change with `pytest tests/app/test_app_snapshots.py
--snapshot-update`, then look at the SVGs under tests/app/__snapshots__/.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from app_testkit import TODAY, make_app, wait_for
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual_testkit import settle

from asb_tui.domain.risk import load_questionnaire
from asb_tui.store.commands import cases
from asb_tui.store.core.case_refs import set_series_tag
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.queries.deadline_facts import deadline_rules

PASSPHRASE = "correct horse battery staple"
SIZES = [(80, 24), (120, 40)]


def fixed_dir(name: str, size: tuple[int, int]) -> Path:
    """The unlock screen shows the store's folder, so snapshots need the same path each run; one
    folder per test and size, since the two sizes may run at once on two workers."""
    path = Path(tempfile.gettempdir()) / "asb-tui-snapshots" / f"{name}-{size[0]}x{size[1]}"
    shutil.rmtree(path, ignore_errors=True)
    return path


async def settled(pilot: Pilot) -> None:
    """Let the workers finish and their rows arrive, then tables size their columns (on idle)."""
    await settle(pilot, rounds=2)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def filled_store(data_dir: Path) -> tuple[Store, str]:
    """Three cases with fixed references: high risk, standard, and a new referral."""
    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Test Officer")
    with store.write() as uow:
        set_series_tag(uow, "TST")
    app = make_app(data_dir)
    rules = deadline_rules(app.config, TODAY)
    questionnaire = load_questionnaire()
    high = cases.refer_case(
        store,
        category="personal",
        summary="Threats and eggs thrown at the windows",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="[bold]Smith[/]",
        location="12 Mill Lane",
    )
    cases.accept_case(
        store,
        high.id,
        on=TODAY,
        questionnaire=questionnaire,
        rules=rules,
        answers={q.id: q.answers[-1].id for q in questionnaire.questions},
    )
    cases.add_person(store, high.id, name="Łukasz Wójcik", role="witness", address="14 Mill Lane")
    with store.write() as uow:
        uow.add(
            Incident(
                case_id=high.id,
                occurred_on=TODAY,
                occurred_time="22:40",
                description="Eggs thrown at the front window [/",
            ),
            action="incident.add",
        )
    standard = cases.refer_case(
        store,
        category="nuisance",
        summary="Loud music most weekends",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="محمد العلي",
    )
    cases.accept_case(
        store,
        standard.id,
        on=TODAY,
        questionnaire=questionnaire,
        rules=rules,
        answers={q.id: q.answers[0].id for q in questionnaire.questions},
    )
    cases.refer_case(
        store,
        category="environmental",
        summary="Fly-tipping behind the shops",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Zoë Jones",
    )
    return store, high.id


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_run_snapshot(snap_compare, size) -> None:
    """First run: create a store or load demo data."""
    app = make_app(fixed_dir("first-run", size))
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_unlock_snapshot(snap_compare, size) -> None:
    """Unlock after a wrong passphrase: the message, the field ready for another try."""
    data_dir = fixed_dir("unlock", size)
    store, _ = create_store(data_dir, PASSPHRASE, actor="Test Officer")
    store.close()
    app = make_app(data_dir)

    async def wrong_passphrase(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "UnlockScreen")
        await pilot.press(*"not it", "enter")
        await wait_for(
            pilot, lambda: "Wrong" in str(app.screen.query_one("#unlock-error").render())
        )
        # A blinking cursor would make the picture depend on the moment it is taken.
        field = app.screen.query_one("#passphrase")
        field.cursor_blink = False
        await wait_for(pilot, lambda: field.has_focus)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=wrong_passphrase)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_snapshot(snap_compare, size) -> None:
    """Dashboard: open cases by next deadline with RAG colours, counts and sync state."""
    store, _ = filled_store(fixed_dir("dashboard", size))
    app = make_app(store.paths.data_dir, store)

    async def loaded(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 2)
        # The Case Review count arrives just after the table.
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#counts").render()))
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_case_detail_snapshot(snap_compare, size) -> None:
    """Case detail of a high-risk case: summary tab with its deadlines."""
    store, case_id = filled_store(fixed_dir("case-detail", size))
    app = make_app(store.paths.data_dir, store)

    async def opened(pilot: Pilot) -> None:
        from asb_tui.screens.case_detail import CaseDetailScreen

        await wait_for(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")
        await app.push_screen(CaseDetailScreen(case_id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)
