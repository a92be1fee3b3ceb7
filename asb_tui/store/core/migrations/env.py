"""Alembic environment for the laptop store. Always run programmatically (see migrate.py) with an
open connection to the encrypted database passed in `config.attributes["connection"]`."""

from alembic import context
from sqlmodel import SQLModel

import asb_tui.store.core.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
