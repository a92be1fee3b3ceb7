"""One case detail screen kept mounted for the dashboard, refilled for each case it opens.

A new CaseDetailScreen composes, styles and lays out nine tabs before its first frame, and is
removed again on the way back: most of the time of opening a case and of going back
(docs/performance.md). The dashboard keeps one, installed in the app so that Textual does not
remove it when it is dismissed, and shows the next case in it (`CaseDetailScreen.show_case`,
which blanks everything of the last case before the screen is shown again). On the way back it
is blanked too, once the dashboard is drawn, so the hidden screen holds no case's text.

The screen is composed before the first case is opened (`prepare`, once the dashboard's fresh
board is drawn): composing nine tabs was most of the first open after a start (~0.3-1 s). It
is mounted as one of the app's screens but never pushed, so it is not shown, does not take the
focus or any key from the dashboard, and holds no case until `open`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from asb_tui.screens.case_detail import CaseDetailScreen

_names = count(1)
# The longest an open waits for its read before showing the screen blank (the read is a few
# milliseconds on a quiet laptop; longer on a loaded one, when "Loading…" is shown meanwhile).
OPEN_WAIT_S = 0.08
_BOARD_FROZEN = False
# The longest a dashboard going (the app quitting) waits for its hidden screen's removal.
RELEASE_WAIT_S = 5.0


def _freeze_the_first_board() -> None:
    """Move the dashboard's first fresh board and the screens made with it (this one
    included) out of the cyclic collector's reach, once per process (as app.py does with what
    was made before the start).

    They live until the next whole computation, and every full collection walked them: at
    50,000 cases one took ~590 ms inside one case opened, at 5,000 cases 70-180 ms inside a
    tab switch (docs/performance.md). Once per process, so tests that start many apps keep at
    most one app's objects out of the collector's reach."""
    global _BOARD_FROZEN
    if not _BOARD_FROZEN:
        _BOARD_FROZEN = True
        gc.freeze()


class KeptCaseDetail:
    """The case detail screen one dashboard opens its cases in."""

    def __init__(self) -> None:
        self._screen: CaseDetailScreen | None = None
        self._name = f"kept-case-detail-{next(_names)}"

    def prepare(self, app: App[Any], read_ahead: str | None = None) -> None:
        """Compose and mount the screen now, hidden, with no case in it (once); then the case
        `read_ahead` is read and dropped (`CaseDetailScreen.read_ahead`) and what lives long
        is frozen (`_freeze_the_first_board`)."""
        if self._screen is not None:
            return
        from asb_tui.screens.case_detail import CaseDetailScreen

        screen = self._screen = CaseDetailScreen("", kept=True)
        app.install_screen(screen, self._name)
        # What push_screen does to a screen not yet running, without putting it on the stack:
        # it composes and mounts in its own task, styled as it mounts.
        app._register(app, screen)
        # Queued behind its compose and mount, which the screen runs first.
        if read_ahead:
            screen.call_later(screen.read_ahead, read_ahead)
        screen.call_later(_freeze_the_first_board)

    async def open(self, app: App[Any], case_id: str, on_back: Callable[[Any], None]) -> None:
        """Show `case_id` (`on_back(result)` once the officer leaves it).

        The kept screen is shown once its read has filled it in, or after `OPEN_WAIT_S` if the
        read takes longer (then blank, filled when the read comes): one layout of the screen
        rather than two. The caller is the dashboard's handler of the key, so the keys typed
        meanwhile wait for it (app.py `_hand_on_key`) and go to the case once it is shown."""
        # Imported when first opened: the dashboard's first frame does not wait for it.
        from asb_tui.screens.case_detail import CaseDetailScreen

        screen = self._screen
        if screen is not None and (not screen.is_mounted or screen in app.screen_stack):
            # Not usable as it is (still being composed, or showing): a new one, not kept.
            app.push_screen(CaseDetailScreen(case_id), on_back)
            return

        def back(result: Any) -> None:
            if self._screen is not None:
                # Once the dashboard is drawn, so the way back does not wait for it.
                app.call_after_refresh(self._blank_if_hidden, app)
            on_back(result)

        if screen is None:
            screen = self._screen = CaseDetailScreen(case_id, kept=True)
            app.install_screen(screen, self._name)
        else:
            opener = app.screen
            screen.show_case(case_id)
            await screen.wait_read(OPEN_WAIT_S)
            if screen.missing or app.screen is not opener or self._screen is not screen:
                # Not on this laptop (said so), or the app moved on meanwhile (it locked).
                self._blank_if_hidden(app)
                return
        app.push_screen(screen, back)

    def _blank_if_hidden(self, app: App[Any]) -> None:
        screen = self._screen
        if screen is not None and screen.is_mounted and screen not in app.screen_stack:
            screen.blank()

    async def release(self, app: App[Any]) -> None:
        """Let the screen go (its dashboard is going): uninstalled and removed, and only then
        does the dashboard's removal go on.

        Awaited, and whether or not it is mounted yet: removing it lets each of its widgets
        handle what is in its queue before its children are removed (the messages its tabs
        post one another as they mount). Left to the app's shutdown, which closes the widgets
        not on a screen stack in no particular order, the tabbed content could handle a tab
        activated once the tab was gone (NoMatches for the tabs' "Underline", or "No Tab with
        id '--content-tab-summary'", when the app quit just after the dashboard showed)."""
        screen, self._screen = self._screen, None
        if screen is None:
            return
        if screen in app.screen_stack:
            return  # the app is closing with the case shown: Textual removes its screens
        app.uninstall_screen(self._name)
        if screen.is_attached:
            removed = screen.remove()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(removed(), RELEASE_WAIT_S)
