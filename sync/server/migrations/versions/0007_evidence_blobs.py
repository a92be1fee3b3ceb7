"""Evidence files: the sealed chunks laptops upload (`evidence_chunk`), the blobs they make up
(`evidence_blob`: SHA-256, key fingerprint, size, chunk count, complete), and whether a share
reaches the agency with the case's files (`case_share.includes_files`, carried from the pushed
`sharing_record` row; a share made before this version never did).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_blob",
        sa.Column("blob_id", sa.String(81), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("keyfp", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "evidence_chunk",
        sa.Column("blob_id", sa.String(81), primary_key=True),
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("case_share") as batch:
        batch.add_column(
            sa.Column("includes_files", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_share") as batch:
        batch.drop_column("includes_files")
    op.drop_table("evidence_chunk")
    op.drop_table("evidence_blob")
