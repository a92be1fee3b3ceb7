"""The case detail fills only the tab in view, the others when first shown, and rebuilds the
footer's keys only when what they depend on changes (the real app, a real store)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app_testkit import (
    TODAY,
    accepted_case,
    case_detail_shown,
    make_app,
    screen_as,
    screen_text,
    wait_for,
    wait_for_screen,
)
from textual.widgets import DataTable, TabbedContent
from textual.widgets._footer import FooterKey

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store
from asb_tui.widgets.steady_footer import SteadyFooter


def _case_with_actions(store: Store, data_dir: Path) -> tuple[str, str, str]:
    """An accepted case (with the tasks acceptance makes), a witness, and one open and one done
    action of the officer's: (case, the open action, the done action)."""
    case_id = accepted_case(store, data_dir, "Ann Lake")
    cases.add_person(store, case_id, name="Bob Witness", role="witness")
    done = cases.add_action(store, case_id, title="Call the landlord", due_on=TODAY)
    cases.complete_action(store, done, on=TODAY)
    still_open = cases.add_action(
        store, case_id, title="Write to the council", due_on=TODAY + timedelta(days=30)
    )
    return case_id, still_open, done


async def test_tabs_are_filled_when_first_shown_and_after_a_reload(
    store: Store, data_dir: Path
) -> None:
    case_id, _open, _done = _case_with_actions(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        assert not screen.query("#people-table")  # not shown yet: not even mounted
        assert "Ann Lake" in screen_text(app)  # the summary is filled

        await pilot.press("2")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "people")
        await pilot.pause()
        people = screen.query_one("#people-table", DataTable)
        assert people.row_count == 2
        shown = screen_text(app)
        assert "Ann Lake" in shown and "Bob Witness" in shown

        # A write while another tab is in view: the Actions tab shows it when next shown.
        assert app.store is not None and screen.detail is not None
        actions_before = len(screen.detail.actions)
        cases.add_action(app.store, case_id, title="Visit the neighbour", due_on=TODAY)
        reads = screen._reads
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen._reads == reads + 1)
        assert people.row_count == 2  # the tab in view is filled again at once
        await pilot.press("5")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "actions")
        await pilot.pause()
        actions = screen.query_one("#actions-table", DataTable)
        assert actions.row_count == actions_before + 1
        assert "Visit the neighbour" in screen_text(app)


async def test_action_done_key_follows_the_cursor_without_rebuilding_the_footer_each_row(
    store: Store, data_dir: Path
) -> None:
    case_id, still_open, done = _case_with_actions(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        rebuilt: list[None] = []
        plain = screen.refresh_bindings

        def counted() -> None:
            rebuilt.append(None)
            plain()

        screen.refresh_bindings = counted  # type: ignore[method-assign]

        def done_enabled() -> bool:
            return bool(app.screen.active_bindings["x"].enabled)

        await pilot.press("5")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "actions")
        actions = screen.query_one("#actions-table", DataTable)
        await wait_for(pilot, lambda: actions.row_count > 2)
        actions.move_cursor(row=actions.get_row_index(done), animate=False)
        await wait_for(pilot, lambda: not done_enabled())
        actions.move_cursor(row=actions.get_row_index(still_open), animate=False)
        await wait_for(pilot, done_enabled)
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)

        # Moving along a tab of dated entries changes no key: the footer is left alone.
        await pilot.press("9")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "timeline")
        timeline = screen.query_one("#timeline-table", DataTable)
        timeline.focus()
        await wait_for(pilot, lambda: timeline.row_count > 2)
        await pilot.pause()
        before = len(rebuilt)
        for _ in range(3):
            await pilot.press("down")
        await pilot.pause()
        assert timeline.cursor_row == 3
        assert len(rebuilt) == before
        assert not done_enabled()
        screen_as(app, CaseDetailScreen)


async def test_the_footer_is_recomposed_only_when_its_keys_change(
    store: Store, data_dir: Path
) -> None:
    case_id, _open, _done = _case_with_actions(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        footer = screen.query_one(SteadyFooter)

        def close_key_enabled() -> bool:
            keys = [key for key in footer.query(FooterKey) if key.key == "C"]
            return bool(keys) and not keys[0].disabled

        # Loaded, the case's keys are enabled: that change was drawn.
        await wait_for(pilot, close_key_enabled)
        await pilot.pause()
        keys = list(footer.query(FooterKey))
        # Tab switches move the focus (each tab's table) and change no key shown.
        for number in ("2", "3", "9", "1"):
            await pilot.press(number)
            await pilot.pause()
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "summary")
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys  # the same widgets: not recomposed


async def test_a_long_entry_is_cut_in_its_row_and_shown_whole_in_its_record(
    store: Store, data_dir: Path
) -> None:
    from asb_tui.screens.record_view import RecordScreen

    case_id = accepted_case(store, data_dir, "Ann Lake")
    ending = "and the music stopped at four in the morning."
    body = "Shouting on the landing.\n" + "The neighbour banged on the wall " * 20 + ending
    cases.add_note(store, case_id, body=body)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        await pilot.press("9")  # the Timeline
        await wait_for(pilot, lambda: screen.query("#timeline-table"))
        table = screen.query_one("#timeline-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        details = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        (shown,) = [detail for detail in details if detail.startswith("Shouting")]
        # One line (the newline is a space), cut where no screen could show more of it.
        assert shown.startswith("Shouting on the landing. The neighbour banged")
        assert 100 < len(shown) <= 120 and shown.endswith("…")  # as wide as the screen
        assert ending not in shown
        # Its column is no wider than the cut: every row is drawn that wide.
        assert max(column.get_render_width(table) for column in table.columns.values()) <= (
            120 + 2 * table.cell_padding
        )
        # Enter shows the note whole.
        table.focus()
        table.move_cursor(row=details.index(shown), animate=False)
        await pilot.press("enter")
        await wait_for_screen(pilot, "RecordScreen")
        await wait_for(pilot, lambda: screen_as(app, RecordScreen).view is not None)
        view = screen_as(app, RecordScreen).view
        assert view is not None
        assert any(ending in value for _name, value in view.lines)
