"""Schema migrations of the central store, run programmatically (no alembic.ini at runtime).

`serve` upgrades the schema on start (several instances may start at once on one PostgreSQL: the
upgrade runs under a transaction-scoped advisory lock, so only one applies it and the others find
it done). `migrate` does the same on demand, e.g. before a rolling deploy. An upgrade that changed
the schema is followed by ANALYZE on PostgreSQL, so the planner has statistics from the start.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A fixed key shared by every instance, in the two-int form: the one-bigint form is kept for the
# stream's in-flight marks (`db`), which readers take for stream positions.
_ADVISORY_LOCK_KEY = (0x41534200, 1)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_on(connection: sa.Connection, revision: str = "head") -> None:
    """Bring the schema to `revision` inside the caller's transaction (no lock, no ANALYZE: see
    `upgrade`; tests use it to stop at an older revision)."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade(engine: sa.Engine) -> bool:
    """Bring the schema to the newest revision (a no-op when it is already there). True when it
    changed the schema; on PostgreSQL it then analyses the database (`analyse`)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:c, :k)"),
                {"c": _ADVISORY_LOCK_KEY[0], "k": _ADVISORY_LOCK_KEY[1]},
            )
        before = MigrationContext.configure(connection).get_current_revision()
        upgrade_on(connection)
        changed = MigrationContext.configure(connection).get_current_revision() != before
    if changed:
        analyse(engine)
    return changed


def analyse(engine: sa.Engine) -> bool:
    """Refresh the planner's statistics of every table (PostgreSQL's ANALYZE); True if it ran.

    A new index or table has none until autovacuum gets round to it, and a plan made without
    statistics can be very wrong (see migration 0006). Cheap: ANALYZE samples each table. Not
    on SQLite, whose planner needs no statistics for the service's queries."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))
    return True
