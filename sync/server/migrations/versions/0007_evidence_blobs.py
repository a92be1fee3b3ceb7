"""Evidence files: the sealed chunks laptops upload (`evidence_chunk`), the blobs they make up
(`evidence_blob`: SHA-256, key fingerprint, size, chunk count, complete), which item names which
blob (`evidence_name`, filled here from the items already held), and whether a share
reaches the agency with the case's files (`case_share.includes_files`, carried from the pushed
`sharing_record` row; a share made before this version never did).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

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
    op.create_table(
        "evidence_name",
        sa.Column("row_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("keyfp", sa.String(16), nullable=False),
    )
    op.create_index("ix_evidence_name_sha256", "evidence_name", ["sha256"])
    _name_items_held()
    with op.batch_alter_table("case_share") as batch:
        batch.add_column(
            sa.Column("includes_files", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_share") as batch:
        batch.drop_column("includes_files")
    op.drop_index("ix_evidence_name_sha256", table_name="evidence_name")
    op.drop_table("evidence_name")
    op.drop_table("evidence_chunk")
    op.drop_table("evidence_blob")


def _name_items_held() -> None:
    """The evidence items already on the service (an upgrade) get their names."""
    import hashlib
    import re

    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT row_id, case_id, fields FROM row_state WHERE table_name = 'evidence_item'")
    )
    names = []
    for row_id, case_id, fields in rows:
        values = json.loads(fields) if isinstance(fields, str) else dict(fields or {})
        sha256, key = values.get("sha256"), values.get("content_key")
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            continue
        if not isinstance(key, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", key):
            continue
        keyfp = hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16]
        names.append({"row_id": row_id, "case_id": case_id, "sha256": sha256, "keyfp": keyfp})
    if names:
        table = sa.table(
            "evidence_name", sa.column("row_id"), sa.column("case_id"), sa.column("sha256"),
            sa.column("keyfp"),
        )  # fmt: skip
        op.bulk_insert(table, names)
