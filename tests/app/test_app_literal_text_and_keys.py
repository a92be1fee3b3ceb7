"""Hostile text renders literally (never markup, never a crash); help and the command palette
list every action from the screens' own bindings."""

from __future__ import annotations

from pathlib import Path

from app_testkit import TODAY, make_app, screen_as, screen_text, wait_for, wait_for_screen
from textual.widgets import DataTable, Select

from asb_tui.screens.accept_form import AcceptFormScreen
from asb_tui.screens.case_detail import CASE_DETAIL_BINDINGS, CaseDetailScreen
from asb_tui.screens.help import HelpScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store

HOSTILE = [
    "[bold]Smith[/]",
    "[/]",
    "[/",
    "[0]",
    "[[x]]",
    "Red\x1b[31mAlert",
    "Zoë 🙂 Nowak-Wójcik Łukasz",
    "محمد العلي",
]


async def test_hostile_names_render_literally_everywhere(store: Store, data_dir: Path) -> None:
    new = cases.refer_case(
        store,
        category="personal",
        summary="[/ broken markup [b]summary",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name=HOSTILE[0],
    )
    for name in HOSTILE[1:]:
        cases.add_person(store, new.id, name=name, role="witness", address="[i]1 High St[/i]")
    with store.write() as uow:
        uow.add(
            Incident(case_id=new.id, occurred_on=TODAY, description="[red]shouted[/red] [/"),
            action="incident.add",
        )
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("a")  # all cases: the referral is not open yet
        await pilot.press("l")
        await wait_for_screen(pilot, "CaseListScreen")
        app.screen.query_one("#filter-status", Select).clear()
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 1)
        # The row is in the table before it is painted: wait for the screen to show it.
        await wait_for(pilot, lambda: "[/ broken markup [b]summary" in screen_text(app))
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(pilot, lambda: screen_as(app, CaseDetailScreen).detail is not None)
        summary = screen_text(app)
        assert "[bold]Smith[/]" in summary
        assert "[/ broken markup [b]summary" in summary
        await pilot.press("2")  # People
        await pilot.pause()
        people = screen_text(app)
        for name in ["[bold]Smith[/]", "[/]", "[0]", "[[x]]", "محمد العلي", "[i]1 High St[/i]"]:
            assert name in people, name
        assert "Red\\x1b[31mAlert" in people  # the escape is shown, not sent to the terminal
        assert "Zoë 🙂 Nowak-Wójcik" in people
        await pilot.press("3")  # Incidents
        await pilot.pause()
        assert "[red]shouted[/red] [/" in screen_text(app)
        await pilot.press("9")  # Timeline
        await pilot.pause()
        assert "[red]shouted[/red] [/" in screen_text(app)


def test_help_lists_every_key_of_the_case_detail_screen() -> None:
    from asb_tui.app import AsbApp
    from asb_tui.screens import help as help_module

    classes = help_module.documented_classes()
    assert CaseDetailScreen in classes
    described = {b.description for b in help_module.own_bindings(CaseDetailScreen)}
    for binding in CASE_DETAIL_BINDINGS:
        assert binding.description in described  # type: ignore[union-attr]
    assert {"Lock", "Help"} <= {b.description for b in help_module.own_bindings(AsbApp)}


async def test_help_screen_and_palette_show_the_case_actions(store: Store, data_dir: Path) -> None:
    new = cases.refer_case(
        store, category="nuisance", summary="Bins set alight", referred_on=TODAY, officer="x"
    )
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        app.push_screen(CaseDetailScreen(new.id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        case_screen = app.screen
        await pilot.press("f1")
        await wait_for_screen(pilot, "HelpScreen")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen._help_text().plain
        assert "Case detail  (this screen)" in text
        for words in (
            "Reassess risk",
            "Close case",
            "Add person",
            "Accept",
            "Lock",
            "New referral",
        ):
            assert words in text, words
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is case_screen

        from asb_tui.widgets.command_provider import ScreenActionsProvider

        provider = ScreenActionsProvider(case_screen)
        hits = [hit async for hit in provider.discover()]
        names = {hit.text for hit in hits}
        assert {"Accept", "Add person", "Add action", "Close case", "Lock"} <= names
        assert "Reopen case" not in names  # not for an open referral
        # Running a hit from the palette runs the screen's action.
        accept = next(hit for hit in hits if hit.text == "Accept")
        await accept.command()
        await wait_for_screen(pilot, "AcceptFormScreen")
        await wait_for(pilot, lambda: screen_as(app, AcceptFormScreen).questionnaire is not None)
