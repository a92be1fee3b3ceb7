"""Keys typed before a screen has focused anything are kept for the first widget it focuses.

When a screen is pushed, Textual routes keys to the screen itself until a widget has focus, and a
key that reaches a screen with no binding for it is dropped: type-ahead into a form that has only
just opened lost its first characters. A screen with this mixin keeps such keys, in the order they
came, and hands them to the widget it focuses first, in the same step as the focus moves, so a key
typed later can never overtake them. A screen with nothing to focus gets them back once it has
been drawn (its bindings then see them as before); one that focuses only after loading something
sets `holds_keys_until_focus` and always focuses something afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen[Any]
else:
    _Base = object


class KeepsEarlyKeys(_Base):
    holds_keys_until_focus = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._early_keys: list[events.Key] = []
        self._early_keys_done = False

    def _forward_event(self, event: events.Event) -> None:
        # Called by the app for a key only when nothing on this screen has focus.
        if isinstance(event, events.Key) and not self._early_keys_done:
            self._early_keys.append(event)
            return
        super()._forward_event(event)

    def set_focus(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().set_focus(widget, *args, **kwargs)
        if self.focused is not None:
            self._release_early_keys(self.focused)

    def _on_mount(self, event: events.Mount) -> None:
        if not self.holds_keys_until_focus:
            self.call_after_refresh(self._release_if_unfocused)

    def _release_if_unfocused(self) -> None:
        if self.focused is None:
            self._release_early_keys(None)

    def _release_early_keys(self, target: Any) -> None:
        if self._early_keys_done:
            return
        self._early_keys_done = True
        held, self._early_keys = self._early_keys, []
        for event in held:
            if target is None:
                super()._forward_event(event)
            else:
                target._forward_event(event)
