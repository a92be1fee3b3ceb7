"""Audit flags kept with their clearing (the clearing itself goes to `admin_action`), and purge
notices (a withdrawn share or a transfer: the rows a laptop must drop at its next pull).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_flag",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("device_id", sa.String(36), sa.ForeignKey("device.id"), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("anchored_count", sa.BigInteger(), nullable=True),
        sa.Column("reported_count", sa.BigInteger(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_by", sa.String(200), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_flag_device", "audit_flag", ["device_id"])
    op.create_table(
        "purge_notice",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("purge_notice")
    op.drop_index("ix_audit_flag_device", table_name="audit_flag")
    op.drop_table("audit_flag")
