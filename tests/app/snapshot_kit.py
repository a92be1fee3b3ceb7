"""Helpers for the snapshot tests (not a test module): a store filled through the store's own
commands on a fixed date with fixed references, and the steps that open each screen in the real
AsbApp. Regenerate after a deliberate change with `pytest tests/app -k snapshot
--snapshot-update`, then look at the SVGs under tests/app/__snapshots__/."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from app_testkit import TODAY, make_app, wait_for, wait_for_screen
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea
from textual_testkit import settle

from asb_tui.app import AsbApp
from asb_tui.domain.risk import load_questionnaire
from asb_tui.store.commands import cases, diary
from asb_tui.store.core.case_refs import set_series_tag
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.queries.deadline_facts import deadline_rules

PASSPHRASE = "correct horse battery staple"
SIZES = [(80, 24), (120, 40)]
SMALL = [(80, 24)]


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def fixed_dir(name: str, size: tuple[int, int]) -> Path:
    """The unlock screen shows the store's folder, so snapshots need the same path each run; one
    folder per test and size, since the two sizes may run at once on two workers."""
    path = Path(tempfile.gettempdir()) / "asb-tui-snapshots" / f"{name}-{size_id(size)}"
    shutil.rmtree(path, ignore_errors=True)
    return path


def still(app: AsbApp) -> None:
    """A blinking cursor would make the picture depend on the moment it is taken."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


async def settled(pilot: Pilot[Any]) -> None:
    """Let the workers finish and their rows arrive, then tables size their columns (on idle)
    and a focused field's container scrolls it into view (an animation)."""
    await settle(pilot, rounds=2)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.wait_for_animation()
    await pilot.pause()


@dataclass(frozen=True)
class Filled:
    store: Store
    high: str  # accepted, high risk: a VVC referral, an incident from a diary sheet, a note
    standard: str  # accepted, standard risk, an action on its plan
    new: str  # referred, not yet accepted


def filled_store(data_dir: Path) -> Filled:
    """Three cases with fixed references (ASB-TST-…): high risk, standard, and a new referral,
    made with the store's commands on TODAY."""
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
    sheet = diary.record_sheets_sent(store, high.id, sent_on=TODAY - timedelta(days=14))
    diary.add_diary_entry(
        store,
        sheet.id,
        diary.DiaryEntry(
            occurred_on=TODAY - timedelta(days=3),
            occurred_time="22:40",
            description="Eggs thrown at the front window [/",
            who_involved="Two lads from no. 16",
            impact="Could not sleep",
            reported_on=TODAY - timedelta(days=2),
            reported_to=("council",),
        ),
        typed_on=TODAY,
    )
    cases.add_note(store, high.id, body="Victim asked for calls after 6pm only.")
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
    cases.add_action(
        store,
        standard.id,
        title="Letter to the tenant about the music",
        due_on=TODAY + timedelta(days=7),
        owner="Test Officer",
    )
    new = cases.refer_case(
        store,
        category="environmental",
        summary="Fly-tipping behind the shops",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Zoë Jones",
    )
    return Filled(store, high.id, standard.id, new.id)


Steps = Callable[[Pilot[Any], AsbApp, Filled], Awaitable[None]]


def snap_screen(
    snap_compare: Callable[..., bool], name: str, size: tuple[int, int], steps: Steps
) -> bool:
    """Open the real app on a filled store, take `steps` from the dashboard, and compare the
    picture once every worker has finished."""
    filled = filled_store(fixed_dir(name, size))
    app = make_app(filled.store.paths.data_dir, filled.store)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_screen(pilot, "DashboardScreen")
        await settled(pilot)
        await steps(pilot, app, filled)
        await settled(pilot)
        still(app)
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def open_case(pilot: Pilot[Any], app: AsbApp, case_id: str) -> None:
    """The case detail screen of `case_id`, loaded."""
    from asb_tui.screens.case_detail import CaseDetailScreen

    app.push_screen(CaseDetailScreen(case_id))
    await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
    await settled(pilot)


def keys_from_dashboard(screen: str, *keys: str) -> Steps:
    """Press `keys` on the dashboard; `screen` (a class name) is then shown."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await pilot.press(*keys)
        await wait_for_screen(pilot, screen)

    return steps


def keys_on_case(which: str, screen: str, *keys: str, tab: tuple[str, str] | None = None) -> Steps:
    """Open case `which` ("high", "standard" or "new"), optionally go to `tab` (its key and id)
    and focus its table, press `keys`; `screen` (a class name) is then shown."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await open_case(pilot, app, getattr(filled, which))
        if tab is not None:
            key, tab_id = tab
            await pilot.press(key)
            await settled(pilot)
            app.screen.query_one(f"#{tab_id}-table", DataTable).focus()
            await pilot.pause()
        await pilot.press(*keys)
        await wait_for_screen(pilot, screen)

    return steps
