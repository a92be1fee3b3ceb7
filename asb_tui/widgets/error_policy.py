"""What the officer sees when store work fails, and what goes to the log.

One policy for every screen: an error the officer can cause (a rule refused, a locked store, a
bad value; `DomainError`, `StoreError` and whatever a screen names as expected) shows its own
message, written for the officer. Anything else is a bug: the officer sees one fixed line, and
the log gets the traceback. The exception's text never reaches the screen (it may hold paths,
SQL or data).
"""

from __future__ import annotations

import logging

from asb_tui.domain.errors import DomainError
from asb_tui.store.core.errors import StoreError

log = logging.getLogger("asb_tui.screens")

UNEXPECTED = "Something went wrong; nothing was lost. The details are in the log."

Expected = tuple[type[BaseException], ...]


def user_error_text(exc: BaseException, expected: Expected = ()) -> str | None:
    """The one-line message of an error the officer can cause, or None for a bug."""
    if isinstance(exc, (DomainError, StoreError, *expected)):
        return str(exc) or UNEXPECTED
    return None


def failure_text(exc: BaseException, expected: Expected = (), *, doing: str = "store work") -> str:
    """What the officer is shown for `exc`; a bug is logged with its traceback first."""
    text = user_error_text(exc, expected)
    if text is None:
        log.error("%s failed", doing, exc_info=exc)
        return UNEXPECTED
    return text
