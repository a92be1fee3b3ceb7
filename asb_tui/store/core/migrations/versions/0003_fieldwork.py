"""field work: withdrawal of the perpetrator-visit agreement, kind of an agency reference

- consent.perpetrator_visit_withdrawn_on: the victim can withdraw agreement to a visit to the
  alleged perpetrator without withdrawing consent to record and share (consent.withdrawn_on).
- agency_contact.reference_kind: what a reference is (police crime reference or incident log
  number), so the reference itself is stored exactly as typed.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("perpetrator_visit_withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("agency_contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference_kind", sa.String(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("agency_contact", schema=None) as batch_op:
        batch_op.drop_column("reference_kind")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_column("perpetrator_visit_withdrawn_on")
