"""Fixtures of the sync tests (sync_server_testkit): central databases, a running server, and
enrolled devices. Test modules import the helpers from the kit by its name, never from here."""

from sync_server_testkit import db_url, new_device, server

__all__ = ["db_url", "new_device", "server"]
