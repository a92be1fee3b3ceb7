"""Capture and restore what is typed in a screen's inputs, so a half-typed form survives
auto-lock (kept encrypted in the store's local cache, store/cache/local_cache.py) and field forms
can be resumed.

An editing screen (screens/base.py) keeps its identified inputs this way; one with richer state
overrides `draft_state()`/`restore_draft()`. A restored field has its cursor at the
end, so the next words follow the old ones. `typed_since` tells whether a form holds typing that
Escape would throw away.
"""

from __future__ import annotations

from typing import Any

from textual.dom import DOMNode
from textual.widgets import Checkbox, Input, Select, Switch, TextArea


def collect_inputs(root: DOMNode) -> dict[str, Any]:
    """Values of every identified input below `root`, keyed by widget id."""
    state: dict[str, Any] = {}
    for widget in root.query("Input, TextArea, Select, Checkbox, Switch"):
        if not widget.id:
            continue
        if isinstance(widget, Input):
            state[widget.id] = widget.value
        elif isinstance(widget, TextArea):
            state[widget.id] = widget.text
        elif isinstance(widget, Select):
            value = widget.value
            state[widget.id] = None if widget.is_blank() else value
        elif isinstance(widget, Checkbox | Switch):
            state[widget.id] = bool(widget.value)
    return state


def restore_inputs(root: DOMNode, state: dict[str, Any]) -> None:
    for widget_id, value in state.items():
        matches = root.query(f"#{widget_id}")
        if not matches:
            continue
        widget = matches.first()
        if isinstance(widget, Input) and isinstance(value, str):
            widget.value = value
            widget.cursor_position = len(value)
        elif isinstance(widget, TextArea) and isinstance(value, str):
            widget.text = value
            widget.move_cursor(widget.document.end)
        elif isinstance(widget, Select) and value is not None:
            try:
                widget.value = value
            except Exception:  # noqa: S112 - an option that no longer exists: leave it blank
                continue
        elif isinstance(widget, Checkbox | Switch) and isinstance(value, bool):
            widget.value = value


def _blank(value: Any) -> bool:
    return value is None or value is False or value == "" or value == []


def typed_since(baseline: dict[str, Any], current: dict[str, Any]) -> bool:
    """True when some field differs from what it held at `baseline` (a field that was not there
    and is blank now counts as unchanged)."""
    for key in baseline.keys() | current.keys():
        before, now = baseline.get(key), current.get(key)
        if before != now and not (_blank(before) and _blank(now)):
            return True
    return False
