"""Task specifications: the tasks that the procedure creates by itself, for the store to save."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from asb_tui.domain.types import ActionKind


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One automatic task: what it is, what the officer sees, and when it is due."""

    kind: ActionKind
    title: str
    due_on: date
