"""subject access requests are logged, with their clock and the export sent

`subject_access_request` is kept on this laptop only (it has no case to be scoped by: see
docs/subject-access.md): the request, its identity check, fee and clarification dates, the
extension with its reason, the day it was answered and the export linked (file names, SHA-256).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "subject_access_request",
        sa.Column("id", text(), nullable=False),
        sa.Column("ref", text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("requester", text(), nullable=False),
        sa.Column("person_id", text(), nullable=True),
        sa.Column("details", text(), nullable=False),
        sa.Column("identity_asked", sa.Boolean(), nullable=False),
        sa.Column("identity_confirmed_on", sa.Date(), nullable=True),
        sa.Column("identity_how", text(), nullable=False),
        sa.Column("fee_asked", sa.Boolean(), nullable=False),
        sa.Column("fee_received_on", sa.Date(), nullable=True),
        sa.Column("clarification_asked_on", sa.Date(), nullable=True),
        sa.Column("clarification_received_on", sa.Date(), nullable=True),
        sa.Column("extension_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", text(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("export_json_name", text(), nullable=False),
        sa.Column("export_json_sha256", text(), nullable=False),
        sa.Column("export_pdf_name", text(), nullable=False),
        sa.Column("export_pdf_sha256", text(), nullable=False),
        sa.Column("exported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("logged_by", text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subject_access_request_ref", "subject_access_request", ["ref"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_subject_access_request_ref", table_name="subject_access_request")
    op.drop_table("subject_access_request")
