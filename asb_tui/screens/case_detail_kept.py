"""One case detail screen kept mounted for the dashboard, refilled for each case it opens.

A new CaseDetailScreen composes, styles and lays out nine tabs before its first frame, and is
removed again on the way back: most of the time of opening a case and of going back
(docs/performance.md). The dashboard keeps one, installed in the app so that Textual does not
remove it when it is dismissed, and shows the next case in it (`CaseDetailScreen.show_case`,
which blanks everything of the last case before the screen is shown again). On the way back it
is blanked too, once the dashboard is drawn, so the hidden screen holds no case's text.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from asb_tui.screens.case_detail import CaseDetailScreen

_names = count(1)


class KeptCaseDetail:
    """The case detail screen one dashboard opens its cases in."""

    def __init__(self) -> None:
        self._screen: CaseDetailScreen | None = None
        self._name = f"kept-case-detail-{next(_names)}"

    def open(self, app: App[Any], case_id: str, on_back: Callable[[Any], None]) -> None:
        """Show `case_id` (`on_back(result)` once the officer leaves it)."""
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
            screen = self._screen = CaseDetailScreen(case_id)
            app.install_screen(screen, self._name)
        else:
            screen.show_case(case_id)
        app.push_screen(screen, back)

    def _blank_if_hidden(self, app: App[Any]) -> None:
        screen = self._screen
        if screen is not None and screen.is_mounted and screen not in app.screen_stack:
            screen.blank()

    def release(self, app: App[Any]) -> None:
        """Let the screen go (its dashboard is going): uninstalled and removed."""
        screen, self._screen = self._screen, None
        if screen is None:
            return
        if screen in app.screen_stack:
            return  # the app is closing: Textual removes its screens itself
        app.uninstall_screen(self._name)
        if screen.is_mounted:
            screen.remove()
