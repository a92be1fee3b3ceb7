"""FrameStyledTable draws exactly what Textual's DataTable draws (its styles are only worked out
once per frame), focused or not, after a restyle, with the cursor anywhere."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from asb_tui.widgets.frame_styled_table import FrameStyledTable


class _Tables(App[None]):
    AUTO_FOCUS = None  # neither table has the focus until the test gives it
    CSS = """
    Vertical { height: 1fr; }
    .outer { background: $boost; }
    DataTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        for table in (
            DataTable[object](id="plain", cursor_type="row"),
            FrameStyledTable[object](id="framed", cursor_type="row"),
        ):
            with Vertical(classes="outer"), Vertical():
                yield table


def _fill(table: DataTable[object]) -> None:
    table.add_columns("Date", "What", "Detail")
    for n in range(30):
        table.add_row(
            Text(f"{n + 1:02d}/03/2026"),
            Text("Home visit", style="bold" if n % 3 else ""),
            Text("Noise from the flat above " * (n % 4), style="red" if n % 5 == 0 else ""),
            key=str(n),
        )


def _drawn(table: DataTable[object]) -> list[list[tuple[str, object]]]:
    table._clear_caches()
    table._styles_cache.clear()
    lines: list[Strip] = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return [[(segment.text, segment.style) for segment in line] for line in lines]


async def test_draws_the_same_lines_as_datatable() -> None:
    app = _Tables()
    async with app.run_test(size=(100, 30)) as pilot:
        plain = app.query_one("#plain", DataTable)
        framed = app.query_one("#framed", FrameStyledTable)
        _fill(plain)
        _fill(framed)
        await pilot.pause()
        assert plain.size == framed.size and plain.size.height > 5
        assert _drawn(framed) == _drawn(plain)

        for table in (plain, framed):
            table.move_cursor(row=4, animate=False)
        await pilot.pause()
        unfocused = _drawn(framed)
        assert unfocused == _drawn(plain)

        # Focused, each in turn: the focus restyles the table (its cursor and tint change), and
        # the framed one draws the new styles, not the ones of an earlier frame.
        framed.focus()
        await pilot.pause()
        focused = _drawn(framed)
        assert focused != unfocused
        plain.focus()
        await pilot.pause()
        assert _drawn(plain) == focused
        assert framed.rich_style == DataTable.rich_style.fget(framed)  # type: ignore[attr-defined]

        # A theme change restyles both (neither focused): the framed one follows it too.
        app.set_focus(None)
        await pilot.pause()
        before = _drawn(framed)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = _drawn(framed)
        assert after != before
        assert after == _drawn(plain)
