"""the local cache has its own table: drafts and the dashboard's copy move out of `form_draft`

`local_cache` keeps what the laptop holds only for itself (never synced, never exported), each
entry named by its kind ("draft", "dashboard") and key. The dashboard's copy was a `form_draft`
row under the key prefix "dashboard-snapshot:"; it moves with its kind, the prefix dropped.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DASHBOARD_PREFIX = "dashboard-snapshot:"


def upgrade() -> None:
    op.create_table(
        "local_cache",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    start = len(_DASHBOARD_PREFIX) + 1  # SQLite's substr counts from 1
    op.execute(
        "INSERT INTO local_cache (kind, key, payload, saved_at) "
        f"SELECT 'dashboard', substr(key, {start}), payload, saved_at FROM form_draft "
        f"WHERE substr(key, 1, {len(_DASHBOARD_PREFIX)}) = '{_DASHBOARD_PREFIX}'"
    )
    op.execute(
        "INSERT INTO local_cache (kind, key, payload, saved_at) "
        "SELECT 'draft', key, payload, saved_at FROM form_draft "
        f"WHERE substr(key, 1, {len(_DASHBOARD_PREFIX)}) != '{_DASHBOARD_PREFIX}'"
    )
    op.drop_table("form_draft")


def downgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.execute(
        "INSERT INTO form_draft (key, payload, saved_at) SELECT "
        f"CASE kind WHEN 'dashboard' THEN '{_DASHBOARD_PREFIX}' || key ELSE key END, "
        "payload, saved_at FROM local_cache"
    )
    op.drop_table("local_cache")
