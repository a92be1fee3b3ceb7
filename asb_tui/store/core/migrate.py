"""Schema migrations (Alembic), run on the open encrypted connection: a store written by an older
release is upgraded when it is opened.

Opening a store that is already at the head (nearly every open) reads the stored revision with
one query and compares it with the head named in the migration files, without importing Alembic:
importing it and loading its script directory cost ~0.3 s on every CLI command and app start.
Alembic is loaded only when there is something to upgrade (or the files cannot be read simply).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from asb_tui.store.core import write_gate

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r'^revision(?:\s*:\s*str)?\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:\s*:[^=]+)?\s*=\s*(?:"([^"]+)"|None)', re.MULTILINE)


class UnknownRevision(Exception):
    """The store's schema revision is not one this release knows (a newer release wrote it)."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@lru_cache(maxsize=1)
def file_head() -> str | None:
    """The head revision as the migration files name it (the one revision no other names as its
    `down_revision`), or None when the files do not say it simply (then Alembic decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("[0-9]*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            downs.add(down.group(1))
    heads = revisions - downs
    return next(iter(heads)) if len(heads) == 1 else None


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stored_revision(connection: Connection) -> str | None:
    try:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except OperationalError:  # no table yet: a new store
        connection.rollback()
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade when behind; returns whether anything ran. Cheap when already at head."""
    head = file_head()
    with engine.connect() as connection:
        stored = _stored_revision(connection)
        if head is not None and stored == head:
            return False
        try:
            if current_revision(connection) == head_revision():
                return False
        except _command_error() as exc:
            raise UnknownRevision(str(exc)) from None
    from alembic import command

    try:
        with engine.begin() as connection, write_gate.opened(connection):
            command.upgrade(alembic_config(connection), "head")
    except _command_error() as exc:
        raise UnknownRevision(str(exc)) from None
    return True


def _command_error() -> type[Exception]:
    from alembic.util import CommandError

    return CommandError
