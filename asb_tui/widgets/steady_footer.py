"""The footer, rebuilt only when what it shows changes.

Textual's Footer recomposes (a new widget for every key shown, each styled afresh) whenever the
screen's bindings may have changed: on every focus change and every `refresh_bindings()`,
whether or not a key came or went. On the case detail that was most of a tab switch's time
(cProfile: the footer's keys' styling ~6 s of 54 s over a run of the screens benchmark). This
footer compares what it would show with what it shows and recomposes only when they differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class SteadyFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[object, ...] | None = None
        self._pending = False  # a recompose is scheduled and has not run yet
        self._held = False  # the keys shown stay as they are until `release()`

    def _looks(self, screen: Screen[object]) -> tuple[object, ...]:
        """Everything of the screen's bindings that the footer draws."""
        app = screen.app
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    binding.group,
                    enabled,
                    tooltip,
                )
                for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
                if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
            ),
        )

    def compose(self) -> ComposeResult:
        # What is composed is read here, when it is composed, not when a change was signalled.
        self._pending = False
        if self._bindings_ready:
            self._shown = self._looks(self.screen)
        yield from super().compose()

    def hold(self) -> None:
        """Leave the keys shown as they are until `release()`.

        For a screen reused for its next record while that record is read (the case detail:
        screens/case_detail_kept.py). Without it the footer is rebuilt twice on the way: to
        every key disabled (nothing read yet), then back to what it showed, usually the same
        keys for a case of the same status; each rebuild is a large part of opening a case.
        The keys themselves follow the screen's `check_action` meanwhile: only their display
        waits."""
        self._held = True

    def release(self) -> None:
        """Show the screen's keys again (rebuilt only if they differ from those shown)."""
        if self._held:
            self._held = False
            if self.is_attached:
                # From the footer's own message queue: a rebuild scheduled from the screen's
                # handler would run in the screen's context, where Textual's footer cannot
                # bind its keys (ReactiveError).
                self.call_later(self.bindings_changed, self.screen)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._held:
            return
        if self.is_attached and not screen.is_current:
            # A screen composed or changed while hidden (the kept case detail): Textual's
            # footer would schedule its rebuild on the screen shown, and rebuild it there. It
            # is looked at again when its screen is shown (which refreshes its bindings).
            self._bindings_ready = True
            return
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # schedules nothing: no recompose is pending
            return
        # A recompose already pending reads the bindings when it runs: one is enough (a screen
        # signals four or five times while it opens).
        if self._pending or (self._shown is not None and self._looks(screen) == self._shown):
            self._bindings_ready = True
            return
        self._pending = True
        super().bindings_changed(screen)
