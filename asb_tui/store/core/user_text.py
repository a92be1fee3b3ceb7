"""One policy for the text an officer types: it is stored exactly as typed.

Leading spaces, trailing spaces and line breaks are the officer's (an indented diary line, a
pasted statement); no command trims them. Validation only reads: a required text that is blank
(nothing but spaces) is refused with `TextRequired`, and the text is otherwise passed on
unchanged. What a command parses rather than stores (a reference to look a case up by, a list
typed one item per line, a yes/no answer) is matched tolerantly where it is read, and the stored
text is still the typed one.
"""

from __future__ import annotations

from asb_tui.store.core.errors import StoreError


class TextRequired(StoreError):
    """A required text was left blank; nothing was saved."""


def is_blank(text: str) -> bool:
    return not text.strip()


def required_text(text: str, message: str) -> str:
    """`text` unchanged, or TextRequired(`message`) when it is blank."""
    if is_blank(text):
        raise TextRequired(message)
    return text
