"""User-facing refusals of the oversight commands (reviews, VVC, sharing, retention, exports).

Each is a StoreError, so the CLI prints its one-line message with exit status 2 and screens show
it as it is.
"""

from __future__ import annotations

from asb_tui.store.core.errors import RecordNotFound, StoreError


class OversightRefused(StoreError):
    """A review, VVC decision, share or export was refused; nothing was written."""


class SharingRefused(OversightRefused):
    """A share was refused (for example: consent basis without consent on record)."""


class UnknownRecord(OversightRefused, RecordNotFound):
    """A person, meeting or record named by the user does not exist (a case: `CaseNotFound`)."""
