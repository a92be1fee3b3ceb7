"""Each device gets a case-reference series the service gives no other device.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("series", sa.Integer(), nullable=True))
    op.create_index("ix_device_series", "device", ["series"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_device_series", table_name="device")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("series")
