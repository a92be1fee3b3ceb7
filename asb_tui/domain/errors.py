"""Errors raised by the rules layer.

Messages are shown to case officers as they are, so they are plain English sentences that say what
was refused and why, never a traceback or an internal name.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A rule of the procedure refused an action or a value (the message is user-facing)."""


class QuestionnaireError(DomainError):
    """A risk questionnaire file is malformed; the message names the file and the problem."""
