"""A screen's header survives the screen going before its title refresh runs: Textual's own
Header raises NoMatches there (seen under load when a test, or a fast officer, leaves a screen at
once), which ends the app with a traceback."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.widgets._header import HeaderTitle

from asb_tui.widgets.screen_header import ScreenHeader


class _Titled(Screen[None]):
    def __init__(self, header: type[Header]) -> None:
        super().__init__()
        self._header = header

    def compose(self) -> ComposeResult:
        yield ScreenHeader() if self._header is ScreenHeader else Header()
        yield Static("body")


class _Harness(App[None]):
    def __init__(self, header: type[Header]) -> None:
        super().__init__()
        self._header = header

    def on_mount(self) -> None:
        self.push_screen(_Titled(self._header))


async def _leave_at_once(header: type[Header]) -> BaseException | None:
    app = _Harness(header)
    try:
        async with app.run_test() as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, _Titled)
            title = screen.query_one(header)
            # A title change queues a refresh; the header's children go before it runs.
            await title.remove_children()
            screen.sub_title = "changed"
            await pilot.pause()
    except Exception as error:  # the failure under test is whatever Textual raises
        return error
    return None


async def test_the_header_title_refresh_tolerates_its_title_being_gone() -> None:
    assert await _leave_at_once(ScreenHeader) is None


async def test_textuals_own_header_fails_there_which_is_why_screens_use_ours() -> None:
    # If Textual fixes this, this test fails and ScreenHeader can go.
    assert await _leave_at_once(Header) is not None


async def test_the_header_shows_the_screen_title() -> None:
    app = _Harness(ScreenHeader)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.sub_title = "Vulnerable Victims Conference"
        await pilot.pause()
        shown = app.screen.query_one(ScreenHeader).query_one(HeaderTitle).render()
        assert "Vulnerable Victims Conference" in str(shown)
