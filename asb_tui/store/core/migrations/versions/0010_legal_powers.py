"""legal powers as the 2014 Act sets them

legal_remedy gains the facts of the Act's powers (domain/legal_powers.py): whether it was made
that way (`statutory`), when it was served or applied for (a datetime: the closure clock counts
hours), the end the court or notice set (`ends_on`, or `ends_at` for a closure notice), a
warning's time to comply, the warning a CPN follows, the respondent's age on the day, the YOT or
PSPO consultation, the conviction of a CBO, the power of arrest and the absolute ground's
condition. legal_stage records which status a legal move went to and its time.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REMEDY_COLUMNS = (
    ("statutory", sa.Boolean, {"nullable": False, "server_default": sa.false()}),
    ("served_at", sqlmodel.sql.sqltypes.UTCDateTime, {"nullable": True}),
    ("ends_on", sa.Date, {"nullable": True}),
    ("ends_at", sqlmodel.sql.sqltypes.UTCDateTime, {"nullable": True}),
    ("comply_by", sa.Date, {"nullable": True}),
    ("prior_warning_id", sqlmodel.sql.sqltypes.AutoString, {"nullable": True}),
    ("respondent_age", sa.Integer, {"nullable": True}),
    ("consulted_on", sa.Date, {"nullable": True}),
    ("convicted_on", sa.Date, {"nullable": True}),
    ("power_of_arrest", sa.Boolean, {"nullable": False, "server_default": sa.false()}),
    ("grounds", sqlmodel.sql.sqltypes.AutoString, {"nullable": False, "server_default": ""}),
    ("grounds_met_on", sa.Date, {"nullable": True}),
)


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: a batch operation would copy and drop legal_remedy,
    # which legal_stage's rows reference, and SQLite refuses to drop a table still referenced.
    for name, kind, options in _REMEDY_COLUMNS:
        op.add_column("legal_remedy", sa.Column(name, kind(), **options))
    op.add_column(
        "legal_stage",
        sa.Column(
            "to_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )
    op.add_column(
        "legal_stage", sa.Column("stage_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("legal_stage", schema=None) as batch_op:
        batch_op.drop_column("stage_at")
        batch_op.drop_column("to_status")
    with op.batch_alter_table("legal_remedy", schema=None) as batch_op:
        for name, _kind, _options in reversed(_REMEDY_COLUMNS):
            batch_op.drop_column(name)
