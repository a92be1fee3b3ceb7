"""The header every screen shows: Textual's Header, safe when a screen goes as it comes.

Textual's Header updates its title from watchers that run one callback later. When a screen is
dismissed, or the app quits, inside that gap (a fast typist, a scripted session, a laptop under
load) the title widget is already gone and the watcher raises ``NoMatches``, which ends the app
with a traceback. This header refreshes the title only while the title widget is there.
"""

from __future__ import annotations

from textual import events
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class ScreenHeader(Header):
    """Header without a clock (the officer's laptop shows one) whose title watcher tolerates a
    screen being removed between the change and the refresh."""

    def __init__(self) -> None:
        super().__init__(show_clock=False)

    def _on_mount(self, event: events.Mount) -> None:
        # Header's own mount handler registers the unsafe watcher; stop it and do Widget's part.
        event.prevent_default()
        Widget._on_mount(self, event)

        def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except NoMatches:
                return  # the header is being removed; there is nothing to refresh

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
