"""Show user-typed text literally: never parsed as Textual/Rich markup.

`Static`/`Label` parse markup by default, and `textual.markup.escape` still fails on inputs such as
`[/`, so user data goes in as `Content`/`Text` objects, never as markup strings.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content


def literal(value: object, style: str = "") -> Content:
    """A Content that renders `value` exactly as typed."""
    text = "" if value is None else str(value)
    return Content.styled(_printable(text), style) if style else Content(_printable(text))


def literal_text(value: object, style: str = "", *, one_line: bool = False) -> Text:
    """A rich Text for widgets that take Rich renderables (DataTable cells). `one_line`: cut at
    the cell's edge with "…" (a narrow column shows "David Nowa…", not just "David")."""
    text = "" if value is None else str(value)
    if one_line:
        shown = _printable(" ".join(text.split()))
        return Text(shown, style=style, no_wrap=True, overflow="ellipsis")
    return Text(_printable(text), style=style, no_wrap=False)


def _printable(text: str) -> str:
    # Terminal control characters (ESC sequences, bell) would act on the officer's terminal instead
    # of being shown; show them as visible symbols. The stored value is untouched. Most text has
    # none: one C call says so (a character at a time in Python was ~10 ms of 300 dashboard rows).
    if text.isprintable():
        return text
    return "".join(ch if ch in "\n\t" or ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
