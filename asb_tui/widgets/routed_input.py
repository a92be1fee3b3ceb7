"""Inputs that apply each key the moment the app routes it to them.

An Input normally handles its keys later, from its own queue. A priority binding (Enter to
accept a prompt, Escape to leave it) acts when its key is routed, so without this it would read
the field before the keys typed just ahead of it had arrived ("Dee" + Enter accepted ""). These
inputs type printable keys, pastes and their own editing keys (arrows, backspace, home...) at once,
so whatever acts on the next key sees everything typed before it. Keys the input has no use for go
on as usual.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import parse
from textual.widgets import Input
from textual.widgets.input import Selection

from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    _Base = Input
else:
    _Base = object


class AppliesKeysAsRouted(_Base):
    _focus_seen = False  # this focus has been handled (its Focus event, or a key before it)
    _skip_focus_selection = False

    def _forward_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste):
            self._arrived_focused()
        if isinstance(event, events.Key) and self._apply_key(event):
            return
        if isinstance(event, events.Paste):
            lines = event.text.splitlines()  # one line, as a plain Input takes it
            if lines:
                self._type(lines[0])
            return
        super()._forward_event(event)

    def _arrived_focused(self) -> None:
        """A key came before the Focus event: select now, as that event would (so typing
        replaces an offered value), and keep the event from selecting again later."""
        if self.has_focus and not self._focus_seen:
            self._focus_seen = True
            self._skip_focus_selection = True
            if self.select_on_focus:
                self.selection = Selection(0, len(self.value))

    def _on_focus(self, event: events.Focus) -> None:
        # Runs before Input's own focus handler, which selects everything.
        self._focus_seen = True
        if self._skip_focus_selection:
            self._skip_focus_selection = False
            keep, self.select_on_focus = self.select_on_focus, False
            self.call_next(setattr, self, "select_on_focus", keep)

    def _on_blur(self, event: events.Blur) -> None:
        self._focus_seen = False
        self._skip_focus_selection = False

    def _type(self, text: str) -> None:
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    def _apply_key(self, event: events.Key) -> bool:
        if event.is_printable and event.character is not None:
            self._type(event.character)
            return True
        for binding in self._bindings.key_to_bindings.get(event.key, []):
            name, arguments, _namespace = _parts(binding.action)
            method = getattr(self, f"action_{name}", None)
            if name == "submit" or method is None or inspect.iscoroutinefunction(method):
                return False  # Enter and clipboard actions go the usual way
            method(*arguments)
            return True
        return False


def _parts(action: str) -> tuple[str, tuple[Any, ...], str]:
    namespace, name, arguments = parse(action)
    return name, arguments, namespace


class RoutedInput(AppliesKeysAsRouted, Input):
    pass


class RoutedDateField(AppliesKeysAsRouted, DateField):
    pass
