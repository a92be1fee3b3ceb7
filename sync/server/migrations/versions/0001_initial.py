"""The central store's first schema.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "enrolment_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("officer_id", sa.String(36), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("officer_id", sa.String(36), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("applied_counter", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("audit_count", sa.BigInteger(), nullable=True),
        sa.Column("audit_hash", sa.String(64), nullable=True),
        sa.Column("audit_flag", sa.Text(), nullable=True),
        sa.Column("audit_flagged_at", sa.DateTime(), nullable=True),
    )
    counter = op.create_table(
        "stream_counter",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.create_table(
        "row_state",
        sa.Column("table_name", sa.String(40), primary_key=True),
        sa.Column("row_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("append_only", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_seq", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_row_state_case_id", "row_state", ["case_id"])
    op.create_table(
        "stream",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("origin_device_id", sa.String(36), nullable=True),
        sa.Column("origin_counter", sa.BigInteger(), nullable=True),
        sa.Column("conflict_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "case_access",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("team", sa.String(200), nullable=False),
    )
    op.create_index("ix_case_access_team", "case_access", ["team"])
    op.create_table(
        "case_share",
        sa.Column("share_row_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
    )
    op.create_index("ix_case_share_case_id", "case_share", ["case_id"])
    op.create_index("ix_case_share_agency", "case_share", ["agency"])
    op.create_table(
        "conflict",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("server_value", sa.JSON(), nullable=True),
        sa.Column("device_value", sa.JSON(), nullable=True),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("server_device_id", sa.String(36), nullable=True),
        sa.Column("base_version", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolution", sa.String(10), nullable=True),
        sa.Column("resolved_value", sa.JSON(), nullable=True),
        sa.Column("resolved_by_device_id", sa.String(36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_conflict_case_id", "conflict", ["case_id"])
    op.create_table(
        "refused_change",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("device_counter", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "refused_change",
        "conflict",
        "case_share",
        "case_access",
        "stream",
        "row_state",
        "stream_counter",
        "device",
        "enrolment_token",
        "officer",
    ):
        op.drop_table(table)
