"""Errors a user can cause when opening or changing the store. Each carries a one-line message
that the CLI and the app show as it is (no traceback)."""


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
