"""Errors a user can cause when opening or changing the store. Each carries a one-line message
that the CLI and the app show as it is (no traceback).

One family: every such error is a `StoreError` (the command modules subclass it: `FieldworkError`,
`OversightRefused`, ...), and a failure that several commands can meet is worded once, here, so
the officer reads the same sentence whichever screen or command met it.
"""

#: A case chosen on a screen (or named by id) that is not on this laptop.
CASE_NOT_FOUND = (
    "That case is not on this laptop (it may have been destroyed under retention or removed at "
    "a sync); nothing was changed."
)
#: A case named by its reference that is not on this laptop.
CASE_REF_NOT_FOUND = "There is no case {ref} on this laptop; nothing was changed."


class StoreError(Exception):
    """Base of every store error with a user-facing message."""


class StoreNotFound(StoreError):
    pass


class StoreExists(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class KeyFileError(StoreError):
    """The key file is missing, unreadable, corrupt or of an unknown format."""


class NotOurDatabase(StoreError):
    """The database file does not open with the key that the key file holds."""


class StoreDamaged(StoreError):
    """The database opens with its key but some of it is damaged (a bad page, a truncated file);
    the message says what the integrity check found and how to restore the store."""


class DiskFull(StoreError):
    """There is not enough free space for the change; nothing was changed."""


class StoreBusy(StoreError):
    """Another process has the store open (or is re-keying it), so this change must wait."""


class RekeyFailed(StoreError):
    """The re-encryption did not take; the store is unchanged under its old key."""


class WeakPassphrase(StoreError):
    pass


class StoreLocked(StoreError):
    pass


class ImportRefused(StoreError):
    """An import file was refused; nothing was written."""


class RecordNotFound(StoreError):
    """A record the user chose or named is not on this laptop; nothing was changed."""


class CaseNotFound(RecordNotFound):
    """A case that is not on this laptop, by reference when the user typed one."""

    def __init__(self, ref: str | None = None) -> None:
        super().__init__(CASE_NOT_FOUND if ref is None else CASE_REF_NOT_FOUND.format(ref=ref))
