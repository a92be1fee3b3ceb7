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


class WeakPassphrase(StoreError):
    pass


class StoreLocked(StoreError):
    pass


class ImportRefused(StoreError):
    """An import file was refused; nothing was written."""
