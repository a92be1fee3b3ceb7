"""the communications log: every letter and set of diary sheets made from a case

- communication: template and its version, recipient (the person and the name as addressed),
  language, date sent, how it was sent, SHA-256 and file name of the PDF, the officer.
  Append-only (never edited), synced, exported and destroyed with its case.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "communication",
        _text("id"),
        _text("case_id"),
        _text("person_id", nullable=True),
        _text("recipient"),
        _text("template"),
        _text("template_version"),
        _text("title"),
        _text("language"),
        sa.Column("sent_on", sa.Date(), nullable=False),
        _text("method"),
        _text("pdf_sha256"),
        _text("pdf_name"),
        _text("officer"),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["asb_case.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_communication_case_id", "communication", ["case_id"])


def downgrade() -> None:
    op.drop_table("communication")
