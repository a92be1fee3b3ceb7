"""Alembic environment of the central store: run programmatically by `sync.server.migrate`,
which passes an open connection in `config.attributes["connection"]` (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from sync.server.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `asb-sync-server migrate`, not the alembic CLI")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
