"""the evidence locker: files held encrypted on the case, hashed at intake

- evidence_item gains what the intake records: the exhibit reference (e.g. GD/3, unique within
  its case), where it came from (victim / witness / officer / agency), the detected media type,
  the size, the content key of its encrypted chunk files (hex of 32 random bytes; the chunks live
  in the data directory, store/core/evidence_blobs.py), who obtained it, and the incident, visit
  or person it belongs to (each optional). `file_name` becomes `original_name`. Rows made before
  (demo data) are given the exhibit reference EX/<n> so the rule of one reference per case holds.
- sharing_record.includes_files: a share reaches the agency's laptops with the files only when it
  says so.
- visit.cited_exhibits: the exhibit references a visit's evidence gathered, denial or
  counter-allegation cites.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        name,
        sqlmodel.sql.sqltypes.AutoString(),
        nullable=nullable,
        server_default=None if nullable else "",
    )


def upgrade() -> None:
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.alter_column("file_name", new_column_name="original_name")
        batch_op.add_column(_text("exhibit_ref"))
        batch_op.add_column(_text("source"))
        batch_op.add_column(_text("media_type"))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(_text("content_key"))
        batch_op.add_column(_text("obtained_by"))
        for name, parent in (("incident_id", "incident"), ("visit_id", "visit"),
                             ("person_id", "person")):  # fmt: skip
            batch_op.add_column(_text(name, nullable=True))
            batch_op.create_foreign_key(f"fk_evidence_item_{name}", parent, [name], ["id"])
    op.execute("UPDATE evidence_item SET exhibit_ref = 'EX/' || rowid WHERE exhibit_ref = ''")
    op.create_index(
        "ux_evidence_item_case_exhibit", "evidence_item", ["case_id", "exhibit_ref"], unique=True
    )
    op.add_column(
        "sharing_record",
        sa.Column("includes_files", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "visit", sa.Column("cited_exhibits", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    op.drop_column("visit", "cited_exhibits")
    op.drop_column("sharing_record", "includes_files")
    op.drop_index("ux_evidence_item_case_exhibit", table_name="evidence_item")
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        for name in ("person_id", "visit_id", "incident_id"):
            batch_op.drop_constraint(f"fk_evidence_item_{name}", type_="foreignkey")
            batch_op.drop_column(name)
        for name in ("obtained_by", "content_key", "size", "media_type", "source", "exhibit_ref"):
            batch_op.drop_column(name)
        batch_op.alter_column("original_name", new_column_name="file_name")
