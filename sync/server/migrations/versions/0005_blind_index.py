"""The blind index (keyed digests of people and addresses, see `sync.server.blind`) and the
service's own secrets (the index key when none is configured, the check value of the key the
index was built under). The index is built at the service's first start after this upgrade.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blind_index",
        sa.Column("table_name", sa.String(40), primary_key=True),
        sa.Column("row_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_blind_index_digest", "blind_index", ["digest"])
    op.create_index("ix_blind_index_case", "blind_index", ["case_id"])
    op.create_table(
        "service_secret",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_secret")
    op.drop_index("ix_blind_index_case", table_name="blind_index")
    op.drop_index("ix_blind_index_digest", table_name="blind_index")
    op.drop_table("blind_index")
