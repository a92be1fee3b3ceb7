"""What the field-work store functions share: their error type and small checks.

The field-work functions live in `diary`, `visits`, `house_to_house`, `contacts` and `legal`;
each write goes through `Store.write()` (row + audit event + change record in one transaction).
"""

from __future__ import annotations

from sqlmodel import Session

from asb_tui.store.core.errors import CaseNotFound, StoreError
from asb_tui.store.core.models import Case
from asb_tui.store.core.user_text import TextRequired, is_blank


class FieldworkError(StoreError):
    """A field-work write was refused; the message says why and nothing was written."""


class PerpetratorVisitRefused(FieldworkError):
    """No standing agreement of the victim to a visit to the alleged perpetrator."""


def get_case(session: Session, case_id: str) -> Case:
    """The case, or CaseNotFound when it is not here (e.g. destroyed under retention)."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return case


class FieldworkTextRequired(FieldworkError, TextRequired):
    """A required field-work text was left blank (one policy: core/user_text.py)."""


def require_text(value: str, what: str) -> str:
    """`value` unchanged (user text is stored exactly as typed) unless it is blank."""
    if is_blank(value):
        raise FieldworkTextRequired(f"{what} is needed.")
    return value
