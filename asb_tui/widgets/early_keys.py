"""Keys typed before a screen has focused anything are kept for the first widget it focuses.

When a screen is pushed, Textual routes keys to the screen itself until a widget has focus, and a
key that reaches a screen with no binding for it is dropped: type-ahead into a form that has only
just opened lost its first characters. A screen with this mixin keeps such keys, in the order they
came, and hands them on in the same step as the focus moves, so a key typed later can never
overtake them. Its own bindings wait too (`holding_keys`: a screen's `check_action` refuses them
meanwhile, so their keys are kept with the rest) and act in their turn when the keys are handed
on. A screen with nothing to focus gets its keys back once it has been drawn; one that focuses
only after loading something sets `holds_keys_until_focus` and always focuses something after.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import parse

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

    @property
    def holding_keys(self) -> bool:
        return not self._early_keys_done

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.holding_keys:
            return False
        return super().check_action(action, parameters)

    def _forward_event(self, event: events.Event) -> None:
        # Called by the app for a key only when nothing on this screen has focus.
        if isinstance(event, events.Key) and self.holding_keys:
            self._early_keys.append(event)
            return
        super()._forward_event(event)

    def set_focus(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().set_focus(widget, *args, **kwargs)
        if self.focused is not None:
            self._release_early_keys()

    def _on_mount(self, event: events.Mount) -> None:
        if not self.holds_keys_until_focus:
            self.call_after_refresh(self._release_if_unfocused)

    def _release_if_unfocused(self) -> None:
        if self.focused is None:
            self._release_early_keys()

    def _release_early_keys(self) -> None:
        if self._early_keys_done:
            return
        self._early_keys_done = True
        self.refresh_bindings()  # the footer shows this screen's keys again
        held, self._early_keys = self._early_keys, []
        for event in held:
            if self.app.screen is self and self._run_own_binding(event.key):
                continue
            target = self.app.focused
            if target is None or target.screen is not self.app.screen:
                self.app.screen._forward_event(event)
            else:
                target._forward_event(event)

    def _run_own_binding(self, key: str) -> bool:
        """Act on a held key that one of this screen's priority bindings takes."""
        for binding in self._bindings.key_to_bindings.get(key, []):
            if not binding.priority:
                continue
            _namespace, name, arguments = parse(binding.action)
            method = getattr(self, f"action_{name}", None)
            if method is None or inspect.iscoroutinefunction(method):
                continue
            if self.check_action(name, arguments):
                method(*arguments)
                return True
        return False
