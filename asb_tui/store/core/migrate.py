"""Schema migrations (Alembic), run on the open encrypted connection: a store written by an older
release is upgraded when it is opened."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from asb_tui.store.core import write_gate

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade when behind; returns whether anything ran. Cheap when already at head."""
    with engine.connect() as connection:
        if current_revision(connection) == head_revision():
            return False
    with engine.begin() as connection, write_gate.opened(connection):
        command.upgrade(alembic_config(connection), "head")
    return True
