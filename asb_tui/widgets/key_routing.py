"""Who a key belongs to at the moment: an open dropdown, a widget that owns its keys, a field
that has keys typed ahead still to take. Screens ask before acting on Tab, shift+tab, Escape."""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode
from textual.widgets import Select


def dropdown_open(root: DOMNode) -> bool:
    """A Select's list is open: Escape and Tab belong to it."""
    return any(select.expanded for select in root.query(Select))


def has_unread_keys(widget: object) -> bool:
    """The widget has messages (keys typed ahead) it has not handled yet: its value is not yet
    what was typed, so Escape must not judge it empty. Textual keeps the queue private, hence the
    careful look; when it cannot be read, the keys are taken to be there."""
    if widget is None:
        return False
    queue = getattr(widget, "_message_queue", None)
    if queue is None:
        return True
    try:
        # Only keys and pastes are typing: a focus or resize message still queued right after
        # the form opened is not, and must not make an untouched form ask before closing.
        pending = list(queue.values)  # textual._queue.Queue keeps its messages in a deque
    except Exception:
        return True
    return any(isinstance(message, events.Key | events.Paste) for message in pending)


def owns_keys(widget: object) -> bool:
    """A widget that handles Tab itself (a rapid-entry grid) sets `owns_keys`."""
    return bool(getattr(widget, "owns_keys", False))


def keeps_escape(widget: object) -> bool:
    """A widget that needs Escape for itself at the moment sets `keeps_escape`."""
    return bool(getattr(widget, "keeps_escape", False))
