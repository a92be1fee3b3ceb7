"""PostgreSQL numbers the stream from a sequence, `stream_seq`, so pushes no longer queue on the
one row of `stream_counter` (see `db`: the safe head and the in-flight marks). The sequence
starts after every number already used (the counter, and the stream, conflicts and purge
notices it numbered); from here on `stream_counter` is not used on PostgreSQL. SQLite keeps the
counter (one office, one process: its writers are serialised anyway).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_USED = (
    "SELECT GREATEST("
    "(SELECT COALESCE(MAX(value), 0) FROM stream_counter), "
    "(SELECT COALESCE(MAX(seq), 0) FROM stream), "
    "(SELECT COALESCE(MAX(seq), 0) FROM conflict), "
    "(SELECT COALESCE(MAX(seq), 0) FROM purge_notice))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # CACHE 1: the sequence's last_value is the last number any session took (the safe head
    # reads it); MINVALUE 0: a new database starts with "0 taken".
    op.execute("CREATE SEQUENCE stream_seq AS bigint MINVALUE 0 START WITH 0 CACHE 1")
    op.execute(f"SELECT setval('stream_seq', ({_USED}), true)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "UPDATE stream_counter SET value = (SELECT CASE WHEN is_called THEN last_value "
        "ELSE last_value - 1 END FROM stream_seq) WHERE id = 1"
    )
    op.execute("DROP SEQUENCE stream_seq")
